"""Durability: what a client was told is stored survives a clean restart (SIGTERM) and a kill -9
right after the acknowledgement, on the same data directory or PostgreSQL database."""

import signal
import unittest
import uuid

from harness import ServerTestCase, domain_arn, epoch, unique_name, unique_value

KMS_KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


class RestartTest(ServerTestCase):
    def _write_some(self):
        name = unique_name("dur")
        created = self.client.create_domain(DomainName=name, DefaultExpirationDays=400,
                                            DefaultEncryptionKey=KMS_KEY, Tags={"k": "v"})
        email = f"{unique_value('e')}@example.com"
        pid = self.create_profile(name, FirstName="Dura", LastName="Ble", EmailAddress=email,
                                  Address={"City": "Oslo", "Country": "NO"},
                                  Attributes={"a": "1"})
        self.client.update_profile(DomainName=name, ProfileId=pid, Attributes={"b": "2"},
                                   Address={"City": "Bergen"})
        self.client.add_profile_key(DomainName=name, ProfileId=pid, KeyName="member",
                                    Values=["M-1"])
        self.client.tag_resource(resourceArn=domain_arn(name), tags={"k2": "v2"})
        return name, pid, email, created

    def _check_some(self, name, pid, email, created):
        got = self.client.get_domain(DomainName=name)
        self.assertEqual(got["DefaultExpirationDays"], 400)
        self.assertEqual(got["DefaultEncryptionKey"], KMS_KEY)
        self.assertEqual(epoch(got["CreatedAt"]), epoch(created["CreatedAt"]))
        self.assertEqual(got["Stats"]["ProfileCount"], 1)
        self.assertEqual(self.client.list_tags_for_resource(resourceArn=domain_arn(name))["tags"],
                         {"k": "v", "k2": "v2"})
        expected = {"ProfileId": pid, "FirstName": "Dura", "LastName": "Ble",
                    "EmailAddress": email, "Address": {"City": "Bergen", "Country": "NO"},
                    "Attributes": {"a": "1", "b": "2"}}
        for key, value in (("_profileId", pid), ("_email", email), ("member", "M-1"),
                           ("_fullName", "Dura Ble")):
            with self.subTest(key=key):
                items = self.client.search_profiles(DomainName=name, KeyName=key,
                                                    Values=[value]).get("Items", [])
                self.assertEqual(len(items), 1, items)
                item = dict(items[0])
                item.pop("FoundByItems", None)
                self.assertEqual(item, expected)
        names = [d["DomainName"] for d in self.client.list_domains(MaxResults=100)["Items"]]
        self.assertIn(name, names)

    def test_clean_restart_keeps_everything(self):
        state = self._write_some()
        rc = self.restart_server()
        self.assertEqual(rc, 0, f"SIGTERM exit code:\n{self.server.log_tail()}")
        self._check_some(*state)

    def test_kill9_right_after_acknowledged_writes(self):
        for _ in range(3):
            state = self._write_some()
            rc = self.restart_server(kill=True)
            self.assertEqual(rc, -signal.SIGKILL)
            self._check_some(*state)

    def test_kill9_after_a_single_create(self):
        name = unique_name("k9")
        self.client.create_domain(DomainName=name, DefaultExpirationDays=9)
        self.restart_server(kill=True)
        self.assertEqual(self.client.get_domain(DomainName=name)["DefaultExpirationDays"], 9)
        pid = self.create_profile(name, FirstName="Quick")
        self.restart_server(kill=True)
        items = self.client.search_profiles(DomainName=name, KeyName="_profileId",
                                            Values=[pid])["Items"]
        self.assertEqual([i["FirstName"] for i in items], ["Quick"])

    def test_deletes_survive_a_restart(self):
        keep = self.create_domain()
        gone = self.create_domain()
        pid = self.create_profile(keep, FirstName="Gone")
        self.client.delete_profile(DomainName=keep, ProfileId=pid)
        self.client.delete_domain(DomainName=gone)
        self.restart_server(kill=True)
        self.assertClientError(self.client.get_domain, "ResourceNotFoundException", 404,
                               DomainName=gone)
        self.assertEqual(self.client.search_profiles(DomainName=keep, KeyName="_profileId",
                                                     Values=[pid]).get("Items", []), [])
        self.assertEqual(self.client.get_domain(DomainName=keep)["Stats"]["ProfileCount"], 0)

    def test_many_writes_then_kill9(self):
        name = self.create_domain()
        ids = [self.create_profile(name, AccountNumber="bulk", FirstName=str(i))
               for i in range(40)]
        self.restart_server(kill=True)
        seen, token = [], None
        while True:
            kw = {"MaxResults": 100}
            if token:
                kw["NextToken"] = token
            resp = self.client.search_profiles(DomainName=name, KeyName="_account",
                                               Values=["bulk"], **kw)
            seen += [i["ProfileId"] for i in resp.get("Items", [])]
            token = resp.get("NextToken")
            if not token:
                break
        self.assertEqual(sorted(seen), sorted(ids))
        self.assertEqual(self.client.get_domain(DomainName=name)["Stats"]["ProfileCount"], 40)

    def test_history_survives_restart(self):
        name = self.create_domain()
        pid = self.create_profile(name, FirstName="H")
        self.client.update_profile(DomainName=name, ProfileId=pid, FirstName="H2")
        self.restart_server()
        records = self.client.list_profile_history_records(
            DomainName=name, ProfileId=pid)["ProfileHistoryRecords"]
        self.assertEqual(sorted(r["ActionType"] for r in records), ["CREATED", "UPDATED"])
        self.assertTrue(all(len(r["Id"]) == 32 for r in records))
        self.assertNotEqual(uuid.UUID(records[0]["Id"]), None)


if __name__ == "__main__":
    unittest.main()
