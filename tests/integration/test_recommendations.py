"""Recommenders that train, through boto3 (and the AWS CLI) against the real binary, on every
store: click events ingested with PutProfileObject train a recommender in the background
(PENDING -> IN_PROGRESS -> ACTIVE, with TrainingMetrics), GetProfileRecommendations puts the
planted taste first, a recommender filter removes items, bad input gets AWS-style errors, and the
model survives a restart. docs/recommendations.md describes the models."""

import json
import time
import unittest

from harness import ServerTestCase

FIELDS = {
    "EventId": {"Source": "_source.EventId"},
    "email": {"Source": "_source.email", "Target": "_profile.EmailAddress"},
}
KEYS = {
    "EventId": [{"StandardIdentifiers": ["UNIQUE"], "FieldNames": ["EventId"]}],
    "_email": [{"StandardIdentifiers": ["PROFILE"], "FieldNames": ["email"]}],
}
T0 = 1764300000


class RecommendationsTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.domain = "recs"
        cls.client.create_domain(DomainName=cls.domain, DefaultExpirationDays=30)
        cls.client.put_profile_object_type(
            DomainName=cls.domain, ObjectTypeName="WebEvent", Description="click stream",
            AllowProfileCreation=True, Fields=FIELDS, Keys=KEYS)
        cls.events = 0
        # Two tastes: 6 profiles like garden items a0..a4, 12 like kitchen items b0..b4 (the
        # popular ones); each misses one item of its group. me@x.com has seen a0, a1, a2.
        for p in range(18):
            garden = p < 6
            for i in range(5):
                if (p + i) % 5 == 4:
                    continue
                item = {"Id": f"{'a' if garden else 'b'}{i}",
                        "Category": "garden" if garden else "kitchen",
                        "Price": "5" if garden else "50"}
                cls.click(f"u{p}@x.com", item, T0 + p * 100 + (p + i) % 5)
        for i in range(3):
            cls.click("me@x.com", {"Id": f"a{i}"}, T0 + 5000 + i)
        found = cls.client.search_profiles(DomainName=cls.domain, KeyName="_email",
                                           Values=["me@x.com"])["Items"]
        cls.me = found[0]["ProfileId"]

    @classmethod
    def click(cls, email, item, when, event_type="click"):
        cls.events += 1
        obj = {"EventId": f"e{cls.events}", "email": email, "EventType": event_type,
               "EventTimestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(when)),
               "Item": item}
        cls.client.put_profile_object(DomainName=cls.domain, ObjectTypeName="WebEvent",
                                      Object=json.dumps(obj))

    def wait_active(self, name, timeout=60):
        deadline = time.time() + timeout
        seen = []
        while True:
            got = self.client.get_recommender(DomainName=self.domain, RecommenderName=name)
            if not seen or seen[-1] != got["Status"]:
                seen.append(got["Status"])
            if got["Status"] in ("ACTIVE", "FAILED"):
                return got, seen
            self.assertLess(time.time(), deadline, f"recommender still {got['Status']}")
            time.sleep(0.2)

    def recommend(self, name, **kwargs):
        out = self.client.get_profile_recommendations(
            DomainName=self.domain, ProfileId=self.me, RecommenderName=name, **kwargs)
        return [r["CatalogItem"]["Id"] for r in out["Recommendations"]], out["Recommendations"]

    def test_planted_taste_filters_errors_and_restart(self):
        self.client.create_recommender(DomainName=self.domain, RecommenderName="foryou",
                                       RecommenderRecipeName="recommended-for-you")
        got, seen = self.wait_active("foryou")
        self.assertEqual(got["Status"], "ACTIVE", got.get("FailureReason"))
        self.assertIn(seen[0], ("PENDING", "IN_PROGRESS", "ACTIVE"))
        self.assertEqual(seen, [s for s in ("PENDING", "IN_PROGRESS", "ACTIVE") if s in seen])
        metrics = got["TrainingMetrics"][0]["Metrics"]
        for name in ("precision_at_5", "precision_at_10", "recall", "hit", "coverage"):
            self.assertGreaterEqual(metrics[name], 0.0, name)
            self.assertLessEqual(metrics[name], 1.0, name)
        self.assertGreater(metrics["recall"], 0.5)

        # The planted taste first, though kitchen items are more popular; nothing already seen.
        ids, recs = self.recommend("foryou", MaxResults=5,
                                   MetadataConfig={"MetadataColumns": ["Category"]})
        self.assertEqual(set(ids[:2]), {"a3", "a4"}, ids)
        self.assertFalse({"a0", "a1", "a2"} & set(ids), ids)
        self.assertEqual(recs[0]["Score"], 1.0)
        self.assertEqual(recs[0]["CatalogItem"]["Category"], "garden")

        # A filter removes the garden items.
        self.client.create_recommender_filter(
            DomainName=self.domain, RecommenderFilterName="no-cat",
            RecommenderFilterExpression="EXCLUDE ItemID WHERE Items.Category IN ($CAT)")
        ids, _ = self.recommend("foryou", RecommenderFilters=[
            {"Name": "no-cat", "Values": {"CAT": '"garden"'}}])
        self.assertEqual(sorted(ids), ["b0", "b1", "b2", "b3", "b4"])

        # Errors, each as AWS answers them.
        self.assertClientError(self.client.create_recommender_filter, "BadRequestException", 400,
                               "RecommenderFilterExpression", DomainName=self.domain,
                               RecommenderFilterName="bad",
                               RecommenderFilterExpression="EXCLUDE WHERE")
        self.assertClientError(self.client.get_profile_recommendations, "BadRequestException",
                               400, "$CAT", DomainName=self.domain, ProfileId=self.me,
                               RecommenderName="foryou",
                               RecommenderFilters=[{"Name": "no-cat"}])
        self.assertClientError(self.client.get_profile_recommendations,
                               "ResourceNotFoundException", 404, "nope", DomainName=self.domain,
                               ProfileId=self.me, RecommenderName="nope")
        self.assertClientError(self.client.get_profile_recommendations,
                               "ResourceNotFoundException", 404, "0" * 32,
                               DomainName=self.domain, ProfileId="0" * 32,
                               RecommenderName="foryou")
        self.assertClientError(self.loose_client.get_profile_recommendations,
                               "BadRequestException", 400, "MaxResults", DomainName=self.domain,
                               ProfileId=self.me, RecommenderName="foryou", MaxResults=501)
        self.assertClientError(self.loose_client.get_profile_recommendations,
                               "BadRequestException", 400, "ProfileId", DomainName=self.domain,
                               ProfileId="not-an-id", RecommenderName="foryou")

        # Stopped, it does not recommend.
        self.client.stop_recommender(DomainName=self.domain, RecommenderName="foryou")
        self.assertClientError(self.client.get_profile_recommendations, "BadRequestException",
                               400, "INACTIVE", DomainName=self.domain, ProfileId=self.me,
                               RecommenderName="foryou")
        self.client.start_recommender(DomainName=self.domain, RecommenderName="foryou")
        self.wait_active("foryou")

        # The model is in the store: after a restart it serves the same answer.
        before, _ = self.recommend("foryou")
        self.restart_server()
        after, _ = self.recommend("foryou")
        self.assertEqual(after, before)
        r = self.server.aws("get-profile-recommendations", "--domain-name", self.domain,
                            "--profile-id", self.me, "--recommender-name", "foryou",
                            "--max-results", "2")
        self.assertTrue(r.ok, r)
        self.assertEqual([x["CatalogItem"]["Id"] for x in r.json["Recommendations"]],
                         before[:2])

    def test_popular_items_and_a_recommender_without_events(self):
        self.client.create_recommender(DomainName=self.domain, RecommenderName="popular",
                                       RecommenderRecipeName="popular-items")
        got, _ = self.wait_active("popular")
        self.assertEqual(got["Status"], "ACTIVE")
        ids, _ = self.recommend("popular", MaxResults=1)
        self.assertRegex(ids[0], "^b[0-4]$")  # the kitchen items, which tie

        self.client.create_recommender(
            DomainName=self.domain, RecommenderName="purchases",
            RecommenderRecipeName="popular-items",
            RecommenderConfig={"EventsConfig": {"EventParametersList": [
                {"EventType": "purchase", "EventWeight": 1.0}]}})
        got, _ = self.wait_active("purchases")
        self.assertEqual(got["Status"], "FAILED")
        self.assertIn("EventParametersList", got["FailureReason"])


if __name__ == "__main__":
    unittest.main()
