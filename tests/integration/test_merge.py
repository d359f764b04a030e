"""MergeProfiles through boto3 and the unmodified AWS CLI: three customers with their own emails and
orders merged into one, field choices, history, domain statistics, and refused merges."""

import json
import threading
import unittest

from harness import ClientError, ServerTestCase, unique_name

ORDER_FIELDS = {
    "OrderId": {"Source": "_source.OrderId", "ContentType": "STRING"},
    "email": {"Source": "_source.email", "ContentType": "EMAIL_ADDRESS"},
}
ORDER_KEYS = {
    "OrderId": [{"StandardIdentifiers": ["UNIQUE"], "FieldNames": ["OrderId"]}],
    "_email": [{"StandardIdentifiers": ["PROFILE"], "FieldNames": ["email"]}],
}
UNKNOWN = "0123456789abcdef0123456789abcdef"


class MergeTest(ServerTestCase):
    def setUp(self):
        self.domain = self.create_domain()
        self.client.put_profile_object_type(
            DomainName=self.domain, ObjectTypeName="Order", Description="orders",
            AllowProfileCreation=False, Fields=ORDER_FIELDS, Keys=ORDER_KEYS)
        self.main = self.create_profile(self.domain, FirstName="Ann", LastName="Cole",
                                        EmailAddress="ann@example.com")
        self.dup1 = self.create_profile(self.domain, FirstName="Anne",
                                        EmailAddress="anne@example.com",
                                        Attributes={"tier": "gold"})
        self.dup2 = self.create_profile(self.domain, FirstName="Annie",
                                        EmailAddress="annie@example.com", PhoneNumber="+15550100")
        self.orders = {"o-1": "ann@example.com", "o-2": "anne@example.com",
                       "o-3": "anne@example.com", "o-4": "annie@example.com"}
        for order_id, email in self.orders.items():
            self.client.put_profile_object(
                DomainName=self.domain, ObjectTypeName="Order",
                Object=json.dumps({"OrderId": order_id, "email": email}))

    def ids_for(self, key, value):
        return [i["ProfileId"] for i in self.search_one(self.domain, key, value)]

    def objects(self, profile_id):
        resp = self.client.list_profile_objects(DomainName=self.domain, ObjectTypeName="Order",
                                                ProfileId=profile_id)
        return sorted(i["ProfileObjectUniqueKey"] for i in resp["Items"])

    def profile_count(self):
        return self.client.get_domain(DomainName=self.domain)["Stats"]["ProfileCount"]

    def test_merge_two_into_main(self):
        self.assertEqual(self.objects(self.dup1), ["o-2", "o-3"])
        before = self.profile_count()
        resp = self.client.merge_profiles(
            DomainName=self.domain, MainProfileId=self.main,
            ProfileIdsToBeMerged=[self.dup1, self.dup2],
            FieldSourceProfileIds={"FirstName": self.dup2, "Attributes": {"tier": self.dup1}})
        self.assertIsInstance(resp.get("Message"), str)

        # The merged profiles are gone.
        for gone in (self.dup1, self.dup2):
            self.assertEqual(self.ids_for("_profileId", gone), [])
        batch = self.client.batch_get_profile(DomainName=self.domain,
                                              ProfileIds=[self.dup1, self.dup2])
        self.assertEqual(batch["Profiles"], [])
        self.assertEqual(sorted(e["ProfileId"] for e in batch["Errors"]),
                         sorted([self.dup1, self.dup2]))
        self.assertEqual(self.profile_count(), before - 2)

        # Every old email finds the main profile, which holds every order.
        for email in ("ann@example.com", "anne@example.com", "annie@example.com"):
            self.assertEqual(self.ids_for("_email", email), [self.main], email)
        self.assertEqual(self.objects(self.main), sorted(self.orders))

        # Fields: FirstName from dup2 as chosen; the rest the main's, or unioned when it lacked them.
        profile = self.client.batch_get_profile(DomainName=self.domain,
                                                ProfileIds=[self.main])["Profiles"][0]
        self.assertEqual(profile["FirstName"], "Annie")
        self.assertEqual(profile["LastName"], "Cole")
        self.assertEqual(profile["EmailAddress"], "ann@example.com")
        self.assertEqual(profile["PhoneNumber"], "+15550100")
        self.assertEqual(profile["Attributes"], {"tier": "gold"})

        # History: MERGED on the main profile, DELETED_BY_MERGE on the merged ones.
        def actions(pid):
            records = self.client.list_profile_history_records(
                DomainName=self.domain, ProfileId=pid)["ProfileHistoryRecords"]
            return [r["ActionType"] for r in records]
        self.assertEqual(actions(self.main)[-1], "MERGED")
        self.assertEqual(actions(self.dup1)[-1], "DELETED_BY_MERGE")
        self.assertEqual(actions(self.dup2)[-1], "DELETED_BY_MERGE")

        # A new order from a merged customer lands on the main profile.
        self.client.put_profile_object(
            DomainName=self.domain, ObjectTypeName="Order",
            Object=json.dumps({"OrderId": "o-5", "email": "annie@example.com"}))
        self.assertIn("o-5", self.objects(self.main))

    def test_refused_merges_change_nothing(self):
        before = self.profile_count()
        self.assertClientError(
            self.client.merge_profiles, "ResourceNotFoundException", 404, UNKNOWN,
            DomainName=self.domain, MainProfileId=self.main,
            ProfileIdsToBeMerged=[self.dup1, UNKNOWN])
        self.assertClientError(
            self.client.merge_profiles, "BadRequestException", 400, self.dup1,
            DomainName=self.domain, MainProfileId=self.main,
            ProfileIdsToBeMerged=[self.dup1, self.dup1])
        self.assertClientError(
            self.client.merge_profiles, "BadRequestException", 400, self.main,
            DomainName=self.domain, MainProfileId=self.main, ProfileIdsToBeMerged=[self.main])
        self.assertClientError(
            self.client.merge_profiles, "BadRequestException", 400, self.dup2,
            DomainName=self.domain, MainProfileId=self.main, ProfileIdsToBeMerged=[self.dup1],
            FieldSourceProfileIds={"FirstName": self.dup2})
        # The model's limits: 1 to 20 ids, each 32 lowercase hex.
        self.assertClientError(
            self.client.merge_profiles, "BadRequestException", 400, None,
            DomainName=self.domain, MainProfileId=self.main,
            ProfileIdsToBeMerged=[f"{i:032x}" for i in range(1, 22)])
        self.assertClientError(
            self.loose_client.merge_profiles, "BadRequestException", 400, None,
            DomainName=self.domain, MainProfileId=self.main, ProfileIdsToBeMerged=[])
        self.assertClientError(
            self.client.merge_profiles, "ResourceNotFoundException", 404, None,
            DomainName=unique_name("nodom"), MainProfileId=self.main,
            ProfileIdsToBeMerged=[self.dup1])
        self.assertEqual(self.profile_count(), before)
        self.assertEqual(self.objects(self.dup1), ["o-2", "o-3"])
        self.assertEqual(self.ids_for("_email", "anne@example.com"), [self.dup1])

    def test_merge_with_the_cli(self):
        out = self.server.aws("merge-profiles", "--domain-name", self.domain,
                              "--main-profile-id", self.main,
                              "--profile-ids-to-be-merged", self.dup1,
                              "--field-source-profile-ids",
                              json.dumps({"FirstName": self.dup1}))
        self.assertTrue(out.ok, f"aws merge-profiles failed: {out}")
        self.assertIn("Message", out.json)
        profile = self.client.batch_get_profile(DomainName=self.domain,
                                                ProfileIds=[self.main])["Profiles"][0]
        self.assertEqual(profile["FirstName"], "Anne")
        self.assertEqual(self.objects(self.main), ["o-1", "o-2", "o-3"])

    def test_concurrent_overlapping_merges(self):
        """Merges racing over shared profiles: each succeeds whole or is refused whole (404 for a
        profile another merge deleted), never a 5xx, and no object or profile is lost or left
        behind on a deleted profile."""
        d = self.create_domain()
        self.client.put_profile_object_type(
            DomainName=d, ObjectTypeName="Order", Description="orders",
            AllowProfileCreation=False, Fields=ORDER_FIELDS, Keys=ORDER_KEYS)
        ids = []
        for i in range(8):
            ids.append(self.create_profile(d, EmailAddress=f"p{i}@example.com"))
            for j in range(3):
                self.client.put_profile_object(
                    DomainName=d, ObjectTypeName="Order",
                    Object=json.dumps({"OrderId": f"o-{i}-{j}", "email": f"p{i}@example.com"}))
        plans = [(0, [1, 2]), (2, [3]), (3, [0]), (4, [5, 1]), (6, [7]), (7, [4]), (5, [6]),
                 (1, [4, 6])]
        outcomes = [None] * len(plans)
        client = self.server.client()
        start = threading.Barrier(len(plans))

        def run(k, main, merged):
            start.wait()
            try:
                client.merge_profiles(DomainName=d, MainProfileId=ids[main],
                                      ProfileIdsToBeMerged=[ids[m] for m in merged])
                outcomes[k] = "ok"
            except ClientError as e:
                outcomes[k] = (e.response["Error"]["Code"],
                               e.response["ResponseMetadata"]["HTTPStatusCode"])

        threads = [threading.Thread(target=run, args=(k, m, ms)) for k, (m, ms) in enumerate(plans)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        for outcome in outcomes:
            self.assertIn(outcome, ("ok", ("ResourceNotFoundException", 404)), outcomes)
        self.assertIn("ok", outcomes)

        batch = self.client.batch_get_profile(DomainName=d, ProfileIds=ids)
        alive = [p["ProfileId"] for p in batch["Profiles"]]
        removed = sum(len(plans[k][1]) for k, o in enumerate(outcomes) if o == "ok")
        self.assertEqual(len(alive), 8 - removed, outcomes)
        self.assertEqual(self.client.get_domain(DomainName=d)["Stats"]["ProfileCount"], len(alive))
        listed = []
        for pid in alive:
            resp = self.client.list_profile_objects(DomainName=d, ObjectTypeName="Order",
                                                    ProfileId=pid)
            listed += [i["ProfileObjectUniqueKey"] for i in resp["Items"]]
        self.assertEqual(sorted(listed), sorted(f"o-{i}-{j}" for i in range(8) for j in range(3)))
        # Every customer's email still finds exactly one live profile.
        for i in range(8):
            found = [it["ProfileId"] for it in self.client.search_profiles(
                DomainName=d, KeyName="_email", Values=[f"p{i}@example.com"])["Items"]]
            self.assertEqual(len(found), 1, f"p{i}: {found}")
            self.assertIn(found[0], alive)


class GetMatchesTest(ServerTestCase):
    """Before its first identity-resolution job completes, an enabled domain has no matches yet
    (test_ml_matching.py runs jobs)."""

    def test_enabled_domain_has_no_matches_yet(self):
        d = self.create_domain(Matching={"Enabled": True})
        for _ in range(2):
            self.create_profile(d, FirstName="Ann", EmailAddress="ann@example.com")
        resp = self.client.get_matches(DomainName=d, MaxResults=10)
        self.assertEqual(resp["Matches"], [])
        self.assertEqual(resp["PotentialMatches"], 0)
        self.assertNotIn("MatchGenerationDate", resp)
        self.assertNotIn("NextToken", resp)

    def test_disabled_matching_is_bad_request(self):
        d = self.create_domain()
        self.assertClientError(self.client.get_matches, "BadRequestException", 400, d,
                               DomainName=d)
        self.client.update_domain(DomainName=d, Matching={"Enabled": True})
        self.assertEqual(self.client.get_matches(DomainName=d)["Matches"], [])
        self.assertClientError(self.client.get_matches, "ResourceNotFoundException", 404, None,
                               DomainName=unique_name("nodom"))


if __name__ == "__main__":
    unittest.main()
