#include "api/quotas.h"

#include <fstream>
#include <sstream>
#include <utility>

#include "api/model.h"

namespace profiled::api {

Result<std::unique_ptr<Quotas>> Quotas::Load(std::string_view table_text,
                                             const std::vector<std::string>& known_operations,
                                             RateLimiter::Clock clock) {
  ASSIGN_OR_RETURN(QuotaTable table,
                   ParseQuotaTable(table_text, known_operations, ResourceLimits::KnownNames()));
  return std::unique_ptr<Quotas>(new Quotas(std::move(table), std::move(clock)));
}

Result<std::unique_ptr<Quotas>> Quotas::ForServe(const std::string& file) {
  std::string text(EmbeddedQuotaTable());
  if (!file.empty()) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return Error::BadRequest("cannot read " + file);
    std::ostringstream content;
    content << in.rdbuf();
    text = content.str();
  }
  auto quotas = Load(text, Model::Get().OperationNames());
  if (!quotas.ok()) {
    return Error::BadRequest((file.empty() ? "spec/quotas.json" : file) + ": " +
                             quotas.error().message());
  }
  return quotas;
}

Quotas::Quotas(QuotaTable table, RateLimiter::Clock clock)
    : rate_count_(table.rates.size()),
      limit_count_(table.limits.size()),
      rates_(std::move(table.rates), std::move(clock)),
      limits_(std::move(table.limits)) {}

}  // namespace profiled::api
