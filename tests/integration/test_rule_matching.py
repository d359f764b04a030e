"""Rule-based matching through boto3 on the real server (each store): a domain with
RuleBasedMatching, profiles created, updated and deleted, ListRuleBasedMatches and
GetSimilarProfiles (by MatchId, ProfileId and search key, paged with boto3's paginators),
enabling on a domain with profiles, automatic merging with ingested objects, and the errors."""

import json
import unittest

from harness import ServerTestCase

RULES = {
    "Enabled": True,
    "MatchingRules": [{"Rule": ["EmailAddress"]}, {"Rule": ["FirstName", "LastName"]}],
    "MaxAllowedRuleLevelForMatching": 2,
    "AttributeTypesSelector": {"AttributeMatchingModel": "MANY_TO_MANY",
                               "EmailAddress": ["EmailAddress", "BusinessEmailAddress"]},
}


class RuleMatchingTest(ServerTestCase):
    def match_ids(self, domain):
        pages = self.client.get_paginator("list_rule_based_matches").paginate(
            DomainName=domain, PaginationConfig={"PageSize": 1})
        return sorted(m for page in pages for m in page.get("MatchIds", []))

    def similar(self, domain, key, value, **kwargs):
        return self.client.get_similar_profiles(
            DomainName=domain, MatchType="RULE_BASED_MATCHING", SearchKey=key, SearchValue=value,
            **kwargs)

    def test_matches_follow_profile_writes(self):
        domain = self.create_domain(RuleBasedMatching=RULES)
        got = self.client.get_domain(DomainName=domain)["RuleBasedMatching"]
        self.assertEqual(got["Status"], "ACTIVE")
        self.assertEqual(got["MatchingRules"], RULES["MatchingRules"])
        a = self.create_profile(domain, FirstName="Ann", EmailAddress="Ann@Example.com")
        b = self.create_profile(domain, FirstName="Bea", BusinessEmailAddress="ann@example.com")
        c = self.create_profile(domain, FirstName="Cy", LastName="Ray")
        ids = self.match_ids(domain)
        self.assertEqual(len(ids), 1)
        resp = self.similar(domain, "MatchId", ids[0])
        self.assertEqual(sorted(resp["ProfileIds"]), sorted([a, b]))
        self.assertEqual(resp["RuleLevel"], 1)
        self.assertEqual(resp["MatchType"], "RULE_BASED_MATCHING")
        self.assertEqual(resp["MatchId"], ids[0])
        self.assertEqual(sorted(self.similar(domain, "_profileId", b)["ProfileIds"]),
                         sorted([a, b]))
        self.assertEqual(sorted(self.similar(domain, "_email", "Ann@Example.com")["ProfileIds"]),
                         sorted([a, b]))
        self.assertEqual(self.similar(domain, "_profileId", c)["ProfileIds"], [])
        # A level-2 pair appears as c's namesake is created; paging with the boto3 paginator.
        d = self.create_profile(domain, FirstName="CY", LastName="ray ")
        self.assertEqual(len(self.match_ids(domain)), 2)
        pages = self.client.get_paginator("get_similar_profiles").paginate(
            DomainName=domain, MatchType="RULE_BASED_MATCHING", SearchKey="_profileId",
            SearchValue=d, PaginationConfig={"PageSize": 1})
        self.assertEqual(sorted(p for page in pages for p in page["ProfileIds"]), sorted([c, d]))
        # An update and a deletion dissolve both groups.
        self.client.update_profile(DomainName=domain, ProfileId=b,
                                   BusinessEmailAddress="bea@example.com")
        self.client.delete_profile(DomainName=domain, ProfileId=d)
        self.assertEqual(self.match_ids(domain), [])
        self.assertClientError(self.similar, "ResourceNotFoundException", 404, None,
                               domain, "MatchId", ids[0])

    def test_enabling_on_a_domain_with_profiles_and_errors(self):
        domain = self.create_domain()
        a = self.create_profile(domain, LastName="Lee", AccountNumber="9")
        b = self.create_profile(domain, LastName="LEE", AccountNumber="9")
        self.assertClientError(self.client.list_rule_based_matches, "BadRequestException", 400,
                               None, DomainName=domain)
        resp = self.client.update_domain(DomainName=domain, RuleBasedMatching={
            "Enabled": True, "MatchingRules": [{"Rule": ["AccountNumber"]}]})
        self.assertEqual(resp["RuleBasedMatching"]["Status"], "ACTIVE")
        self.assertEqual(sorted(self.similar(domain, "_profileId", a)["ProfileIds"]),
                         sorted([a, b]))
        self.assertClientError(self.client.update_domain, "BadRequestException", 400,
                               "ShoeSize", DomainName=domain, RuleBasedMatching={
                                   "Enabled": True, "MatchingRules": [{"Rule": ["ShoeSize"]}]})
        self.assertClientError(self.client.get_similar_profiles, "BadRequestException", 400,
                               None, DomainName=domain, MatchType="ML_BASED_MATCHING",
                               SearchKey="_profileId", SearchValue=a)
        self.assertClientError(self.similar, "ResourceNotFoundException", 404, None,
                               domain, "_profileId", "0123456789abcdef0123456789abcdef")

    def test_automatic_merge_keeps_manual_fields(self):
        rules = {"Enabled": True, "MatchingRules": [{"Rule": ["EmailAddress"]}],
                 "MaxAllowedRuleLevelForMerging": 1,
                 "ConflictResolution": {"ConflictResolvingModel": "RECENCY"}}
        domain = self.create_domain(RuleBasedMatching=rules)
        self.client.put_profile_object_type(
            DomainName=domain, ObjectTypeName="crm", Description="crm", AllowProfileCreation=True,
            Fields={"id": {"Source": "_source.id", "Target": "_profile.AccountNumber"},
                    "email": {"Source": "_source.email", "Target": "_profile.EmailAddress"},
                    "first": {"Source": "_source.first", "Target": "_profile.FirstName"},
                    "city": {"Source": "_source.city", "Target": "_profile.Address.City"}},
            Keys={"id": [{"StandardIdentifiers": ["PROFILE", "UNIQUE"], "FieldNames": ["id"]}]})
        main = self.create_profile(domain, FirstName="John", EmailAddress="j@example.com")
        self.client.put_profile_object(DomainName=domain, ObjectTypeName="crm", Object=json.dumps(
            {"id": "c-1", "email": "J@example.com", "first": "Peter", "city": "Oslo"}))
        profiles = self.client.search_profiles(DomainName=domain, KeyName="_email",
                                               Values=["J@example.com"])["Items"]
        self.assertEqual([p["ProfileId"] for p in profiles], [main])
        self.assertEqual(profiles[0]["FirstName"], "John")
        self.assertEqual(profiles[0]["AccountNumber"], "c-1")
        self.assertEqual(profiles[0]["Address"]["City"], "Oslo")
        objects = self.client.list_profile_objects(DomainName=domain, ObjectTypeName="crm",
                                                   ProfileId=main)["Items"]
        self.assertEqual(len(objects), 1)
        stats = self.client.get_domain(DomainName=domain)["Stats"]
        self.assertEqual((stats["ProfileCount"], stats["ObjectCount"]), (1, 1))
        self.assertEqual(self.match_ids(domain), [])


if __name__ == "__main__":
    unittest.main()
