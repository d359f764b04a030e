"""Read-modify-write races through three `profiled` processes on one PostgreSQL database.

Every concurrent call goes to one of three processes, so only the database can serialize them
(issue 11: before the store took key locks in every Write, 23-29 of 48 concurrent tags survived,
and DeleteDomain racing CreateProfile left profiles that came back when the domain was created
again). Each test counts exactly what survived:
- 48 TagResource calls (one key each) on one domain ARN keep 48 tags; 24 UntagResource calls then
  leave exactly 24;
- DeleteDomain racing 40 CreateProfile calls, then CreateDomain of the same name: no profile comes
  back and Stats.ProfileCount is 0, round after round;
- PutProfileObjectType of one name from many threads, each with its own tag: every tag survives;
  distinct names all exist;
- AddProfileKey on one profile: every value finds the profile;
- calculated attributes, event triggers, integrations and layouts created while the domain is
  deleted: none survives into the domain created again under the same name;
- PutProfileObject of objects sharing one new PROFILE key: exactly one profile is created.

PostgreSQL only (tests/CMakeLists.txt registers it for postgres alone; run by hand with
PROFILED_TEST_STORE=sqlite it skips): the embedded store has one writer, which serializes
everything, and belongs to one process.
"""

import json
import threading
import time
import unittest

from harness import REGION, ClientError, ServerProcess, ServerTestCase, domain_arn, unique_name
from helpers import ClientFactory, pages

N_SERVERS = 3
JOIN_TIMEOUT = 180

ORDER_FIELDS = {
    "OrderId": {"Source": "_source.OrderId"},
    "email": {"Source": "_source.email", "Target": "_profile.EmailAddress"},
    "total": {"Source": "_source.total", "ContentType": "NUMBER"},
}
ORDER_KEYS = {
    "OrderId": [{"StandardIdentifiers": ["UNIQUE"], "FieldNames": ["OrderId"]}],
    "_email": [{"StandardIdentifiers": ["PROFILE"], "FieldNames": ["email"]}],
}
CONDITIONS = [{"EventTriggerDimensions": [{"ObjectAttributes": [
    {"Source": "{{total}}", "ComparisonOperator": "GREATER_THAN", "Values": ["100"]}]}],
    "LogicalOperator": "ANY"}]
DETAILS = {"Attributes": [{"Name": "total"}], "Expression": "{Order.total}"}
LAYOUT = json.dumps({"sections": [{"title": "Orders"}]})


class PgRacesTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if cls.store.kind != "postgres":
            super().tearDownClass()
            raise unittest.SkipTest("several processes on one database need PostgreSQL")
        cls.factory = ClientFactory()
        cls.others = []
        try:
            for _ in range(N_SERVERS - 1):
                cls.others.append(ServerProcess(cls.store).start())
        except Exception:
            cls.tearDownClass()
            raise
        cls.servers = [cls.server] + cls.others

    @classmethod
    def tearDownClass(cls):
        for other in getattr(cls, "others", []):
            if other.alive():
                other.stop()
        super().tearDownClass()

    def tearDown(self):
        for i, s in enumerate(self.servers):
            self.assertTrue(s.alive(), f"server {i} (port {s.port}) is no longer running")
        super().tearDown()

    def together(self, calls):
        """Runs every call(client) in calls from its own thread, all released at once, call i
        through server i % 3. Returns {i: result} and {i: exception}."""
        clients = [self.factory.client(self.servers[i % N_SERVERS]) for i in range(len(calls))]
        barrier = threading.Barrier(len(calls))
        results, errors = {}, {}

        def work(i):
            try:
                barrier.wait(60)
                results[i] = calls[i](clients[i])
            except Exception as e:  # the test decides what is expected
                errors[i] = e

        threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(len(calls))]
        for t in threads:
            t.start()
        deadline = time.monotonic() + JOIN_TIMEOUT
        for t in threads:
            t.join(max(0.0, deadline - time.monotonic()))
        self.assertFalse(any(t.is_alive() for t in threads), "calls still running")
        return results, errors

    def assertNoErrors(self, errors, what):
        self.assertEqual({i: repr(e) for i, e in errors.items()}, {}, what)

    def tags(self, arn, server=0):
        return self.factory.client(self.servers[server]).list_tags_for_resource(
            resourceArn=arn)["tags"]

    def code(self, e):
        return e.response["Error"]["Code"] if isinstance(e, ClientError) else repr(e)

    # Tags --------------------------------------------------------------------------------------

    def test_concurrent_tag_and_untag_keep_every_change(self):
        domain = self.create_domain(unique_name("race-tag"))
        arn = domain_arn(domain)
        n = 48
        _, errors = self.together([
            (lambda c, i=i: c.tag_resource(resourceArn=arn, tags={f"k{i:02d}": f"v{i}"}))
            for i in range(n)])
        self.assertNoErrors(errors, "TagResource")
        for s in range(N_SERVERS):
            got = sorted(self.tags(arn, s))
            self.assertEqual(got, [f"k{i:02d}" for i in range(n)],
                             f"{len(got)} of {n} tags survived (seen through server {s})")
        _, errors = self.together([
            (lambda c, i=i: c.untag_resource(resourceArn=arn, tagKeys=[f"k{i:02d}"]))
            for i in range(0, n, 2)])
        self.assertNoErrors(errors, "UntagResource")
        got = sorted(self.tags(arn))
        self.assertEqual(got, [f"k{i:02d}" for i in range(1, n, 2)],
                         f"{len(got)} tags remain after untagging {n // 2} of {n}")

    # DeleteDomain against writes into the domain -------------------------------------------

    def test_deleted_domain_brings_no_profile_back(self):
        name = unique_name("race-del")
        rounds, creates = 8, 40
        returned, counted = [], []
        for r in range(rounds):
            self.client.create_domain(DomainName=name, DefaultExpirationDays=30)

            def create(c, i):
                time.sleep((i % 10) * 0.002)  # spread the creates around the delete
                return c.create_profile(DomainName=name, AccountNumber=f"r{r}-{i}")["ProfileId"]

            def delete(c):
                time.sleep(0.01)
                return c.delete_domain(DomainName=name)

            calls = [(lambda c, i=i: create(c, i)) for i in range(creates)] + [delete]
            results, errors = self.together(calls)
            self.assertNotIn(creates, errors, "DeleteDomain failed")
            for i, e in errors.items():
                self.assertEqual(self.code(e), "ResourceNotFoundException", f"create {i}: {e!r}")
            acknowledged = [results[i] for i in range(creates) if i in results]
            self.client.create_domain(DomainName=name, DefaultExpirationDays=30)
            for s in range(N_SERVERS):
                client = self.factory.client(self.servers[s])
                for pid in acknowledged:
                    items = client.search_profiles(DomainName=name, KeyName="_profileId",
                                                   Values=[pid])["Items"]
                    if items:
                        returned.append((r, s, pid))
                stats = client.get_domain(DomainName=name)["Stats"]
                if stats["ProfileCount"] != 0:
                    counted.append((r, s, stats["ProfileCount"]))
            self.client.delete_domain(DomainName=name)
        self.assertEqual(returned, [], f"{len({p for _, _, p in returned})} deleted profiles came "
                         f"back in the new domain over {rounds} rounds")
        self.assertEqual(counted, [], "Stats.ProfileCount of the new domain (round, server, count)")

    def test_deleted_domain_brings_no_resource_back(self):
        name = unique_name("race-res")
        rounds, per_kind = 4, 6
        survivors = []
        for r in range(rounds):
            self.client.create_domain(DomainName=name, DefaultExpirationDays=30)
            self.client.put_profile_object_type(DomainName=name, ObjectTypeName="Order",
                                                Description="orders", Fields=ORDER_FIELDS,
                                                Keys=ORDER_KEYS)
            calls = []
            for i in range(per_kind):
                calls.append(lambda c, i=i: c.create_calculated_attribute_definition(
                    DomainName=name, CalculatedAttributeName=f"ca{i}", AttributeDetails=DETAILS,
                    Statistic="SUM", Tags={"t": "ca"}))
                calls.append(lambda c, i=i: c.create_event_trigger(
                    DomainName=name, EventTriggerName=f"et{i}", ObjectTypeName="Order",
                    EventTriggerConditions=CONDITIONS, Tags={"t": "et"}))
                calls.append(lambda c, i=i: c.put_integration(
                    DomainName=name, Uri=f"s3://bucket/r{r}/{i}", ObjectTypeName="Order",
                    Tags={"t": "in"}))
                calls.append(lambda c, i=i: c.create_domain_layout(
                    DomainName=name, LayoutDefinitionName=f"l{i}", Description="d",
                    DisplayName="L", LayoutType="PROFILE_EXPLORER", Layout=LAYOUT,
                    Tags={"t": "la"}))
                calls.append(lambda c, i=i: c.put_profile_object_type(
                    DomainName=name, ObjectTypeName=f"T{i}", Description="t",
                    Fields=ORDER_FIELDS, Keys=ORDER_KEYS, Tags={"t": "ot"}))

            def delete(c):
                time.sleep(0.01)
                return c.delete_domain(DomainName=name)

            results, errors = self.together(calls + [delete])
            self.assertNotIn(len(calls), errors, "DeleteDomain failed")
            for i, e in errors.items():
                self.assertIn(self.code(e), ("ResourceNotFoundException", "BadRequestException"),
                              f"call {i}: {e!r}")
            self.client.create_domain(DomainName=name, DefaultExpirationDays=30)
            c = self.client
            found = {
                "calculated": c.list_calculated_attribute_definitions(DomainName=name)["Items"],
                "triggers": c.list_event_triggers(DomainName=name)["Items"],
                "integrations": c.list_integrations(DomainName=name)["Items"],
                "layouts": c.list_domain_layouts(DomainName=name)["Items"],
                "object types": c.list_profile_object_types(DomainName=name)["Items"],
            }
            for kind, items in found.items():
                if items:
                    survivors.append((r, kind, len(items)))
            for collection, n in (("calculated-attributes", "ca0"), ("event-triggers", "et0"),
                                  ("layouts", "l0"), ("object-types", "T0")):
                arn = f"{domain_arn(name)}/{collection}/{n}"
                try:
                    if self.tags(arn):
                        survivors.append((r, "tags of " + collection, 1))
                except ClientError as e:
                    self.assertEqual(self.code(e), "ResourceNotFoundException")
            self.client.delete_domain(DomainName=name)
        self.assertEqual(survivors, [], "resources came back in the new domain")

    # Object types, keys, object resolution -------------------------------------------------

    def test_object_types_keep_every_tag_and_every_name(self):
        domain = self.create_domain(unique_name("race-ot"))
        n = 24
        _, errors = self.together([
            (lambda c, i=i: c.put_profile_object_type(
                DomainName=domain, ObjectTypeName="Shared", Description=f"writer {i}",
                Fields=ORDER_FIELDS, Keys=ORDER_KEYS, Tags={f"w{i:02d}": "x"}))
            for i in range(n)] + [
            (lambda c, i=i: c.put_profile_object_type(
                DomainName=domain, ObjectTypeName=f"Own{i:02d}", Description="own",
                Fields=ORDER_FIELDS, Keys=ORDER_KEYS))
            for i in range(n)])
        self.assertNoErrors(errors, "PutProfileObjectType")
        arn = f"{domain_arn(domain)}/object-types/Shared"
        self.assertEqual(sorted(self.tags(arn)), [f"w{i:02d}" for i in range(n)])
        names = []
        for page in pages(self.client.list_profile_object_types, 100, DomainName=domain):
            names += [i["ObjectTypeName"] for i in page["Items"]]
        self.assertEqual(sorted(names), sorted(["Shared"] + [f"Own{i:02d}" for i in range(n)]))

    def test_add_profile_key_on_one_profile_keeps_every_key(self):
        domain = self.create_domain(unique_name("race-key"))
        pid = self.create_profile(domain, FirstName="Keys")
        n = 40
        _, errors = self.together([
            (lambda c, i=i: c.add_profile_key(DomainName=domain, ProfileId=pid,
                                              KeyName="ticket", Values=[f"T-{i}"]))
            for i in range(n)])
        self.assertNoErrors(errors, "AddProfileKey")
        lost = []
        for i in range(n):
            items = self.search_one(domain, "ticket", f"T-{i}")
            if [p["ProfileId"] for p in items] != [pid]:
                lost.append(i)
        self.assertEqual(lost, [], "key values that no longer find the profile")

    def test_objects_with_one_new_profile_key_create_one_profile(self):
        domain = self.create_domain(unique_name("race-obj"))
        self.client.put_profile_object_type(DomainName=domain, ObjectTypeName="Order",
                                            Description="orders", AllowProfileCreation=True,
                                            Fields=ORDER_FIELDS, Keys=ORDER_KEYS)
        rounds, n = 4, 16
        for r in range(rounds):
            email = f"race{r}@example.com"
            _, errors = self.together([
                (lambda c, i=i: c.put_profile_object(
                    DomainName=domain, ObjectTypeName="Order",
                    Object=json.dumps({"OrderId": f"o{r}-{i}", "email": email, "total": i})))
                for i in range(n)])
            self.assertNoErrors(errors, "PutProfileObject")
            items = self.search_one(domain, "_email", email)
            self.assertEqual(len(items), 1, f"round {r}: {len(items)} profiles for {email}")
            objects = self.client.list_profile_objects(
                DomainName=domain, ObjectTypeName="Order", ProfileId=items[0]["ProfileId"],
                MaxResults=100)["Items"]
            self.assertEqual(len(objects), n, f"round {r}")
        stats = self.client.get_domain(DomainName=domain)["Stats"]
        self.assertEqual(stats["ProfileCount"], rounds)


if __name__ == "__main__":
    unittest.main()
