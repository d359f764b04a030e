"""Object types and profile objects through boto3 and the unmodified AWS CLI: the issue's
scenario (orders of two customers resolved by email) and each resolution rule."""

import json
import unittest

from harness import ServerTestCase, unique_name

ORDER_FIELDS = {
    "OrderId": {"Source": "_source.OrderId", "ContentType": "STRING"},
    "email": {"Source": "_source.email", "Target": "_profile.EmailAddress",
              "ContentType": "EMAIL_ADDRESS"},
    "phone": {"Source": "_source.phone", "Target": "_profile.PhoneNumber",
              "ContentType": "PHONE_NUMBER"},
    "first": {"Source": "_source.customer.first", "Target": "_profile.FirstName"},
    "city": {"Source": "_source.customer.city", "Target": "_profile.Address.City"},
    "loyalty": {"Source": "_source.loyalty"},
    "total": {"Source": "_source.total", "ContentType": "NUMBER"},
}
ORDER_KEYS = {
    "OrderId": [{"StandardIdentifiers": ["UNIQUE"], "FieldNames": ["OrderId"]}],
    "_email": [{"StandardIdentifiers": ["PROFILE"], "FieldNames": ["email"]}],
    "_phone": [{"StandardIdentifiers": ["PROFILE", "SECONDARY"], "FieldNames": ["phone"]}],
    "loyaltyId": [{"StandardIdentifiers": ["PROFILE", "LOOKUP_ONLY"], "FieldNames": ["loyalty"]}],
}


class ObjectsTest(ServerTestCase):
    def setUp(self):
        self.domain = self.create_domain()
        self.client.put_profile_object_type(
            DomainName=self.domain, ObjectTypeName="Order", Description="orders",
            AllowProfileCreation=True, Fields=ORDER_FIELDS, Keys=ORDER_KEYS)

    def put(self, obj, type_name="Order"):
        return self.client.put_profile_object(DomainName=self.domain, ObjectTypeName=type_name,
                                              Object=json.dumps(obj))["ProfileObjectUniqueKey"]

    def objects(self, profile_id, type_name="Order", **kwargs):
        resp = self.client.list_profile_objects(DomainName=self.domain, ObjectTypeName=type_name,
                                                ProfileId=profile_id, **kwargs)
        return [i["ProfileObjectUniqueKey"] for i in resp["Items"]]

    def only_profile(self, key, value):
        items = self.search_one(self.domain, key, value)
        self.assertEqual(len(items), 1, f"{key}={value}: {items}")
        return items[0]

    def aws_ok(self, *args):
        r = self.server.aws(*args)
        self.assertTrue(r.ok, f"aws {' '.join(args)} failed: {r}")
        return r.json

    def test_done_scenario_with_the_cli(self):
        d = unique_name("cli")
        self.aws_ok("create-domain", "--domain-name", d, "--default-expiration-days", "30")
        self.aws_ok("put-profile-object-type", "--domain-name", d, "--object-type-name", "Order",
                    "--description", "orders", "--allow-profile-creation",
                    "--fields", json.dumps(ORDER_FIELDS), "--keys", json.dumps(ORDER_KEYS))
        orders = [("o-1", "ann@example.com"), ("o-2", "bob@example.com"),
                  ("o-3", "ann@example.com")]
        for order_id, email in orders:
            out = self.aws_ok("put-profile-object", "--domain-name", d, "--object-type-name",
                              "Order", "--object",
                              json.dumps({"OrderId": order_id, "email": email, "total": 5}))
            self.assertEqual(out["ProfileObjectUniqueKey"], order_id)
        found = {}
        for email in ("ann@example.com", "bob@example.com"):
            items = self.aws_ok("search-profiles", "--domain-name", d, "--key-name", "_email",
                                "--values", email)["Items"]
            self.assertEqual(len(items), 1, items)
            self.assertEqual(items[0]["EmailAddress"], email)
            listed = self.aws_ok("list-profile-objects", "--domain-name", d,
                                 "--object-type-name", "Order",
                                 "--profile-id", items[0]["ProfileId"])["Items"]
            found[email] = sorted(i["ProfileObjectUniqueKey"] for i in listed)
        self.assertEqual(found, {"ann@example.com": ["o-1", "o-3"], "bob@example.com": ["o-2"]})
        stats = self.aws_ok("get-domain", "--domain-name", d)["Stats"]
        self.assertEqual(stats["ProfileCount"], 2)

    def test_two_orders_with_the_same_email_attach_to_one_profile(self):
        self.put({"OrderId": "a1", "email": "same@example.com", "customer": {"first": "Ann"}})
        self.put({"OrderId": "a2", "email": "same@example.com"})
        profile = self.only_profile("_email", "same@example.com")
        self.assertEqual(profile["FirstName"], "Ann")
        self.assertEqual(sorted(self.objects(profile["ProfileId"])), ["a1", "a2"])
        # Re-putting the same UNIQUE value replaces the object.
        self.put({"OrderId": "a2", "email": "same@example.com", "total": 99})
        resp = self.client.list_profile_objects(DomainName=self.domain, ObjectTypeName="Order",
                                                ProfileId=profile["ProfileId"],
                                                ObjectFilter={"KeyName": "OrderId",
                                                              "Values": ["a2"]})
        self.assertEqual(len(resp["Items"]), 1)
        self.assertEqual(json.loads(resp["Items"][0]["Object"])["total"], 99)
        history = self.client.list_profile_history_records(DomainName=self.domain,
                                                           ProfileId=profile["ProfileId"])
        ingested = [r for r in history["ProfileHistoryRecords"] if r["ActionType"] == "INGESTED"]
        self.assertEqual(len(ingested), 3)
        self.assertTrue(all(r["ObjectTypeName"] == "Order" for r in ingested))

    def test_ambiguous_key_falls_through_to_the_next(self):
        self.create_profile(self.domain, EmailAddress="shared@example.com", FirstName="A")
        self.create_profile(self.domain, EmailAddress="shared@example.com", FirstName="B")
        target = self.create_profile(self.domain, PhoneNumber="+15550100")
        self.put({"OrderId": "amb", "email": "shared@example.com", "phone": "+15550100"})
        self.assertEqual(self.objects(target), ["amb"])

    def test_lookup_only_values_are_not_searchable(self):
        self.put({"OrderId": "l1", "email": "loyal@example.com", "loyalty": "LOYAL-1"})
        self.assertEqual(self.search_one(self.domain, "loyaltyId", "LOYAL-1"), [])
        self.only_profile("_email", "loyal@example.com")
        self.only_profile("OrderId", "l1")

    def test_manual_first_name_survives_ingestion(self):
        pid = self.create_profile(self.domain, EmailAddress="manual@example.com",
                                  FirstName="Manual")
        self.put({"OrderId": "m1", "email": "manual@example.com",
                  "customer": {"first": "Ingested", "city": "Oslo"}})
        profile = self.only_profile("_email", "manual@example.com")
        self.assertEqual(profile["ProfileId"], pid)
        self.assertEqual(profile["FirstName"], "Manual")
        self.assertEqual(profile["Address"]["City"], "Oslo")

    def test_no_match_without_profile_creation_is_rejected(self):
        self.client.put_profile_object_type(
            DomainName=self.domain, ObjectTypeName="Strict", Description="strict",
            AllowProfileCreation=False, Fields=ORDER_FIELDS, Keys=ORDER_KEYS)
        self.assertClientError(self.put, "BadRequestException", 400, "AllowProfileCreation",
                               {"OrderId": "s1", "email": "nobody@example.com"}, "Strict")
        self.assertEqual(self.search_one(self.domain, "_email", "nobody@example.com"), [])
        self.assertClientError(self.put, "BadRequestException", 400, "OrderId",
                               {"email": "x@example.com"})
        self.assertClientError(self.client.put_profile_object, "BadRequestException", 400, None,
                               DomainName=self.domain, ObjectTypeName="Order", Object="not json")

    def test_object_type_rules_and_lifecycle(self):
        bad_keys = {"OrderId": [{"StandardIdentifiers": ["PROFILE"], "FieldNames": ["OrderId"]}]}
        self.assertClientError(self.client.put_profile_object_type, "BadRequestException", 400,
                               "UNIQUE", DomainName=self.domain, ObjectTypeName="NoUnique",
                               Description="x", Fields=ORDER_FIELDS, Keys=bad_keys)
        missing = {"Id": [{"StandardIdentifiers": ["UNIQUE"], "FieldNames": ["nope"]}]}
        self.assertClientError(self.client.put_profile_object_type, "BadRequestException", 400,
                               "nope", DomainName=self.domain, ObjectTypeName="Missing",
                               Description="x", Fields=ORDER_FIELDS, Keys=missing)
        self.assertClientError(self.client.put_profile_object_type, "BadRequestException", 400,
                               None, DomainName=self.domain, ObjectTypeName="_reserved",
                               Description="x", Fields=ORDER_FIELDS, Keys=ORDER_KEYS)
        self.assertClientError(self.client.put_profile_object_type, "BadRequestException", 400,
                               None, DomainName=self.domain, ObjectTypeName="Tpl",
                               Description="x", TemplateId="Shopify-orders", Keys=ORDER_KEYS)
        created = self.client.put_profile_object_type(
            DomainName=self.domain, ObjectTypeName="Tpl", Description="from template",
            TemplateId="Shopify-orders", Tags={"team": "shop"})
        self.assertIn("_shopifyOrderId", created["Keys"])
        got = self.client.get_profile_object_type(DomainName=self.domain, ObjectTypeName="Tpl")
        self.assertEqual(got["Tags"], {"team": "shop"})
        self.assertEqual(got["TemplateId"], "Shopify-orders")
        names = []
        token = None
        while True:
            kwargs = {"NextToken": token} if token else {}
            page = self.client.list_profile_object_types(DomainName=self.domain, MaxResults=1,
                                                         **kwargs)
            names += [i["ObjectTypeName"] for i in page["Items"]]
            token = page.get("NextToken")
            if not token:
                break
        self.assertEqual(names, ["Order", "Tpl"])
        self.put({"id": 1001, "email": "shop@example.com", "customer": {"id": 7}}, "Tpl")
        pid = self.only_profile("_email", "shop@example.com")["ProfileId"]
        self.assertEqual(self.objects(pid, "Tpl"), ["1001"])
        self.client.delete_profile_object_type(DomainName=self.domain, ObjectTypeName="Tpl")
        self.assertClientError(self.client.get_profile_object_type,
                               "ResourceNotFoundException", 404, None,
                               DomainName=self.domain, ObjectTypeName="Tpl")

    def test_templates_detection_and_attributes(self):
        templates = self.client.list_profile_object_type_templates()["Items"]
        ids = {t["TemplateId"] for t in templates}
        for expected in ("Salesforce-Account", "Salesforce-Contact", "Zendesk-users",
                         "ServiceNow-sys_user", "Marketo-leads", "Shopify-customers",
                         "Shopify-orders"):
            self.assertIn(expected, ids)
        t = self.client.get_profile_object_type_template(TemplateId="Zendesk-users")
        self.assertEqual(t["SourceName"], "Zendesk")
        self.assertIn("_zendeskUserId", t["Keys"])
        detected = self.client.detect_profile_object_type(
            DomainName=self.domain,
            Objects=[json.dumps({"orderId": "1", "email": "d@example.com", "amount": 3}),
                     json.dumps({"orderId": "2", "email": "e@example.com", "amount": 5})])
        mapping = detected["DetectedProfileObjectTypes"][0]
        self.assertEqual(mapping["Fields"]["email"]["ContentType"], "EMAIL_ADDRESS")
        self.assertIn("orderId", mapping["Keys"])
        for i, total in enumerate([10, 20, 30]):
            self.put({"OrderId": f"t{i}", "email": "stats@example.com", "total": total})
        stats = self.client.get_object_type_attribute_statistics(
            DomainName=self.domain, ObjectTypeName="Order", AttributeName="total")["Statistics"]
        self.assertEqual((stats["Minimum"], stats["Maximum"], stats["Average"]), (10, 30, 20))
        values = self.client.list_object_type_attribute_values(
            DomainName=self.domain, ObjectTypeName="Order", AttributeName="total")["Items"]
        self.assertEqual(sorted(v["Value"] for v in values), ["10", "20", "30"])
        attrs = self.client.list_object_type_attributes(DomainName=self.domain,
                                                        ObjectTypeName="Order")["Items"]
        self.assertIn("total", [a["AttributeName"] for a in attrs])

    def test_delete_profile_object(self):
        self.put({"OrderId": "del1", "email": "del@example.com"})
        pid = self.only_profile("_email", "del@example.com")["ProfileId"]
        self.client.delete_profile_object(DomainName=self.domain, ObjectTypeName="Order",
                                          ProfileId=pid, ProfileObjectUniqueKey="del1")
        self.assertEqual(self.objects(pid), [])
        self.assertClientError(self.client.delete_profile_object, "ResourceNotFoundException",
                               404, None, DomainName=self.domain, ObjectTypeName="Order",
                               ProfileId=pid, ProfileObjectUniqueKey="del1")


if __name__ == "__main__":
    unittest.main()
