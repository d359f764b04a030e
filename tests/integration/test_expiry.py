"""Data expiry with a scaled clock (`profiled serve --time-scale 4320`: a day lasts twenty real
seconds), driven by boto3 (docs/expiry.md):
- an object of a type with ExpirationDays goes after those days; the domain's statistics and a
  calculated attribute over the type follow, and the profile's history gets an EXPIRED record;
- a profile that is not updated for DefaultExpirationDays goes, with its objects;
- with an event stream (kinesalite), DeleteProfileObject, an expiry and the
  MaxProfileObjectCount limit each send a DELETED record for the object, in the profile's order.
"""

import json
import os
import time
import unittest

from aws_servers import Kinesalite, NodeServerTestCase
from harness import ServerTestCase, unique_name

SCALE = "4320"  # a day is 20 s: margins of half a day (10 s) on a loaded machine
WAIT = 60.0


def put(client, domain, type_name, object_id, email, amount=1):
    client.put_profile_object(
        DomainName=domain, ObjectTypeName=type_name,
        Object=json.dumps({"Id": object_id, "email": email, "amount": str(amount)}))


def put_types(client, domain, click_extra=None, visit_extra=None):
    for name, extra in (("Click", click_extra or {"ExpirationDays": 1}),
                        ("Visit", visit_extra or {})):
        client.put_profile_object_type(
            DomainName=domain, ObjectTypeName=name, Description=name, AllowProfileCreation=True,
            Fields={"Id": {"Source": "_source.Id"}, "email": {"Source": "_source.email"},
                    "amount": {"Source": "_source.amount"}},
            Keys={"Id": [{"StandardIdentifiers": ["UNIQUE"], "FieldNames": ["Id"]}],
                  "_email": [{"StandardIdentifiers": ["PROFILE"], "FieldNames": ["email"]}]},
            **extra)


class ExpiryTest(ServerTestCase):
    server_args = ("--time-scale", SCALE)

    def wait_until(self, what, check, timeout=WAIT):
        deadline = time.monotonic() + timeout
        while True:
            got = check()
            if got:
                return got
            if time.monotonic() > deadline:
                self.fail(f"{what}: still not so after {timeout} s")
            time.sleep(0.2)

    def stats(self, domain):
        s = self.client.get_domain(DomainName=domain)["Stats"]
        return s["ProfileCount"], s["ObjectCount"], s["TotalSize"]

    def clicks(self, domain, pid):
        items = self.client.list_profile_objects(DomainName=domain, ObjectTypeName="Click",
                                                 ProfileId=pid)["Items"]
        return [i["ProfileObjectUniqueKey"] for i in items]

    def click_sum(self, domain, pid):
        got = self.client.get_calculated_attribute_for_profile(
            DomainName=domain, ProfileId=pid, CalculatedAttributeName="clicked")
        return float(got["Value"])

    def history(self, domain, pid):
        records = self.client.list_profile_history_records(DomainName=domain,
                                                           ProfileId=pid)["ProfileHistoryRecords"]
        return [(r["ActionType"], r["ObjectTypeName"], r.get("ProfileObjectUniqueKey"),
                 r.get("PerformedBy")) for r in records]

    def test_objects_and_profiles_expire(self):
        domain = self.create_domain(days=2)  # 40 s
        put_types(self.client, domain)
        self.client.create_calculated_attribute_definition(
            DomainName=domain, CalculatedAttributeName="clicked", Statistic="SUM",
            AttributeDetails={"Attributes": [{"Name": "amount"}], "Expression": "{Click.amount}"})
        start = time.monotonic()
        put(self.client, domain, "Visit", "v1", "p@x.com")
        put(self.client, domain, "Click", "c1", "p@x.com", 5)
        pid = self.search_one(domain, "_email", "p@x.com")[0]["ProfileId"]
        lonely = self.create_profile(domain, FirstName="Lonely")
        time.sleep(max(0.0, 10 - (time.monotonic() - start)))  # half a day later
        put(self.client, domain, "Click", "c2", "p@x.com", 7)
        # An update after the Clicks: the profile now expires with the domain's days.
        self.client.update_profile(DomainName=domain, ProfileId=pid, FirstName="Ada")
        self.assertEqual(sorted(self.clicks(domain, pid)), ["c1", "c2"])
        self.assertEqual(self.click_sum(domain, pid), 12)
        profiles, objects, size = self.stats(domain)
        self.assertEqual((profiles, objects), (2, 3))

        # c1 goes a day after it came (c2 half a day later): stats and the sum follow.
        self.wait_until("c1 swept", lambda: self.stats(domain)[1] == 2)
        self.assertEqual(self.clicks(domain, pid), ["c2"])
        self.assertEqual(self.click_sum(domain, pid), 7)
        self.assertLess(self.stats(domain)[2], size)
        self.assertIn(("EXPIRED", "Click", "c1", "profile.amazonaws.com"),
                      self.history(domain, pid))

        # The profile nobody updated goes two days after its creation, the other one later.
        self.wait_until("the lonely profile swept", lambda: self.stats(domain)[0] == 1)
        got = self.client.batch_get_profile(DomainName=domain, ProfileIds=[lonely])
        self.assertEqual(got["Profiles"], [])
        self.assertEqual(got["Errors"][0]["ProfileId"], lonely)
        self.assertEqual(self.history(domain, lonely)[-1][:2], ("EXPIRED", "_profile"))
        self.assertEqual(self.search_one(domain, "_email", "p@x.com")[0]["ProfileId"], pid)

        self.wait_until("everything swept", lambda: self.stats(domain) == (0, 0, 0))
        self.assertEqual(self.client.search_profiles(DomainName=domain, KeyName="_email",
                                                     Values=["p@x.com"])["Items"], [])
        self.assertEqual(self.history(domain, pid)[-1][:2], ("EXPIRED", "_profile"))


class ObjectRemovalEventsTest(NodeServerTestCase):
    node_server = Kinesalite
    node_attr = "kinesis"
    endpoint_flag = "--kinesis-endpoint"
    credentials = ("AKIDPROFILEDEVENTS", "events-secret")

    @classmethod
    def setUpClass(cls):
        os.environ["PROFILED_TIME_SCALE"] = SCALE
        try:
            super().setUpClass()
        finally:
            os.environ.pop("PROFILED_TIME_SCALE", None)

    def test_object_removals_send_deleted_records(self):
        domain = self.create_domain(days=30)
        stream = unique_name("s", 60)
        arn = self.kinesis.create_stream(stream)
        self.client.create_event_stream(DomainName=domain, EventStreamName="es", Uri=arn)
        put_types(self.client, domain, visit_extra={"MaxProfileObjectCount": 1})
        put(self.client, domain, "Visit", "v1", "e@x.com", 3)
        pid = self.search_one(domain, "_email", "e@x.com")[0]["ProfileId"]
        put(self.client, domain, "Visit", "v2", "e@x.com")  # over the limit: v1 goes
        put(self.client, domain, "Click", "c1", "e@x.com")  # expires a day (20 s) later
        put(self.client, domain, "Click", "c2", "e@x.com")
        self.client.update_profile(DomainName=domain, ProfileId=pid, FirstName="Ada")
        self.client.delete_profile_object(DomainName=domain, ObjectTypeName="Click",
                                          ProfileId=pid, ProfileObjectUniqueKey="c2")
        records = self.kinesis.wait_for_records(self, stream, 9, WAIT)
        mine = [e for key, e in records if key == pid]
        self.assertEqual(
            [(e["ObjectTypeName"], e["EventType"], e.get("ProfileObjectUniqueKey")) for e in mine],
            [("_profile", "CREATED", None), ("Visit", "CREATED", "v1"),
             ("Visit", "CREATED", "v2"), ("Visit", "DELETED", "v1"),
             ("Click", "CREATED", "c1"), ("Click", "CREATED", "c2"),
             ("_profile", "UPDATED", None), ("Click", "DELETED", "c2"),
             ("Click", "DELETED", "c1")])
        trimmed = mine[3]
        self.assertEqual(trimmed["Object"], {"Id": "v1", "email": "e@x.com", "amount": "3"})
        self.assertEqual(trimmed["AssociatedProfileId"], pid)
        self.assertEqual(trimmed["DomainName"], domain)


if __name__ == "__main__":
    unittest.main()
