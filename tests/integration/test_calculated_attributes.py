"""Calculated attributes, complete, through boto3 against the real binary on each store: every
statistic, expressions of one or two fields (and AWS's limit), Conditions (Range with Value,
ValueRange and TimestampSource, ObjectCount, Threshold), Filter, UseHistoricalData, values kept
as objects are put, overwritten, deleted and merged, ConditionOverrides, and the definition's
Status and Readiness. Sources: the model's documentation and AWS's API reference and admin guide
(docs/calculated-attributes.md names each rule's)."""

import datetime
import json
import unittest

from harness import ServerTestCase

FIELDS = {
    "OrderId": {"Source": "_source.OrderId"},
    "email": {"Source": "_source.email", "Target": "_profile.EmailAddress"},
    "total": {"Source": "_source.total"},
    "qty": {"Source": "_source.qty"},
    "channel": {"Source": "_source.channel"},
    "at": {"Source": "_source.meta.at"},
}
KEYS = {
    "OrderId": [{"StandardIdentifiers": ["UNIQUE"], "FieldNames": ["OrderId"]}],
    "_email": [{"StandardIdentifiers": ["PROFILE"], "FieldNames": ["email"]}],
}
STATISTICS = ["COUNT", "SUM", "AVERAGE", "MINIMUM", "MAXIMUM", "FIRST_OCCURRENCE",
              "LAST_OCCURRENCE", "MAX_OCCURRENCE"]


def iso_days_ago(days):
    t = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=days)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


class CalculatedAttributesTest(ServerTestCase):
    def setUp(self):
        self.domain = self.create_domain()
        self.client.put_profile_object_type(DomainName=self.domain, ObjectTypeName="Order",
                                            Description="orders", AllowProfileCreation=True,
                                            Fields=FIELDS, Keys=KEYS)

    def put(self, oid, email, total, qty=1, channel="web", at=None):
        obj = {"OrderId": oid, "email": email, "total": total, "qty": qty, "channel": channel}
        if at is not None:
            obj["meta"] = {"at": at}
        self.client.put_profile_object(DomainName=self.domain, ObjectTypeName="Order",
                                       Object=json.dumps(obj))

    def profile(self, email):
        return self.search_one(self.domain, "_email", email)[0]["ProfileId"]

    def define(self, name, statistic, expression="{Order.total}", attrs=("total",), **kw):
        return self.client.create_calculated_attribute_definition(
            DomainName=self.domain, CalculatedAttributeName=name, Statistic=statistic,
            AttributeDetails={"Attributes": [{"Name": a} for a in attrs],
                              "Expression": expression}, **kw)

    def value(self, name, profile):
        return self.client.get_calculated_attribute_for_profile(
            DomainName=self.domain, ProfileId=profile, CalculatedAttributeName=name).get("Value")

    def test_every_statistic_kept_through_put_overwrite_and_delete(self):
        for s in STATISTICS:
            self.define(s.lower(), s)
        self.define("channel", "MAX_OCCURRENCE", "{Order.channel}", ("channel",))
        self.put("o1", "ann@example.com", 10, channel="web")
        self.put("o2", "ann@example.com", 25.5, channel="shop")
        self.put("o3", "ann@example.com", 4, channel="web")
        ann = self.profile("ann@example.com")
        got = {s: self.value(s.lower(), ann) for s in STATISTICS}
        self.assertEqual(got, {"COUNT": "3", "SUM": "39.5", "AVERAGE": "13.16666667",
                               "MINIMUM": "4", "MAXIMUM": "25.5", "FIRST_OCCURRENCE": "10",
                               "LAST_OCCURRENCE": "4", "MAX_OCCURRENCE": "10"})
        self.assertEqual(self.value("channel", ann), "web")
        self.put("o2", "ann@example.com", 1, channel="web")  # overwrite the maximum
        self.assertEqual(self.value("maximum", ann), "10")
        self.assertEqual(self.value("sum", ann), "15")
        self.client.delete_profile_object(DomainName=self.domain, ObjectTypeName="Order",
                                          ProfileId=ann, ProfileObjectUniqueKey="o1")
        # o2 was ingested again after o3: its time is its last ingestion.
        self.assertEqual(self.value("first_occurrence", ann), "4")
        self.assertEqual(self.value("last_occurrence", ann), "1")
        self.assertEqual(self.value("count", ann), "2")
        item = self.client.get_calculated_attribute_for_profile(
            DomainName=self.domain, ProfileId=ann, CalculatedAttributeName="sum")
        self.assertEqual(item["IsDataPartial"], "false")
        self.assertIn("LastObjectTimestamp", item)

    def test_use_historical_data_and_readiness(self):
        self.put("o1", "ann@example.com", 10)
        new_only = self.define("new_only", "SUM")
        history = self.define("history", "SUM", UseHistoricalData=True)
        self.assertEqual(history["Status"], "COMPLETED")
        self.assertEqual(history["Readiness"]["ProgressPercentage"], 100)
        self.assertFalse(new_only["UseHistoricalData"])
        ann = self.profile("ann@example.com")
        self.assertIsNone(self.value("new_only", ann))
        self.assertEqual(self.value("history", ann), "10")
        self.put("o2", "ann@example.com", 5)
        self.assertEqual(self.value("new_only", ann), "5")
        self.assertEqual(self.value("history", ann), "15")

    def test_expression_of_two_fields_and_its_limit(self):
        self.define("spend", "SUM", "{Order.total} * {Order.qty}", ("total", "qty"))
        self.put("o1", "ann@example.com", 2.5, qty=4)
        self.put("o2", "ann@example.com", 1, qty=3)
        self.assertEqual(self.value("spend", self.profile("ann@example.com")), "13")
        # API reference: "at most, two fields from that ObjectType".
        for expression, attrs in [("{Order.total} + {Order.qty} + {Order.total}", ("total", "qty")),
                                  ("{Order.total} * 2", ("total",)),
                                  ("{Order.total}", ("total", "qty", "channel"))]:
            self.assertClientError(self.define, "BadRequestException", 400, "AttributeDetails",
                                   "bad", "SUM", expression, attrs)

    def test_threshold_object_count_and_filter(self):
        self.define("big_spender", "SUM", Conditions={
            "Threshold": {"Value": "100", "Operator": "GREATER_THAN"}})
        self.define("last_two", "SUM", Conditions={"ObjectCount": 2})
        self.define("web_only", "COUNT", Filter={
            "Include": "ALL", "Groups": [{"Type": "ANY", "Dimensions": [
                {"Attributes": {"channel": {"DimensionType": "INCLUSIVE", "Values": ["web"]}}},
                {"Attributes": {"total": {"DimensionType": "GREATER_THAN", "Values": ["50"]}}}]}]})
        self.put("o1", "ann@example.com", 60, channel="shop")
        self.put("o2", "ann@example.com", 30, channel="web")
        self.put("o3", "ann@example.com", 5, channel="shop")
        ann = self.profile("ann@example.com")
        self.assertIsNone(self.value("big_spender", ann))  # 95 is not greater than 100
        self.assertEqual(self.value("last_two", ann), "35")
        self.assertEqual(self.value("web_only", ann), "2")
        self.put("o4", "ann@example.com", 10, channel="web")
        self.assertEqual(self.value("big_spender", ann), "105")
        self.assertEqual(self.value("web_only", ann), "3")
        self.assertClientError(self.define, "BadRequestException", 400, "ObjectCount",
                               "too_many", "SUM", Conditions={"ObjectCount": 101})

    def test_range_with_timestamp_source_and_overrides(self):
        self.define("recent", "SUM", Conditions={"Range": {
            "Value": 7, "Unit": "DAYS", "TimestampSource": "{Order.meta.at}",
            "TimestampFormat": "ISO_8601"}})
        self.define("window", "SUM", Conditions={"Range": {
            "ValueRange": {"Start": 40, "End": 20}, "Unit": "DAYS",
            "TimestampSource": "{Order.meta.at}"}})
        self.put("o1", "ann@example.com", 1, at=iso_days_ago(1))
        self.put("o2", "ann@example.com", 10, at=iso_days_ago(30))
        self.put("o3", "ann@example.com", 100, at=iso_days_ago(60))
        ann = self.profile("ann@example.com")
        self.assertEqual(self.value("recent", ann), "1")
        self.assertEqual(self.value("window", ann), "10")
        resp = self.client.batch_get_calculated_attribute_for_profile(
            DomainName=self.domain, CalculatedAttributeName="recent", ProfileIds=[ann],
            ConditionOverrides={"Range": {"Start": 90, "Unit": "DAYS"}})
        self.assertEqual(resp["CalculatedAttributeValues"][0]["Value"], "111")
        self.assertEqual(resp["ConditionOverrides"]["Range"]["Start"], 90)
        self.assertClientError(self.define, "BadRequestException", 400, "TimestampSource",
                               "other_type", "SUM", Conditions={"Range": {
                                   "Value": 1, "Unit": "DAYS", "TimestampSource": "{Nope.at}"}})

    def test_merge_and_delete_profile(self):
        self.define("sum", "SUM")
        self.define("count", "COUNT")
        self.put("o1", "ann@example.com", 10)
        self.put("o2", "bob@example.com", 3)
        ann, bob = self.profile("ann@example.com"), self.profile("bob@example.com")
        self.client.merge_profiles(DomainName=self.domain, MainProfileId=ann,
                                   ProfileIdsToBeMerged=[bob])
        self.assertEqual(self.value("sum", ann), "13")
        items = self.client.list_calculated_attributes_for_profile(
            DomainName=self.domain, ProfileId=ann)["Items"]
        self.assertEqual([(i["CalculatedAttributeName"], i.get("Value")) for i in items],
                         [("count", "2"), ("sum", "13")])
        self.client.delete_profile(DomainName=self.domain, ProfileId=ann)
        self.assertClientError(self.client.get_calculated_attribute_for_profile,
                               "ResourceNotFoundException", 404, DomainName=self.domain,
                               ProfileId=ann, CalculatedAttributeName="sum")

    def test_update_applies_new_conditions(self):
        self.define("sum", "SUM")
        for i, total in enumerate([1, 2, 4]):
            self.put(f"o{i}", "ann@example.com", total)
        ann = self.profile("ann@example.com")
        self.assertEqual(self.value("sum", ann), "7")
        self.client.update_calculated_attribute_definition(
            DomainName=self.domain, CalculatedAttributeName="sum",
            Conditions={"ObjectCount": 1})
        self.assertEqual(self.value("sum", ann), "4")


if __name__ == "__main__":
    unittest.main()
