"""GetDomain's MeteringProfileCount and DeleteProfileObjectType's scrub, through boto3.

Sources: the model's documentation of DomainStats.MeteringProfileCount ("If you have more than
100 objects associated with a single profile, that profile counts as two profiles. If you have
more than 200 objects, that profile counts as three, and so on.") and of
DeleteProfileObjectType ("it scrubs all of the fields of the standard profile that were
populated from this ProfileObjectType"). Rules: docs/objects.md.
"""

import json
import unittest

from harness import ServerTestCase

FIELDS = {
    "Id": {"Source": "_source.Id"},
    "email": {"Source": "_source.email", "Target": "_profile.EmailAddress"},
    "first": {"Source": "_source.first", "Target": "_profile.FirstName"},
    "city": {"Source": "_source.city", "Target": "_profile.Address.City"},
}
KEYS = {
    "Id": [{"StandardIdentifiers": ["UNIQUE"], "FieldNames": ["Id"]}],
    "_email": [{"StandardIdentifiers": ["PROFILE"], "FieldNames": ["email"]}],
}


class MeteringTest(ServerTestCase):
    def setUp(self):
        self.domain = self.create_domain()
        self.client.put_profile_object_type(
            DomainName=self.domain, ObjectTypeName="Order", Description="orders",
            AllowProfileCreation=True, Fields=FIELDS, Keys=KEYS)

    def put(self, **obj):
        self.client.put_profile_object(DomainName=self.domain, ObjectTypeName="Order",
                                       Object=json.dumps(obj))

    def stats(self):
        s = self.client.get_domain(DomainName=self.domain)["Stats"]
        return s["ProfileCount"], s["MeteringProfileCount"], s["ObjectCount"]

    def profile(self, email):
        items = self.search_one(self.domain, "_email", email)
        self.assertEqual(len(items), 1, items)
        return items[0]

    def test_a_profile_with_more_than_100_objects_counts_as_two(self):
        for i in range(100):
            self.put(Id=f"o{i}", email="a@x.com")
        self.assertEqual(self.stats(), (1, 1, 100))
        self.put(Id="o100", email="a@x.com")
        self.assertEqual(self.stats(), (1, 2, 101))
        pid = self.profile("a@x.com")["ProfileId"]
        self.client.delete_profile_object(DomainName=self.domain, ObjectTypeName="Order",
                                          ProfileId=pid, ProfileObjectUniqueKey="o3")
        self.assertEqual(self.stats(), (1, 1, 100))

    def test_deleting_the_type_scrubs_the_fields_it_populated(self):
        self.put(Id="o1", email="b@x.com", first="Bo", city="Oslo")
        pid = self.profile("b@x.com")["ProfileId"]
        self.client.update_profile(DomainName=self.domain, ProfileId=pid, LastName="Byhand")
        self.client.delete_profile_object_type(DomainName=self.domain, ObjectTypeName="Order")
        got = self.client.batch_get_profile(DomainName=self.domain, ProfileIds=[pid])["Profiles"]
        self.assertEqual(len(got), 1)
        profile = got[0]
        self.assertEqual(profile.get("LastName"), "Byhand")
        for gone in ("FirstName", "EmailAddress", "Address"):
            self.assertNotIn(gone, profile)
        self.assertEqual(self.stats(), (1, 1, 0))


if __name__ == "__main__":
    unittest.main()
