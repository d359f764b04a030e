"""Profiles through boto3 and the AWS CLI: CreateProfile, UpdateProfile (the patch rules),
DeleteProfile, BatchGetProfile, SearchProfiles (standard and custom keys, AND/OR, FoundByItems,
paging), AddProfileKey/DeleteProfileKey, history records, domain stats, attribute values and
concurrent updates."""

import copy
import datetime
import json
import re
import unittest
import uuid

from harness import ClientError, ServerTestCase, unique_name, unique_value
from helpers import pages, run_together

HEX32 = re.compile(r"^[0-9a-f]{32}$")


def full_profile(tag):
    """Every member of the Profile shape that a caller can set, with values unique to `tag`."""
    def addr(kind):
        return {"Address1": f"1 {kind} St", "Address2": "Flat 2", "Address3": "Building 3",
                "Address4": "Wing 4", "City": f"{kind}ville", "County": "Middlesex",
                "State": "WA", "Province": "Ontario", "Country": "UK", "PostalCode": "N1 9GU"}
    return {
        "AccountNumber": f"acct-{tag}",
        "AdditionalInformation": "Wrote the first published algorithm.",
        "PartyType": "INDIVIDUAL",
        "BusinessName": "Analytical Engines Ltd",
        "FirstName": "Ada",
        "MiddleName": "King",
        "LastName": "Lovelace",
        "BirthDate": "1815-12-10",
        "Gender": "FEMALE",
        "PhoneNumber": f"+1555{tag[:6]}01",
        "MobilePhoneNumber": f"+1555{tag[:6]}02",
        "HomePhoneNumber": f"+1555{tag[:6]}03",
        "BusinessPhoneNumber": f"+1555{tag[:6]}04",
        "EmailAddress": f"ada.{tag}@example.com",
        "PersonalEmailAddress": f"ada.personal.{tag}@example.com",
        "BusinessEmailAddress": f"ada.business.{tag}@example.com",
        "Address": addr("Home"),
        "ShippingAddress": addr("Ship"),
        "MailingAddress": addr("Mail"),
        "BillingAddress": addr("Bill"),
        "Attributes": {"tier": "gold", "favourite.colour": "green", "note": "with spaces"},
        "PartyTypeString": "Individual person",
        "GenderString": "woman",
        "ProfileType": "PROFILE",
        "EngagementPreferences": {
            "Phone": [{"KeyName": "_phone", "KeyValue": f"+1555{tag[:6]}01",
                       "ContactType": "PhoneNumber"}],
            "Email": [{"KeyName": "_email", "KeyValue": f"ada.{tag}@example.com",
                       "ContactType": "EmailAddress"}],
        },
    }


def strip_found_by(item):
    item = dict(item)
    item.pop("FoundByItems", None)
    return item


def found_by_set(item):
    return {(f["KeyName"], tuple(sorted(f["Values"]))) for f in item.get("FoundByItems", [])}


class ProfileTestBase(ServerTestCase):
    def setUp(self):
        self.domain = self.create_domain(unique_name("prof"))

    def search(self, key, values, domain=None, **kwargs):
        if isinstance(values, str):
            values = [values]
        resp = self.client.search_profiles(DomainName=domain or self.domain, KeyName=key,
                                           Values=values, **kwargs)
        return resp.get("Items", [])

    def get(self, profile_id, domain=None):
        items = self.search("_profileId", profile_id, domain)
        self.assertEqual(len(items), 1, f"_profileId {profile_id}: {items}")
        return strip_found_by(items[0])

    def ids(self, items):
        return sorted(i["ProfileId"] for i in items)


class CreateAndReadTest(ProfileTestBase):
    def test_profile_id_is_32_lowercase_hex_and_unique(self):
        ids = {self.create_profile(self.domain) for _ in range(5)}
        self.assertEqual(len(ids), 5)
        for pid in ids:
            self.assertRegex(pid, HEX32)

    def test_every_member_round_trips_through_search(self):
        tag = uuid.uuid4().hex[:10]
        fields = full_profile(tag)
        pid = self.create_profile(self.domain, **copy.deepcopy(fields))
        got = self.get(pid)
        expected = dict(fields, ProfileId=pid)
        for key in sorted(set(expected) | set(got)):
            with self.subTest(member=key):
                self.assertEqual(got.get(key), expected.get(key))

    def test_unicode_and_json_escapes_round_trip(self):
        odd = 'Zoë "quoted" back\\slash \n newline \t tab 山田 😀 </script>'
        pid = self.create_profile(self.domain, FirstName=odd, Attributes={"ключ": odd},
                                  Address={"City": "Zürich"})
        got = self.get(pid)
        self.assertEqual(got["FirstName"], odd)
        self.assertEqual(got["Attributes"], {"ключ": odd})
        self.assertEqual(got["Address"], {"City": "Zürich"})

    def test_longest_values_round_trip(self):
        info, name = "i" * 1000, "n" * 255
        pid = self.create_profile(self.domain, AdditionalInformation=info, LastName=name,
                                  Attributes={"k" * 255: "v" * 255})
        got = self.get(pid)
        self.assertEqual(got["AdditionalInformation"], info)
        self.assertEqual(got["LastName"], name)
        self.assertEqual(got["Attributes"], {"k" * 255: "v" * 255})
        self.assertClientError(self.loose_client.create_profile, "BadRequestException", 400,
                               "AdditionalInformation", DomainName=self.domain,
                               AdditionalInformation="i" * 1001)

    def test_concurrent_creates_are_all_counted(self):
        n = 16
        account = unique_value("cc")
        results = []
        clients = [self.server.client() for _ in range(n)]

        def work(i):
            for j in range(3):
                results.append(clients[i].create_profile(
                    DomainName=self.domain, AccountNumber=account,
                    FirstName=f"t{i}-{j}")["ProfileId"])

        self.assertEqual(run_together(n, work), [])
        self.assertEqual(len(set(results)), n * 3)
        self.assertEqual(self.client.get_domain(DomainName=self.domain)["Stats"]["ProfileCount"],
                         n * 3)
        found = self.client.search_profiles(DomainName=self.domain, KeyName="_account",
                                            Values=[account], MaxResults=100)["Items"]
        self.assertEqual(sorted(p["ProfileId"] for p in found), sorted(results))

    def test_minimal_profile_has_only_its_id(self):
        pid = self.create_profile(self.domain)
        self.assertEqual(self.get(pid), {"ProfileId": pid})

    def test_empty_strings_on_create_are_rejected(self):
        loose = self.loose_client
        for member, value in (("FirstName", ""), ("EmailAddress", ""), ("AccountNumber", "")):
            with self.subTest(member=member):
                self.assertClientError(loose.create_profile, "BadRequestException", 400, member,
                                       DomainName=self.domain, **{member: value})
        self.assertClientError(loose.create_profile, "BadRequestException", 400, "City",
                               DomainName=self.domain, Address={"City": ""})
        self.assertClientError(loose.create_profile, "BadRequestException", 400,
                               DomainName=self.domain, Attributes={"k": ""})
        self.assertEqual(self.client.get_domain(DomainName=self.domain)["Stats"]["ProfileCount"], 0)

    def test_create_in_unknown_domain(self):
        self.assertClientError(self.client.create_profile, "ResourceNotFoundException", 404,
                               DomainName=unique_name("nodom"), FirstName="X")

    def test_batch_get_profile(self):
        a = self.create_profile(self.domain, FirstName="A")
        b = self.create_profile(self.domain, FirstName="B")
        missing = uuid.uuid4().hex
        resp = self.client.batch_get_profile(DomainName=self.domain, ProfileIds=[a, missing, b])
        profiles = {p["ProfileId"]: p for p in resp.get("Profiles", [])}
        self.assertEqual(sorted(profiles), sorted([a, b]))
        self.assertEqual(profiles[a]["FirstName"], "A")
        self.assertEqual(profiles[b]["FirstName"], "B")
        errors = resp.get("Errors", [])
        self.assertEqual([e["ProfileId"] for e in errors], [missing])
        self.assertTrue(errors[0]["Code"])
        self.assertTrue(errors[0]["Message"])

    def test_batch_get_profile_limits(self):
        self.assertClientError(self.loose_client.batch_get_profile, "BadRequestException", 400,
                               "ProfileIds", DomainName=self.domain,
                               ProfileIds=[uuid.uuid4().hex for _ in range(21)])

    def test_domain_stats_count_profiles_exactly(self):
        ids = [self.create_profile(self.domain, FirstName=f"n{i}") for i in range(5)]
        self.assertEqual(self.client.get_domain(DomainName=self.domain)["Stats"]["ProfileCount"], 5)
        for pid in ids[:2]:
            self.client.delete_profile(DomainName=self.domain, ProfileId=pid)
        self.assertEqual(self.client.get_domain(DomainName=self.domain)["Stats"]["ProfileCount"], 3)
        self.client.update_profile(DomainName=self.domain, ProfileId=ids[3], FirstName="changed")
        self.assertEqual(self.client.get_domain(DomainName=self.domain)["Stats"]["ProfileCount"], 3)

    def test_list_profile_attribute_values(self):
        for name in ("Ada", "Bob", "Ada"):
            self.create_profile(self.domain, FirstName=name)
        resp = self.client.list_profile_attribute_values(DomainName=self.domain,
                                                         AttributeName="FirstName")
        self.assertEqual(resp["StatusCode"], 200)
        self.assertEqual(resp["DomainName"], self.domain)
        self.assertEqual(resp["AttributeName"], "FirstName")
        self.assertEqual(sorted(i["Value"] for i in resp["Items"]), ["Ada", "Bob"])


class UpdateTest(ProfileTestBase):
    def test_empty_removes_absent_keeps_new_replaces(self):
        pid = self.create_profile(self.domain, FirstName="Ada", LastName="Lovelace",
                                  EmailAddress="ada@example.com", BirthDate="1815-12-10",
                                  Address={"City": "London", "Country": "UK"},
                                  Attributes={"a": "1", "b": "2"})
        resp = self.client.update_profile(DomainName=self.domain, ProfileId=pid, FirstName="",
                                          MiddleName="King", BirthDate="1815-12-11",
                                          Address={"City": "Paris"},
                                          Attributes={"c": "3", "a": ""})
        self.assertEqual(resp["ProfileId"], pid)
        self.assertEqual(self.get(pid), {
            "ProfileId": pid, "LastName": "Lovelace", "MiddleName": "King",
            "EmailAddress": "ada@example.com", "BirthDate": "1815-12-11",
            "Address": {"City": "Paris", "Country": "UK"},
            "Attributes": {"b": "2", "c": "3"}})

    def test_inside_an_address_empty_removes_only_that_field(self):
        pid = self.create_profile(self.domain, Address={"City": "London", "Country": "UK",
                                                        "PostalCode": "N1"},
                                  BillingAddress={"City": "Leeds"})
        self.client.update_profile(DomainName=self.domain, ProfileId=pid, Address={"City": ""})
        got = self.get(pid)
        self.assertEqual(got["Address"], {"Country": "UK", "PostalCode": "N1"})
        self.assertEqual(got["BillingAddress"], {"City": "Leeds"})
        self.client.update_profile(DomainName=self.domain, ProfileId=pid,
                                   ShippingAddress={"State": "WA"})
        got = self.get(pid)
        self.assertEqual(got["ShippingAddress"], {"State": "WA"})
        self.assertEqual(got["Address"], {"Country": "UK", "PostalCode": "N1"})

    def test_attributes_merge_by_key(self):
        pid = self.create_profile(self.domain, Attributes={"x": "1", "y": "2"})
        self.client.update_profile(DomainName=self.domain, ProfileId=pid, Attributes={"z": "3"})
        self.assertEqual(self.get(pid)["Attributes"], {"x": "1", "y": "2", "z": "3"})
        self.client.update_profile(DomainName=self.domain, ProfileId=pid,
                                   Attributes={"y": "", "x": "one"})
        self.assertEqual(self.get(pid)["Attributes"], {"x": "one", "z": "3"})

    def test_enums_and_strings_update(self):
        pid = self.create_profile(self.domain, Gender="MALE", PartyType="BUSINESS",
                                  GenderString="m", PartyTypeString="biz", ProfileType="PROFILE")
        self.client.update_profile(DomainName=self.domain, ProfileId=pid, Gender="FEMALE",
                                   GenderString="", ProfileType="ACCOUNT_PROFILE")
        got = self.get(pid)
        self.assertEqual(got["Gender"], "FEMALE")
        self.assertNotIn("GenderString", got)
        self.assertEqual(got["PartyType"], "BUSINESS")
        self.assertEqual(got["PartyTypeString"], "biz")
        self.assertEqual(got["ProfileType"], "ACCOUNT_PROFILE")

    def test_update_with_only_the_id_changes_nothing(self):
        fields = full_profile(uuid.uuid4().hex[:10])
        pid = self.create_profile(self.domain, **copy.deepcopy(fields))
        before = self.get(pid)
        self.client.update_profile(DomainName=self.domain, ProfileId=pid)
        self.assertEqual(self.get(pid), before)

    def test_concurrent_add_profile_key_on_one_profile(self):
        pid = self.create_profile(self.domain)
        n = 16
        clients = [self.server.client() for _ in range(n)]

        def work(i):
            clients[i].add_profile_key(DomainName=self.domain, ProfileId=pid,
                                       KeyName="ticket", Values=[f"T-{i}"])

        self.assertEqual(run_together(n, work), [])
        for i in range(n):
            self.assertEqual(self.ids(self.search("ticket", f"T-{i}")), [pid])

    def test_unknown_profile_or_domain(self):
        self.assertClientError(self.client.update_profile, "ResourceNotFoundException", 404,
                               DomainName=self.domain, ProfileId=uuid.uuid4().hex, FirstName="X")
        pid = self.create_profile(self.domain)
        self.assertClientError(self.client.update_profile, "ResourceNotFoundException", 404,
                               DomainName=unique_name("nodom"), ProfileId=pid, FirstName="X")
        self.assertClientError(self.client.delete_profile, "ResourceNotFoundException", 404,
                               DomainName=self.domain, ProfileId=uuid.uuid4().hex)
        self.assertClientError(self.client.add_profile_key, "ResourceNotFoundException", 404,
                               DomainName=self.domain, ProfileId=uuid.uuid4().hex,
                               KeyName="loyalty", Values=["x"])

    def test_changed_email_is_found_under_the_new_value_only(self):
        old, new = f"{unique_value('old')}@example.com", f"{unique_value('new')}@example.com"
        pid = self.create_profile(self.domain, EmailAddress=old)
        self.assertEqual(self.ids(self.search("_email", old)), [pid])
        self.client.update_profile(DomainName=self.domain, ProfileId=pid, EmailAddress=new)
        self.assertEqual(self.search("_email", old), [])
        self.assertEqual(self.ids(self.search("_email", new)), [pid])
        self.client.update_profile(DomainName=self.domain, ProfileId=pid, EmailAddress="")
        self.assertEqual(self.search("_email", new), [])

    def test_concurrent_updates_of_one_profile_all_take_effect(self):
        pid = self.create_profile(self.domain, FirstName="Con")
        n = 16
        clients = [self.server.client() for _ in range(n)]

        def work(i):
            clients[i].update_profile(DomainName=self.domain, ProfileId=pid,
                                      Attributes={f"k{i:02d}": f"v{i}"})

        self.assertEqual(run_together(n, work), [])
        got = self.get(pid)
        self.assertEqual(got["Attributes"], {f"k{i:02d}": f"v{i}" for i in range(n)})
        self.assertEqual(got["FirstName"], "Con")

    def test_delete_profile_removes_it_and_its_keys(self):
        email = f"{unique_value('del')}@example.com"
        pid = self.create_profile(self.domain, EmailAddress=email, AccountNumber="acct-del",
                                  FirstName="Del", LastName="Me")
        self.client.add_profile_key(DomainName=self.domain, ProfileId=pid, KeyName="loyaltyId",
                                    Values=["L-del"])
        resp = self.client.delete_profile(DomainName=self.domain, ProfileId=pid)
        self.assertTrue(resp["Message"])
        for key, value in (("_profileId", pid), ("_email", email), ("_account", "acct-del"),
                           ("_fullName", "Del Me"), ("loyaltyId", "L-del")):
            with self.subTest(key=key):
                self.assertEqual(self.search(key, value), [])
        self.assertClientError(self.client.update_profile, "ResourceNotFoundException", 404,
                               DomainName=self.domain, ProfileId=pid, FirstName="Back")
        resp = self.client.batch_get_profile(DomainName=self.domain, ProfileIds=[pid])
        self.assertEqual(resp.get("Profiles", []), [])
        self.assertEqual([e["ProfileId"] for e in resp["Errors"]], [pid])


class SearchTest(ProfileTestBase):
    def test_search_by_each_email_and_phone_field(self):
        tag = uuid.uuid4().hex[:10]
        fields = full_profile(tag)
        pid = self.create_profile(self.domain, **fields)
        other = self.create_profile(self.domain, **full_profile(uuid.uuid4().hex[:10]))
        for member in ("EmailAddress", "PersonalEmailAddress", "BusinessEmailAddress"):
            with self.subTest(member=member):
                items = self.search("_email", fields[member])
                self.assertEqual(self.ids(items), [pid])
                fb = items[0].get("FoundByItems")
                if fb is not None:
                    self.assertEqual(found_by_set(items[0]), {("_email", (fields[member],))})
        for member in ("PhoneNumber", "MobilePhoneNumber", "HomePhoneNumber", "BusinessPhoneNumber"):
            with self.subTest(member=member):
                self.assertEqual(self.ids(self.search("_phone", fields[member])), [pid])
        self.assertEqual(self.ids(self.search("_account", fields["AccountNumber"])), [pid])
        self.assertEqual(self.ids(self.search("_profileId", other)), [other])

    def test_full_name(self):
        a = self.create_profile(self.domain, FirstName="Ada", MiddleName="King", LastName="Lovelace")
        b = self.create_profile(self.domain, FirstName="Grace", LastName="Hopper")
        self.assertEqual(self.ids(self.search("_fullName", "Ada King Lovelace")), [a])
        self.assertEqual(self.ids(self.search("_fullName", "Grace Hopper")), [b])
        self.assertEqual(self.search("_fullName", "Grace  Hopper"), [])
        self.client.update_profile(DomainName=self.domain, ProfileId=a, MiddleName="")
        self.assertEqual(self.ids(self.search("_fullName", "Ada Lovelace")), [a])
        self.assertEqual(self.search("_fullName", "Ada King Lovelace"), [])

    def test_several_values_match_any(self):
        e1, e2, e3 = (f"{unique_value('m')}@example.com" for _ in range(3))
        p1 = self.create_profile(self.domain, EmailAddress=e1)
        p2 = self.create_profile(self.domain, EmailAddress=e2)
        self.create_profile(self.domain, EmailAddress=e3)
        items = self.search("_email", [e1, e2, "nobody@example.com"])
        self.assertEqual(self.ids(items), sorted([p1, p2]))

    def test_custom_keys(self):
        pid = self.create_profile(self.domain, FirstName="Keyed")
        resp = self.client.add_profile_key(DomainName=self.domain, ProfileId=pid,
                                           KeyName="loyaltyId", Values=["L-1", "L-2"])
        self.assertEqual(resp["KeyName"], "loyaltyId")
        self.assertEqual(sorted(resp["Values"]), ["L-1", "L-2"])
        self.assertEqual(self.ids(self.search("loyaltyId", "L-1")), [pid])
        self.assertEqual(self.ids(self.search("loyaltyId", "L-2")), [pid])
        resp = self.client.delete_profile_key(DomainName=self.domain, ProfileId=pid,
                                              KeyName="loyaltyId", Values=["L-1"])
        self.assertTrue(resp["Message"])
        self.assertEqual(self.search("loyaltyId", "L-1"), [])
        self.assertEqual(self.ids(self.search("loyaltyId", "L-2")), [pid])
        # The profile document itself is unchanged by keys.
        self.assertEqual(self.get(pid), {"ProfileId": pid, "FirstName": "Keyed"})

    def test_and_or_with_additional_search_keys(self):
        e1, e2 = f"{unique_value('a')}@example.com", f"{unique_value('b')}@example.com"
        phone = "+1555" + uuid.uuid4().hex[:6]
        p1 = self.create_profile(self.domain, EmailAddress=e1, PhoneNumber=phone)
        p2 = self.create_profile(self.domain, EmailAddress=e2, PhoneNumber=phone)
        extra = [{"KeyName": "_phone", "Values": [phone]}]

        items = self.search("_email", e1, AdditionalSearchKeys=extra, LogicalOperator="AND")
        self.assertEqual(self.ids(items), [p1])
        self.assertEqual(found_by_set(items[0]), {("_email", (e1,)), ("_phone", (phone,))})

        for kwargs in ({"LogicalOperator": "OR"}, {}):  # OR is the default
            with self.subTest(**kwargs):
                items = self.search("_email", e1, AdditionalSearchKeys=extra, **kwargs)
                self.assertEqual(self.ids(items), sorted([p1, p2]))
                by_id = {i["ProfileId"]: i for i in items}
                self.assertEqual(found_by_set(by_id[p1]), {("_email", (e1,)), ("_phone", (phone,))})
                self.assertEqual(found_by_set(by_id[p2]), {("_phone", (phone,))})

        items = self.search("_email", e2, AdditionalSearchKeys=[
            {"KeyName": "_phone", "Values": [phone]},
            {"KeyName": "_account", "Values": ["no-such-account"]}], LogicalOperator="AND")
        self.assertEqual(items, [])

    def test_paging(self):
        account = unique_value("shared")
        ids = sorted(self.create_profile(self.domain, AccountNumber=account, FirstName=f"p{i}")
                     for i in range(25))

        def collect(max_results):
            seen, sizes = [], []
            for resp in pages(self.client.search_profiles, max_results, DomainName=self.domain,
                              KeyName="_account", Values=[account]):
                items = resp.get("Items", [])
                sizes.append(len(items))
                seen += [i["ProfileId"] for i in items]
                if resp.get("NextToken"):
                    self.assertLess(len(sizes), 60)
            return seen, sizes

        seen, sizes = collect(10)
        self.assertEqual(sorted(seen), ids)
        self.assertEqual(sizes, [10, 10, 5])
        seen, sizes = collect(None)  # default page size is 20
        self.assertEqual(sorted(seen), ids)
        self.assertEqual(sizes, [20, 5])
        seen, sizes = collect(100)
        self.assertEqual(sizes, [25])
        seen, sizes = collect(1)
        self.assertEqual(sorted(seen), ids)
        self.assertEqual(len(seen), 25)

    def test_paging_under_concurrent_inserts_neither_repeats_nor_skips(self):
        account = unique_value("live")
        original = {self.create_profile(self.domain, AccountNumber=account) for _ in range(30)}
        seen, added = [], set()
        for resp in pages(self.client.search_profiles, 7, DomainName=self.domain,
                          KeyName="_account", Values=[account]):
            seen += [i["ProfileId"] for i in resp.get("Items", [])]
            # Between pages, more profiles match the same key.
            for _ in range(2):
                added.add(self.create_profile(self.domain, AccountNumber=account))
            self.assertLess(len(seen), 200)
        self.assertEqual(len(seen), len(set(seen)), "a profile was returned twice")
        self.assertEqual(original - set(seen), set(), "a profile present throughout was skipped")
        self.assertLessEqual(set(seen), original | added)

    def test_five_keys_with_and(self):
        tag = uuid.uuid4().hex[:10]
        fields = full_profile(tag)
        pid = self.create_profile(self.domain, **fields)
        self.create_profile(self.domain, EmailAddress=fields["EmailAddress"])
        extra = [{"KeyName": "_phone", "Values": [fields["MobilePhoneNumber"]]},
                 {"KeyName": "_account", "Values": [fields["AccountNumber"]]},
                 {"KeyName": "_fullName", "Values": ["Ada King Lovelace"]},
                 {"KeyName": "_profileId", "Values": [pid]}]
        items = self.search("_email", fields["EmailAddress"], AdditionalSearchKeys=extra,
                            LogicalOperator="AND")
        self.assertEqual(self.ids(items), [pid])
        self.assertEqual(len(items[0]["FoundByItems"]), 5)
        self.assertClientError(self.loose_client.search_profiles, "BadRequestException", 400,
                               "AdditionalSearchKeys", DomainName=self.domain, KeyName="_email",
                               Values=["x"], AdditionalSearchKeys=extra + [extra[0]])

    def test_tampered_search_token(self):
        account = unique_value("tok")
        for _ in range(3):
            self.create_profile(self.domain, AccountNumber=account)
        resp = self.client.search_profiles(DomainName=self.domain, KeyName="_account",
                                           Values=[account], MaxResults=1)
        token = resp["NextToken"]
        mid = len(token) // 2
        bad = token[:mid] + ("A" if token[mid] != "A" else "B") + token[mid + 1:]
        self.assertClientError(self.client.search_profiles, "BadRequestException", 400,
                               DomainName=self.domain, KeyName="_account", Values=[account],
                               MaxResults=1, NextToken=bad)

    def test_no_match_is_empty(self):
        resp = self.client.search_profiles(DomainName=self.domain, KeyName="_email",
                                           Values=["nobody@example.com"])
        self.assertEqual(resp.get("Items", []), [])
        self.assertNotIn("NextToken", resp)

    def test_domains_are_isolated(self):
        other = self.create_domain(unique_name("iso"))
        email = f"{unique_value('iso')}@example.com"
        pid = self.create_profile(other, EmailAddress=email)
        self.assertEqual(self.search("_email", email), [])
        self.assertEqual(self.ids(self.search("_email", email, domain=other)), [pid])


class HistoryTest(ProfileTestBase):
    def test_history_records_for_each_action(self):
        pid = self.create_profile(self.domain, FirstName="Hist")
        self.client.update_profile(DomainName=self.domain, ProfileId=pid, LastName="Ory")
        self.client.add_profile_key(DomainName=self.domain, ProfileId=pid, KeyName="hk",
                                    Values=["h1"])
        self.client.delete_profile_key(DomainName=self.domain, ProfileId=pid, KeyName="hk",
                                       Values=["h1"])
        self.client.delete_profile(DomainName=self.domain, ProfileId=pid)

        resp = self.client.list_profile_history_records(DomainName=self.domain, ProfileId=pid)
        records = resp["ProfileHistoryRecords"]
        self.assertEqual(sorted(r["ActionType"] for r in records),
                         sorted(["CREATED", "UPDATED", "ADDED_PROFILE_KEY", "DELETED_PROFILE_KEY",
                                 "DELETED_BY_CUSTOMER"]))
        self.assertEqual(len({r["Id"] for r in records}), 5)
        for r in records:
            self.assertRegex(r["Id"], HEX32)
            self.assertIsInstance(r["CreatedAt"], datetime.datetime)
            self.assertRegex(r["ObjectTypeName"], r"^[a-zA-Z_][a-zA-Z_0-9-]*$")
            one = self.client.get_profile_history_record(DomainName=self.domain, ProfileId=pid,
                                                         Id=r["Id"])
            self.assertEqual(one["Id"], r["Id"])
            self.assertEqual(one["ActionType"], r["ActionType"])
            self.assertEqual(one["ObjectTypeName"], r["ObjectTypeName"])
        created = next(r for r in records if r["ActionType"] == "CREATED")
        content = self.client.get_profile_history_record(DomainName=self.domain, ProfileId=pid,
                                                         Id=created["Id"]).get("Content")
        if content is not None:
            self.assertEqual(json.loads(content).get("FirstName"), "Hist")

        only = self.client.list_profile_history_records(DomainName=self.domain, ProfileId=pid,
                                                        ActionType="UPDATED")
        self.assertEqual([r["ActionType"] for r in only["ProfileHistoryRecords"]], ["UPDATED"])

        seen = []
        for page in pages(self.client.list_profile_history_records, 2, DomainName=self.domain,
                          ProfileId=pid):
            self.assertLessEqual(len(page["ProfileHistoryRecords"]), 2)
            seen += [r["Id"] for r in page["ProfileHistoryRecords"]]
        self.assertEqual(sorted(seen), sorted(r["Id"] for r in records))

    def test_unknown_history_record(self):
        pid = self.create_profile(self.domain)
        self.assertClientError(self.client.get_profile_history_record,
                               "ResourceNotFoundException", 404, DomainName=self.domain,
                               ProfileId=pid, Id=uuid.uuid4().hex)


class ProfileCliTest(ServerTestCase):
    def test_readme_profile_scenario_with_the_cli(self):
        domain = unique_name("cli")
        r = self.server.aws("create-domain", "--domain-name", domain,
                            "--default-expiration-days", "366")
        self.assertTrue(r.ok, r)
        r = self.server.aws("create-profile", "--domain-name", domain, "--first-name", "Ada",
                            "--email-address", "ada@example.com",
                            "--address", "City=London,Country=UK")
        self.assertTrue(r.ok, r)
        pid = r.json["ProfileId"]
        self.assertRegex(pid, HEX32)
        r = self.server.aws("update-profile", "--domain-name", domain, "--profile-id", pid,
                            "--address", "City=Paris", "--first-name", "")
        self.assertTrue(r.ok, r)
        self.assertEqual(r.json["ProfileId"], pid)
        r = self.server.aws("search-profiles", "--domain-name", domain, "--key-name", "_email",
                            "--values", "ada@example.com")
        self.assertTrue(r.ok, r)
        items = r.json["Items"]
        self.assertEqual(len(items), 1)
        item = strip_found_by(items[0])
        self.assertEqual(item, {"ProfileId": pid, "EmailAddress": "ada@example.com",
                                "Address": {"City": "Paris", "Country": "UK"}})

    def test_cli_error_for_unknown_profile(self):
        domain = self.create_domain()
        r = self.server.aws("update-profile", "--domain-name", domain, "--profile-id",
                            uuid.uuid4().hex, "--first-name", "X")
        self.assertFalse(r.ok)
        self.assertEqual(r.error_code, "ResourceNotFoundException", r)


if __name__ == "__main__":
    unittest.main()
