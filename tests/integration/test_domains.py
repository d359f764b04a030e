"""Domains and tags through boto3: CreateDomain, GetDomain, UpdateDomain, DeleteDomain, ListDomains,
TagResource, UntagResource, ListTagsForResource."""

import datetime
import time
import unittest

from harness import ClientError, ServerTestCase, domain_arn, epoch, unique_name

KMS_KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
DLQ_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/profiled-dlq"
KMS_KEY_2 = "arn:aws:kms:us-east-1:123456789012:key/ffff0000-12ab-34cd-56ef-1234567890ab"


def now():
    return time.time()


class DomainLifecycleTest(ServerTestCase):
    def assertRecent(self, ts, slack=300):
        self.assertIsInstance(ts, datetime.datetime)
        self.assertLess(abs(epoch(ts) - now()), slack, f"timestamp {ts} is not now")

    def test_create_domain_with_every_setting_round_trips(self):
        name = unique_name("full")
        matching = {"Enabled": True,
                    "JobSchedule": {"DayOfTheWeek": "SUNDAY", "Time": "03:30"},
                    "AutoMerging": {"Enabled": False}}
        tags = {"env": "test", "team": "profiles"}
        created = self.client.create_domain(
            DomainName=name, DefaultExpirationDays=366, DefaultEncryptionKey=KMS_KEY,
            DeadLetterQueueUrl=DLQ_URL, Matching=matching, Tags=tags)
        self.assertEqual(created["DomainName"], name)
        self.assertEqual(created["DefaultExpirationDays"], 366)
        self.assertEqual(created["DefaultEncryptionKey"], KMS_KEY)
        self.assertEqual(created["DeadLetterQueueUrl"], DLQ_URL)
        self.assertEqual(created["Tags"], tags)
        self.assertTrue(created["Matching"]["Enabled"])
        self.assertEqual(created["Matching"]["JobSchedule"], matching["JobSchedule"])
        self.assertEqual(created["Matching"]["AutoMerging"]["Enabled"], False)
        self.assertRecent(created["CreatedAt"])
        self.assertRecent(created["LastUpdatedAt"])
        self.assertGreaterEqual(epoch(created["LastUpdatedAt"]), epoch(created["CreatedAt"]))

        got = self.client.get_domain(DomainName=name)
        self.assertEqual(got["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertEqual(got["DomainName"], name)
        self.assertEqual(got["DefaultExpirationDays"], 366)
        self.assertEqual(got["DefaultEncryptionKey"], KMS_KEY)
        self.assertEqual(got["DeadLetterQueueUrl"], DLQ_URL)
        self.assertEqual(got["Tags"], tags)
        self.assertTrue(got["Matching"]["Enabled"])
        self.assertEqual(got["Matching"]["JobSchedule"], matching["JobSchedule"])
        self.assertEqual(epoch(got["CreatedAt"]), epoch(created["CreatedAt"]))
        self.assertEqual(epoch(got["LastUpdatedAt"]), epoch(created["LastUpdatedAt"]))
        self.assertIn("Stats", got)
        self.assertEqual(got["Stats"]["ProfileCount"], 0)
        if "ObjectCount" in got["Stats"]:
            self.assertEqual(got["Stats"]["ObjectCount"], 0)

    def test_wire_format_of_get_domain(self):
        # rest-json: a JSON body, timestamps as epoch seconds (numbers), the request id header.
        name = self.create_domain()
        resp = self.server.raw("GET", f"/domains/{name}")
        self.assertEqual(resp.status, 200, resp)
        self.assertTrue(resp.headers.get("content-type", "").startswith("application/json"), resp)
        self.assertTrue(resp.headers.get("x-amzn-requestid"), resp)
        body = resp.json()
        self.assertEqual(body["DomainName"], name)
        for key in ("CreatedAt", "LastUpdatedAt"):
            self.assertIsInstance(body[key], (int, float), body)
            self.assertLess(abs(body[key] - now()), 300, body)
        self.assertEqual(body["Stats"]["ProfileCount"], 0)

    def test_minimal_domain_has_no_optional_settings(self):
        name = unique_name("min")
        created = self.client.create_domain(DomainName=name, DefaultExpirationDays=1)
        self.assertEqual(created["DefaultExpirationDays"], 1)
        got = self.client.get_domain(DomainName=name)
        self.assertEqual(got["DefaultExpirationDays"], 1)
        self.assertNotIn("DefaultEncryptionKey", got)
        self.assertNotIn("DeadLetterQueueUrl", got)
        self.assertIn(got.get("Tags", {}), ({},))
        self.assertEqual(got["Stats"]["ProfileCount"], 0)

    def test_bounds_of_default_expiration_days(self):
        name = unique_name("max")
        self.assertEqual(self.client.create_domain(DomainName=name, DefaultExpirationDays=1098)
                         ["DefaultExpirationDays"], 1098)
        self.assertClientError(self.loose_client.create_domain, "BadRequestException", 400,
                               "DefaultExpirationDays", DomainName=unique_name("big"),
                               DefaultExpirationDays=1099)

    def test_domain_name_of_64_characters_and_all_allowed_characters(self):
        name = ("Aa0_-" + unique_name("x")).ljust(64, "z")[:64]
        self.assertEqual(len(name), 64)
        self.client.create_domain(DomainName=name, DefaultExpirationDays=5)
        self.assertEqual(self.client.get_domain(DomainName=name)["DomainName"], name)

    def test_duplicate_create_is_rejected_and_leaves_the_original(self):
        # CreateDomain lists no conflict error; BadRequestException is the one AWS answers.
        name = self.create_domain(days=10)
        self.assertClientError(self.client.create_domain, "BadRequestException", 400,
                               DomainName=name, DefaultExpirationDays=20)
        self.assertEqual(self.client.get_domain(DomainName=name)["DefaultExpirationDays"], 10)

    def test_update_changes_only_what_is_given(self):
        name = unique_name("upd")
        created = self.client.create_domain(DomainName=name, DefaultExpirationDays=366,
                                            DefaultEncryptionKey=KMS_KEY, DeadLetterQueueUrl=DLQ_URL)
        time.sleep(1.05)  # so that LastUpdatedAt can move (timestamps may be whole seconds)
        updated = self.client.update_domain(DomainName=name, DefaultExpirationDays=30)
        self.assertEqual(updated["DomainName"], name)
        self.assertEqual(updated["DefaultExpirationDays"], 30)
        self.assertEqual(updated["DefaultEncryptionKey"], KMS_KEY)
        self.assertEqual(updated["DeadLetterQueueUrl"], DLQ_URL)
        self.assertEqual(epoch(updated["CreatedAt"]), epoch(created["CreatedAt"]))
        self.assertGreater(epoch(updated["LastUpdatedAt"]), epoch(created["LastUpdatedAt"]))

        got = self.client.get_domain(DomainName=name)
        self.assertEqual(got["DefaultExpirationDays"], 30)
        self.assertEqual(got["DefaultEncryptionKey"], KMS_KEY)
        self.assertEqual(got["DeadLetterQueueUrl"], DLQ_URL)
        self.assertEqual(epoch(got["LastUpdatedAt"]), epoch(updated["LastUpdatedAt"]))

        self.client.update_domain(DomainName=name, DefaultEncryptionKey=KMS_KEY_2)
        got = self.client.get_domain(DomainName=name)
        self.assertEqual(got["DefaultEncryptionKey"], KMS_KEY_2)
        self.assertEqual(got["DefaultExpirationDays"], 30)

    def test_update_with_empty_string_clears_key_and_queue(self):
        # The model documents both members: "If specified as an empty string, it will clear any
        # existing value."
        name = self.create_domain(DefaultEncryptionKey=KMS_KEY, DeadLetterQueueUrl=DLQ_URL)
        updated = self.client.update_domain(DomainName=name, DefaultEncryptionKey="")
        self.assertNotIn("DefaultEncryptionKey", updated)
        self.assertEqual(updated["DeadLetterQueueUrl"], DLQ_URL)
        got = self.client.get_domain(DomainName=name)
        self.assertNotIn("DefaultEncryptionKey", got)
        self.assertEqual(got["DeadLetterQueueUrl"], DLQ_URL)

        self.client.update_domain(DomainName=name, DeadLetterQueueUrl="")
        got = self.client.get_domain(DomainName=name)
        self.assertNotIn("DefaultEncryptionKey", got)
        self.assertNotIn("DeadLetterQueueUrl", got)
        self.assertEqual(got["DefaultExpirationDays"], 366)

    def test_update_matching(self):
        name = self.create_domain()
        resp = self.client.update_domain(
            DomainName=name,
            Matching={"Enabled": True, "JobSchedule": {"DayOfTheWeek": "MONDAY", "Time": "7:05"}})
        self.assertTrue(resp["Matching"]["Enabled"])
        got = self.client.get_domain(DomainName=name)
        self.assertTrue(got["Matching"]["Enabled"])
        self.assertEqual(got["Matching"]["JobSchedule"], {"DayOfTheWeek": "MONDAY", "Time": "7:05"})
        self.client.update_domain(DomainName=name, Matching={"Enabled": False})
        self.assertFalse(self.client.get_domain(DomainName=name)["Matching"]["Enabled"])

    def test_update_unknown_domain_is_not_found(self):
        self.assertClientError(self.client.update_domain, "ResourceNotFoundException", 404,
                               DomainName=unique_name("nope"), DefaultExpirationDays=3)

    def test_get_unknown_domain_is_not_found(self):
        e = self.assertClientError(self.client.get_domain, "ResourceNotFoundException", 404,
                                   DomainName=unique_name("nope"))
        self.assertEqual(e.response["ResponseMetadata"]["HTTPHeaders"].get("x-amzn-errortype", "")
                         .split(":")[0], "ResourceNotFoundException")

    def test_delete_domain(self):
        name = self.create_domain()
        resp = self.client.delete_domain(DomainName=name)
        self.assertEqual(resp["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertIsInstance(resp["Message"], str)
        self.assertTrue(resp["Message"])
        self.assertClientError(self.client.get_domain, "ResourceNotFoundException", 404,
                               DomainName=name)
        self.assertClientError(self.client.delete_domain, "ResourceNotFoundException", 404,
                               DomainName=name)
        names = [d["DomainName"] for d in self._list_all_domains(100)]
        self.assertNotIn(name, names)

    def test_deleted_domain_name_can_be_reused_without_old_data(self):
        name = self.create_domain(days=10, Tags={"old": "yes"})
        profile_id = self.create_profile(name, FirstName="Old")
        self.client.delete_domain(DomainName=name)
        self.client.create_domain(DomainName=name, DefaultExpirationDays=20)
        got = self.client.get_domain(DomainName=name)
        self.assertEqual(got["DefaultExpirationDays"], 20)
        self.assertIn(got.get("Tags", {}), ({},))
        self.assertEqual(got["Stats"]["ProfileCount"], 0)
        self.assertEqual(self.client.list_tags_for_resource(resourceArn=domain_arn(name))
                         .get("tags", {}), {})
        found = self.client.search_profiles(DomainName=name, KeyName="_profileId",
                                            Values=[profile_id])
        self.assertEqual(found.get("Items", []), [])

    # ListDomains ---------------------------------------------------------------------------

    def _list_all_domains(self, page_size):
        items, token, pages = [], None, 0
        while True:
            kwargs = {"MaxResults": page_size}
            if token:
                kwargs["NextToken"] = token
            resp = self.client.list_domains(**kwargs)
            page = resp.get("Items", [])
            self.assertLessEqual(len(page), page_size)
            items.extend(page)
            token = resp.get("NextToken")
            pages += 1
            self.assertLess(pages, 1000, "ListDomains never ends")
            if not token:
                return items

    def test_list_domains_pages_without_duplicates_or_omissions(self):
        mine = {self.create_domain(unique_name("page"), days=7, Tags={"i": str(i)}): str(i)
                for i in range(7)}
        items = self._list_all_domains(3)
        names = [d["DomainName"] for d in items]
        self.assertEqual(len(names), len(set(names)), f"duplicates in {names}")
        for name, i in mine.items():
            self.assertIn(name, names)
        by_name = {d["DomainName"]: d for d in items}
        for name, i in mine.items():
            item = by_name[name]
            self.assertIsInstance(item["CreatedAt"], datetime.datetime)
            self.assertIsInstance(item["LastUpdatedAt"], datetime.datetime)
            self.assertEqual(item.get("Tags"), {"i": i})
        # The same listing in one page gives the same set.
        self.assertEqual(sorted(d["DomainName"] for d in self._list_all_domains(100)), sorted(names))

    def test_list_domains_exact_pages_of_three(self):
        # A server of its own so that no other test's domains are counted.
        from harness import ServerProcess, StoreFixture
        store = StoreFixture("ListDomainsAlone")
        server = ServerProcess(store).start()
        try:
            client = server.client()
            names = sorted(unique_name("p7") for _ in range(7))
            for n in names:
                client.create_domain(DomainName=n, DefaultExpirationDays=1)
            sizes, seen, token = [], [], None
            while True:
                kw = {"MaxResults": 3}
                if token:
                    kw["NextToken"] = token
                resp = client.list_domains(**kw)
                sizes.append(len(resp.get("Items", [])))
                seen += [d["DomainName"] for d in resp.get("Items", [])]
                token = resp.get("NextToken")
                if not token:
                    break
                self.assertLess(len(sizes), 10)
            self.assertEqual(sorted(seen), names)
            self.assertEqual(sizes, [3, 3, 1])
            # Default page size covers all 7; no token then.
            resp = client.list_domains()
            self.assertEqual(sorted(d["DomainName"] for d in resp["Items"]), names)
            self.assertNotIn("NextToken", resp)
        finally:
            server.stop()
            store.cleanup()

    def test_list_domains_rejects_a_tampered_token(self):
        for _ in range(3):
            self.create_domain(unique_name("tok"))
        resp = self.client.list_domains(MaxResults=1)
        token = resp["NextToken"]
        mid = len(token) // 2
        tampered = token[:mid] + ("A" if token[mid] != "A" else "B") + token[mid + 1:]
        self.assertClientError(self.client.list_domains, "BadRequestException", 400,
                               MaxResults=1, NextToken=tampered)
        self.assertClientError(self.client.list_domains, "BadRequestException", 400,
                               MaxResults=1, NextToken="not-a-token")
        # The genuine token still works after the rejections.
        self.assertEqual(len(self.client.list_domains(MaxResults=1, NextToken=token)["Items"]), 1)

    def test_list_domains_max_results_bounds(self):
        self.assertClientError(self.loose_client.list_domains, "BadRequestException", 400,
                               "MaxResults", MaxResults=0)
        self.assertClientError(self.loose_client.list_domains, "BadRequestException", 400,
                               "MaxResults", MaxResults=101)
        self.assertLessEqual(len(self.client.list_domains(MaxResults=100).get("Items", [])), 100)


class TagTest(ServerTestCase):
    def test_tags_given_at_create_are_listed(self):
        name = self.create_domain(Tags={"a": "1", "b": "2"})
        resp = self.client.list_tags_for_resource(resourceArn=domain_arn(name))
        self.assertEqual(resp["tags"], {"a": "1", "b": "2"})

    def test_tag_untag_list(self):
        name = self.create_domain(Tags={"a": "1"})
        arn = domain_arn(name)
        r = self.client.tag_resource(resourceArn=arn, tags={"b": "2", "c": "3"})
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertEqual(self.client.list_tags_for_resource(resourceArn=arn)["tags"],
                         {"a": "1", "b": "2", "c": "3"})
        # Tagging an existing key replaces its value.
        self.client.tag_resource(resourceArn=arn, tags={"a": "one"})
        self.assertEqual(self.client.list_tags_for_resource(resourceArn=arn)["tags"],
                         {"a": "one", "b": "2", "c": "3"})
        r = self.client.untag_resource(resourceArn=arn, tagKeys=["b", "zz-not-there"])
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertEqual(self.client.list_tags_for_resource(resourceArn=arn)["tags"],
                         {"a": "one", "c": "3"})
        # GetDomain shows the same tags.
        self.assertEqual(self.client.get_domain(DomainName=name)["Tags"], {"a": "one", "c": "3"})
        self.client.untag_resource(resourceArn=arn, tagKeys=["a", "c"])
        self.assertEqual(self.client.list_tags_for_resource(resourceArn=arn).get("tags", {}), {})

    def test_tag_values_may_be_empty_and_keys_use_allowed_punctuation(self):
        name = self.create_domain()
        arn = domain_arn(name)
        tags = {"k.e_y:/=+-": "", "Name": "v a l u e"}
        self.client.tag_resource(resourceArn=arn, tags=tags)
        self.assertEqual(self.client.list_tags_for_resource(resourceArn=arn)["tags"], tags)

    def test_aws_prefixed_tag_key_is_rejected(self):
        name = self.create_domain()
        self.assertClientError(self.client.tag_resource, "BadRequestException", 400,
                               resourceArn=domain_arn(name), tags={"aws:reserved": "x"})

    def test_tags_on_unknown_domain_arn(self):
        arn = domain_arn(unique_name("ghost"))
        self.assertClientError(self.client.tag_resource, "ResourceNotFoundException", 404,
                               resourceArn=arn, tags={"a": "1"})
        self.assertClientError(self.client.list_tags_for_resource, "ResourceNotFoundException",
                               404, resourceArn=arn)
        self.assertClientError(self.client.untag_resource, "ResourceNotFoundException", 404,
                               resourceArn=arn, tagKeys=["a"])

    def test_malformed_arn_is_bad_request(self):
        self.assertClientError(self.client.list_tags_for_resource, "BadRequestException", 400,
                               resourceArn="arn:aws:s3:::bucket")
        self.assertClientError(self.client.tag_resource, "BadRequestException", 400,
                               resourceArn="not-an-arn", tags={"a": "1"})

    def test_too_many_tags(self):
        name = self.create_domain()
        arn = domain_arn(name)
        self.client.tag_resource(resourceArn=arn, tags={f"k{i}": "v" for i in range(50)})
        self.assertEqual(len(self.client.list_tags_for_resource(resourceArn=arn)["tags"]), 50)
        self.assertClientError(self.loose_client.tag_resource, "BadRequestException", 400,
                               resourceArn=arn, tags={f"x{i}": "v" for i in range(51)})
        # Adding a 51st key to 50 is refused as well and leaves the 50.
        with self.assertRaises(ClientError) as cm:
            self.client.tag_resource(resourceArn=arn, tags={"one-more": "v"})
        self.assertEqual(cm.exception.response["Error"]["Code"], "BadRequestException")
        self.assertEqual(len(self.client.list_tags_for_resource(resourceArn=arn)["tags"]), 50)

    def test_tags_follow_the_domain_name_in_the_arn(self):
        a = self.create_domain(Tags={"who": "a"})
        b = self.create_domain(Tags={"who": "b"})
        self.assertEqual(self.client.list_tags_for_resource(resourceArn=domain_arn(a))["tags"],
                         {"who": "a"})
        self.assertEqual(self.client.list_tags_for_resource(resourceArn=domain_arn(b))["tags"],
                         {"who": "b"})


if __name__ == "__main__":
    unittest.main()
