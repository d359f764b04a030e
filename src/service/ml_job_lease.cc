// The runner of an identity-resolution job and its lease (see ml_job_lease.h).
#include "service/ml_job_lease.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>

#include "common/ids.h"
#include "common/log.h"
#include "service/common.h"
#include "service/ml_jobs.h"

namespace profiled::service {
namespace json = boost::json;
namespace {

std::string HostName() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "unknown";
  return name;
}

struct Runner {
  std::string host;
  long pid = 0;
  std::string token;
};

Runner ParseRunner(std::string_view id) {
  Runner r;
  size_t last = id.rfind(':');
  if (last == std::string_view::npos) return r;
  size_t middle = id.rfind(':', last - 1);
  if (middle == std::string_view::npos || middle == 0) return r;
  r.host = std::string(id.substr(0, middle));
  r.pid = std::strtol(std::string(id.substr(middle + 1, last - middle - 1)).c_str(), nullptr, 10);
  r.token = std::string(id.substr(last + 1));
  return r;
}

// Whether a process `pid` exists on this host (one we may not signal exists too).
bool ProcessExists(long pid) {
  if (pid <= 0) return false;
  return kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

}  // namespace

const std::string& MlJobRunnerId() {
  static const std::string id =
      HostName() + ":" + std::to_string(static_cast<long>(getpid())) + ":" + RandomHex(16);
  return id;
}

bool MlJobRunnerGone(const json::object& queue_row, double now) {
  std::string owner = GetStringOr(queue_row, "Owner", "");
  if (owner.empty()) return true;
  auto until = queue_row.find("LeaseUntil");
  if (until == queue_row.end() || !until->value().is_number() ||
      until->value().to_number<double>() < now) {
    return true;
  }
  Runner them = ParseRunner(owner), me = ParseRunner(MlJobRunnerId());
  if (them.host != me.host) return false;                 // another machine's: its lease decides
  if (them.pid == me.pid) return them.token != me.token;  // this pid, an earlier process
  return !ProcessExists(them.pid);
}

MlJobLease::MlJobLease(const ServiceEnv& env, std::string queue_id)
    : env_(env), queue_id_(std::move(queue_id)) {
  thread_ = std::thread([this] { Renew(); });
}

MlJobLease::~MlJobLease() {
  {
    MutexLock lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void MlJobLease::Renew() {
  auto period = std::chrono::milliseconds(static_cast<int64_t>(kMlLeaseSeconds * 1000 / 4));
  MutexLock lock(mu_);
  while (!stop_) {
    auto deadline = std::chrono::steady_clock::now() + period;
    while (!stop_ && lock.WaitUntil(cv_, deadline)) {
    }
    if (stop_) return;
    lock.Unlock();
    bool gone = false, ours = true;
    Status renewed = env_.store->Write([&](store::Txn& txn) -> Status {
      ASSIGN_OR_RETURN(auto body, txn.GetForUpdate(kSystemScope, kMlQueueKind, queue_id_));
      gone = !body;
      if (gone) return OkStatus();  // the job has just ended
      ASSIGN_OR_RETURN(json::object row, ParseStored(*body));
      ours = GetStringOr(row, "Owner", "") == MlJobRunnerId();
      if (!ours) return OkStatus();
      row["LeaseUntil"] = env_.clock->NowEpochSeconds() + kMlLeaseSeconds;
      return txn.Put(kSystemScope, kMlQueueKind, queue_id_, Serialize(row));
    });
    lock.Lock();
    if (!renewed.ok()) {
      log::Warn("identity resolution job " + queue_id_ +
                ": renewing its lease failed: " + renewed.error().message());
    } else if (gone) {
      return;
    } else if (!ours) {
      log::Warn("identity resolution job " + queue_id_ + ": another server took it over");
      return;
    }
  }
}

}  // namespace profiled::service
