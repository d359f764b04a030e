"""Calculated attribute values of a profile, from objects stored before the definitions
(UseHistoricalData), through boto3; test_calculated_attributes.py covers the rest."""

import json
import unittest

from harness import ServerTestCase

FIELDS = {
    "OrderId": {"Source": "_source.OrderId"},
    "email": {"Source": "_source.email", "Target": "_profile.EmailAddress"},
    "total": {"Source": "_source.total", "ContentType": "NUMBER"},
    "shipping": {"Source": "_source.shipping", "ContentType": "NUMBER"},
    "channel": {"Source": "_source.channel"},
}
KEYS = {
    "OrderId": [{"StandardIdentifiers": ["UNIQUE"], "FieldNames": ["OrderId"]}],
    "_email": [{"StandardIdentifiers": ["PROFILE"], "FieldNames": ["email"]}],
}


class CalculatedAttributeValueTest(ServerTestCase):
    def setUp(self):
        self.domain = self.create_domain()
        self.client.put_profile_object_type(DomainName=self.domain, ObjectTypeName="Order",
                                            Description="orders", AllowProfileCreation=True,
                                            Fields=FIELDS, Keys=KEYS)
        orders = [("o1", 10, 1, "web"), ("o2", 25.5, 2, "shop"), ("o3", 4, 0, "web")]
        for oid, total, shipping, channel in orders:
            self.client.put_profile_object(
                DomainName=self.domain, ObjectTypeName="Order",
                Object=json.dumps({"OrderId": oid, "email": "ann@example.com", "total": total,
                                   "shipping": shipping, "channel": channel}))
        self.profile = self.search_one(self.domain, "_email", "ann@example.com")[0]["ProfileId"]
        self.other = self.create_profile(self.domain, FirstName="Bob")

    def define(self, name, statistic, expression="{Order.total}", attrs=("total",), **kw):
        # The orders were put before the definitions: they count with UseHistoricalData only.
        kw.setdefault("UseHistoricalData", True)
        self.client.create_calculated_attribute_definition(
            DomainName=self.domain, CalculatedAttributeName=name, Statistic=statistic,
            AttributeDetails={"Attributes": [{"Name": a} for a in attrs],
                              "Expression": expression}, **kw)

    def value(self, name, profile=None):
        return self.client.get_calculated_attribute_for_profile(
            DomainName=self.domain, ProfileId=profile or self.profile,
            CalculatedAttributeName=name).get("Value")

    def test_statistics(self):
        expected = {"SUM": "39.5", "COUNT": "3", "MINIMUM": "4", "MAXIMUM": "25.5",
                    "AVERAGE": "13.16666667", "FIRST_OCCURRENCE": "10", "LAST_OCCURRENCE": "4"}
        for statistic, want in expected.items():
            self.define(statistic.lower(), statistic)
            self.assertEqual(self.value(statistic.lower()), want, statistic)
        self.define("channel", "MAX_OCCURRENCE", "{Order.channel}", ("channel",))
        self.assertEqual(self.value("channel"), "web")
        self.define("with_shipping", "SUM", "{Order.total} + {Order.shipping}",
                    ("total", "shipping"))
        self.assertEqual(self.value("with_shipping"), "42.5")
        self.define("last_two", "SUM", Conditions={"ObjectCount": 2})
        self.assertEqual(self.value("last_two"), "29.5")
        # A profile without objects: COUNT is 0, other statistics have no value.
        self.assertEqual(self.value("count", self.other), "0")
        self.assertIsNone(self.value("sum", self.other))

    def test_list_and_batch_get(self):
        self.define("a_sum", "SUM", DisplayName="Spend")
        self.define("b_count", "COUNT")
        items = self.client.list_calculated_attributes_for_profile(
            DomainName=self.domain, ProfileId=self.profile)["Items"]
        self.assertEqual([(i["CalculatedAttributeName"], i["Value"]) for i in items],
                         [("a_sum", "39.5"), ("b_count", "3")])
        self.assertEqual(items[0]["DisplayName"], "Spend")
        page = self.client.list_calculated_attributes_for_profile(
            DomainName=self.domain, ProfileId=self.profile, MaxResults=1)
        self.assertEqual(len(page["Items"]), 1)
        self.assertIn("NextToken", page)
        missing = "0" * 32
        resp = self.client.batch_get_calculated_attribute_for_profile(
            DomainName=self.domain, CalculatedAttributeName="a_sum",
            ProfileIds=[self.profile, self.other, missing])
        values = {v["ProfileId"]: v.get("Value") for v in resp["CalculatedAttributeValues"]}
        self.assertEqual(values, {self.profile: "39.5", self.other: None})
        self.assertEqual([e["ProfileId"] for e in resp["Errors"]], [missing])

    def test_not_found(self):
        self.assertClientError(self.client.get_calculated_attribute_for_profile,
                               "ResourceNotFoundException", 404, DomainName=self.domain,
                               ProfileId=self.profile, CalculatedAttributeName="nope")
        self.define("s", "SUM")
        self.assertClientError(self.client.get_calculated_attribute_for_profile,
                               "ResourceNotFoundException", 404, DomainName=self.domain,
                               ProfileId="f" * 32, CalculatedAttributeName="s")


if __name__ == "__main__":
    unittest.main()
