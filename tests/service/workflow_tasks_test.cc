// The pure parts of integration workflows: what a flow's Tasks make of a record, and the records
// of a source object.
#include "service/workflow_tasks.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "service/workflow_source.h"

namespace profiled::service {
namespace {

namespace json = boost::json;

std::vector<FlowTask> Tasks(std::string_view text) {
  auto tasks = ParseFlowTasks(json::parse(text).as_array());
  EXPECT_TRUE(tasks.ok()) << tasks.error().message();
  return tasks.ok() ? *tasks : std::vector<FlowTask>{};
}

std::optional<json::object> Apply(const std::vector<FlowTask>& tasks, SourceRecord record) {
  auto out = ApplyFlowTasks(tasks, std::move(record));
  EXPECT_TRUE(out.ok()) << out.error().message();
  return out.ok() ? *out : std::nullopt;
}

TEST(WorkflowTasksTest, WithoutMapEveryProjectedFieldPassesUnderItsName) {
  auto all = Apply(Tasks("[]"), {{"a", "1"}, {"b", "2"}});
  EXPECT_EQ(*all, json::parse(R"({"a":"1","b":"2"})"));
  auto projected = Apply(Tasks(R"([{"TaskType":"Filter","SourceFields":["a","c"],
                                     "ConnectorOperator":{"S3":"PROJECTION"}}])"),
                         {{"a", "1"}, {"b", "2"}});
  EXPECT_EQ(*projected, json::parse(R"({"a":"1"})"));
}

TEST(WorkflowTasksTest, MapRenamesAndKeepsOnlyMappedFields) {
  auto tasks = Tasks(R"([{"TaskType":"Map","SourceFields":["mail"],"DestinationField":"Email"},
                         {"TaskType":"Map","SourceFields":["name"]},
                         {"TaskType":"Map","SourceFields":["absent"]}])");
  EXPECT_EQ(*Apply(tasks, {{"mail", "x@y"}, {"name", "N"}, {"other", "o"}}),
            json::parse(R"({"Email":"x@y","name":"N"})"));
}

TEST(WorkflowTasksTest, ComparisonFiltersDropRecordsNumbersAsNumbers) {
  auto at_least_10 = Tasks(R"([{"TaskType":"Filter","SourceFields":["n"],
      "ConnectorOperator":{"S3":"GREATER_THAN_OR_EQUAL_TO"},"TaskProperties":{"VALUE":"10"}}])");
  EXPECT_TRUE(Apply(at_least_10, {{"n", "10"}}).has_value());
  EXPECT_TRUE(Apply(at_least_10, {{"n", "9.5e1"}}).has_value());
  EXPECT_FALSE(Apply(at_least_10, {{"n", "9"}}).has_value());  // as text "9" > "10"
  EXPECT_FALSE(Apply(at_least_10, {}).has_value());
  auto between = Tasks(R"([{"TaskType":"Filter","SourceFields":["s"],
      "ConnectorOperator":{"S3":"BETWEEN"},
      "TaskProperties":{"LOWER_BOUND":"b","UPPER_BOUND":"d"}}])");
  EXPECT_TRUE(Apply(between, {{"s", "c"}}).has_value());
  EXPECT_FALSE(Apply(between, {{"s", "e"}}).has_value());
  auto not_equal = Tasks(R"([{"TaskType":"Filter","SourceFields":["s"],
      "ConnectorOperator":{"S3":"NOT_EQUAL_TO"},"TaskProperties":{"VALUE":"x"}}])");
  EXPECT_FALSE(Apply(not_equal, {{"s", "x"}}).has_value());
}

TEST(WorkflowTasksTest, ValidationActions) {
  auto drop = Tasks(R"([{"TaskType":"Validate","SourceFields":["n"],
                         "ConnectorOperator":{"S3":"VALIDATE_NUMERIC"}}])");
  EXPECT_FALSE(Apply(drop, {{"n", "abc"}}).has_value());  // DropRecord by default
  EXPECT_TRUE(Apply(drop, {{"n", "-1.5"}}).has_value());
  auto keep = Tasks(R"([{"TaskType":"Validate","SourceFields":["n"],
      "ConnectorOperator":{"S3":"VALIDATE_NON_NULL"},"TaskProperties":{"VALIDATION_ACTION":"NoOp"}}])");
  EXPECT_TRUE(Apply(keep, {}).has_value());
  auto stop = Tasks(R"([{"TaskType":"Validate","SourceFields":["n"],
      "ConnectorOperator":{"S3":"VALIDATE_NON_NEGATIVE"},
      "TaskProperties":{"VALIDATION_ACTION":"TerminateFlow"}}])");
  auto failed = ApplyFlowTasks(stop, {{"n", "-1"}});
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.error().message().find("field n failed VALIDATE_NON_NEGATIVE"),
            std::string::npos);
}

TEST(WorkflowTasksTest, MaskAndTruncateChangeTheValueBeforeItIsMapped) {
  auto tasks = Tasks(R"([
      {"TaskType":"Mask","SourceFields":["card"],"ConnectorOperator":{"S3":"MASK_FIRST_N"},
       "TaskProperties":{"MASK_LENGTH":"12","MASK_VALUE":"#"}},
      {"TaskType":"Mask","SourceFields":["pin"],"ConnectorOperator":{"S3":"MASK_ALL"}},
      {"TaskType":"Mask","SourceFields":["tail"],"ConnectorOperator":{"S3":"MASK_LAST_N"},
       "TaskProperties":{"MASK_LENGTH":"99"}},
      {"TaskType":"Truncate","SourceFields":["note"],"TaskProperties":{"TRUNCATE_LENGTH":"3"}},
      {"TaskType":"Map","SourceFields":["card"],"DestinationField":"Card"}])");
  auto out = Apply(tasks, {{"card", "1234567812345678"}, {"pin", "12"}, {"note", "abcdef"}});
  EXPECT_EQ(*out, json::parse(R"({"Card":"############5678"})"));
  auto unmapped = Tasks(R"([
      {"TaskType":"Mask","SourceFields":["pin"],"ConnectorOperator":{"S3":"MASK_ALL"}},
      {"TaskType":"Mask","SourceFields":["tail"],"ConnectorOperator":{"S3":"MASK_LAST_N"},
       "TaskProperties":{"MASK_LENGTH":"99"}},
      {"TaskType":"Truncate","SourceFields":["note"],"TaskProperties":{"TRUNCATE_LENGTH":"3"}}])");
  EXPECT_EQ(*Apply(unmapped, {{"pin", "12"}, {"tail", "ab"}, {"note", "abcdef"}}),
            json::parse(R"({"note":"abc","pin":"**","tail":"**"})"));
}

TEST(WorkflowTasksTest, RefusesWhatItCannotDoNamingTheTask) {
  auto refused = [](std::string_view text) {
    auto r = ParseFlowTasks(json::parse(text).as_array());
    return r.ok() ? std::string("accepted") : r.error().message();
  };
  EXPECT_NE(refused(R"([{"TaskType":"Map","SourceFields":["a"]},
                        {"TaskType":"Arithmetic","SourceFields":["a"]}])")
                .find("Tasks[1]: TaskType Arithmetic is not supported"),
            std::string::npos);
  EXPECT_NE(refused(R"([{"TaskType":"Map","SourceFields":["a","b"]}])").find("exactly one"),
            std::string::npos);
  EXPECT_NE(refused(R"([{"TaskType":"Filter","SourceFields":["a"],
                         "ConnectorOperator":{"S3":"ADDITION"}}])")
                .find("Filter operator ADDITION"),
            std::string::npos);
  EXPECT_NE(refused(R"([{"TaskType":"Truncate","SourceFields":["a"]}])").find("TRUNCATE_LENGTH"),
            std::string::npos);
  EXPECT_NE(refused(R"([{"TaskType":"Validate","SourceFields":["a"],
                         "ConnectorOperator":{"S3":"VALIDATE_NUMERIC"},
                         "TaskProperties":{"VALIDATION_ACTION":"Shrug"}}])")
                .find("VALIDATION_ACTION"),
            std::string::npos);
}

TEST(WorkflowSourceTest, CsvJsonLinesAndJsonArrays) {
  auto csv = ParseSourceRecords("in/people.csv", "Email,Name\r\na@x,\"Doe, J\"\nb@x,\n");
  ASSERT_TRUE(csv.ok()) << csv.error().message();
  EXPECT_EQ(*csv, (std::vector<SourceRecord>{{{"Email", "a@x"}, {"Name", "Doe, J"}},
                                             {{"Email", "b@x"}}}));
  auto lines =
      ParseSourceRecords("in/p.jsonl", "{\"a\":\"x\",\"n\":5,\"z\":null}\n\n{\"b\":true}\n");
  ASSERT_TRUE(lines.ok()) << lines.error().message();
  EXPECT_EQ(*lines, (std::vector<SourceRecord>{{{"a", "x"}, {"n", "5"}}, {{"b", "true"}}}));
  auto array = ParseSourceRecords("noext", " [{\"a\":{\"b\":1}}]");
  ASSERT_TRUE(array.ok()) << array.error().message();
  EXPECT_EQ(*array, (std::vector<SourceRecord>{{{"a", "{\"b\":1}"}}}));
  auto sniffed_csv = ParseSourceRecords("noext", "a\n1\n");
  ASSERT_TRUE(sniffed_csv.ok());
  EXPECT_EQ(sniffed_csv->size(), 1u);
}

TEST(WorkflowSourceTest, UnreadableObjectsNameTheKeyAndLine) {
  auto ragged = ParseSourceRecords("k.csv", "a,b\n1\n");
  ASSERT_FALSE(ragged.ok());
  EXPECT_NE(ragged.error().message().find("k.csv: the record at line 2 has 1 fields"),
            std::string::npos);
  auto bad_line = ParseSourceRecords("k.json", "{}\nnot json\n");
  ASSERT_FALSE(bad_line.ok());
  EXPECT_NE(bad_line.error().message().find("line 2 is not JSON"), std::string::npos);
  EXPECT_FALSE(ParseSourceRecords("k.json", "[1]").ok());
}

}  // namespace
}  // namespace profiled::service
