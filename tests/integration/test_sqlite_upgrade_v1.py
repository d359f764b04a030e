"""A data directory written before store v2 opens with the current binary, and keeps working.

fixtures/v1-data holds a profiled.db made by the server at commit 5370e6a (history records keyed
`{ProfileId}/{Id}`, random ProfileIds). The current server must serve every profile, key, object
and history record in it, append new history after the old, and keep a deleted profile's history.
Embedded store only: the file is a SQLite database. The server starts without `--store`, as a
user's existing start-up command would: the default (`auto`) must find profiled.db and open it with
SQLite, not start an empty RocksDB store beside it; a new data directory gets RocksDB.
"""

import json
import os
import shutil
import subprocess
import tempfile
import unittest

from harness import ServerProcess, StoreFixture, profiled_bin

FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "v1-data")


class UpgradeFromV1(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.store = StoreFixture("upgrade-v1")
        if cls.store.kind != "sqlite":
            cls.store.cleanup()
            raise unittest.SkipTest("a v1 data directory is a SQLite file")
        os.makedirs(cls.store.data_dir)
        shutil.copy(os.path.join(FIXTURE, "profiled.db"), cls.store.data_dir)
        with open(os.path.join(FIXTURE, "ids.json")) as f:
            cls.ids = json.load(f)
        cls.store.store_url = None  # the default, `--store auto`
        cls.server = ServerProcess(cls.store).start()
        cls.c = cls.server.client()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.store.cleanup()

    def test_the_default_store_opens_the_existing_sqlite_file(self):
        # (and the other tests find the v1 data in it)
        self.assertFalse(os.path.exists(os.path.join(self.store.data_dir, "profiled.rocksdb")))

    def history(self, profile_id):
        return self.c.list_profile_history_records(
            DomainName="v1", ProfileId=profile_id)["ProfileHistoryRecords"]

    def test_profiles_keys_and_objects_are_served(self):
        ada = self.ids["ada"]
        found = self.c.search_profiles(DomainName="v1", KeyName="_email",
                                       Values=["ada@example.com"])["Items"]
        self.assertEqual([p["ProfileId"] for p in found], [ada])
        self.assertEqual(found[0]["Address"], {"City": "Paris", "Country": "UK"})
        by_key = self.c.search_profiles(DomainName="v1", KeyName="loyaltyId", Values=["L-1"])
        self.assertEqual([p["ProfileId"] for p in by_key["Items"]], [ada])
        objects = self.c.list_profile_objects(DomainName="v1", ObjectTypeName="Order",
                                              ProfileId=ada)["Items"]
        self.assertEqual(len(objects), 1)
        self.assertEqual(json.loads(objects[0]["Object"])["id"], "o-1")
        tags = self.c.list_tags_for_resource(
            resourceArn="arn:aws:profile:us-east-1:123456789012:domains/v1")["tags"]
        self.assertEqual(tags, {"team": "crm"})
        self.assertEqual(self.c.get_domain(DomainName="v1")["Stats"]["ProfileCount"], 1)

    def test_old_history_then_new_history_in_order(self):
        ada = self.ids["ada"]
        before = self.history(ada)
        self.assertEqual([r["ActionType"] for r in before],
                         ["CREATED", "UPDATED", "ADDED_PROFILE_KEY", "INGESTED"])
        old = self.c.get_profile_history_record(DomainName="v1", ProfileId=ada, Id=before[1]["Id"])
        self.assertEqual(json.loads(old["Content"])["Address"]["City"], "Paris")

        self.c.update_profile(DomainName="v1", ProfileId=ada, Attributes={"tier": "platinum"})
        after = self.history(ada)
        self.assertEqual([r["Id"] for r in after[:4]], [r["Id"] for r in before])
        self.assertEqual(after[4]["ActionType"], "UPDATED")
        self.assertGreater(after[4]["Id"], after[3]["Id"])
        new = self.c.get_profile_history_record(DomainName="v1", ProfileId=ada, Id=after[4]["Id"])
        self.assertEqual(json.loads(new["Content"])["Attributes"], {"tier": "platinum"})

    def test_a_profile_deleted_before_the_upgrade_keeps_its_history(self):
        bob = self.ids["bob"]
        self.assertEqual([r["ActionType"] for r in self.history(bob)],
                         ["CREATED", "DELETED_BY_CUSTOMER"])
        gone = self.c.batch_get_profile(DomainName="v1", ProfileIds=[bob])
        self.assertEqual(gone["Profiles"], [])

    def test_new_profiles_beside_old_ones(self):
        new_id = self.c.create_profile(DomainName="v1", FirstName="Cy",
                                       EmailAddress="cy@example.com")["ProfileId"]
        self.assertRegex(new_id, r"^[0-9a-f]{32}$")
        self.c.delete_profile(DomainName="v1", ProfileId=new_id)
        self.assertEqual([r["ActionType"] for r in self.history(new_id)],
                         ["CREATED", "DELETED_BY_CUSTOMER"])


def built_with_rocksdb():
    """Whether this binary has the RocksDB store (a build option, on by default)."""
    with tempfile.TemporaryDirectory() as d:
        r = subprocess.run([profiled_bin(), "export", "--store", "rocksdb", "--data-dir", d,
                            "--domain-name", "none", os.devnull], capture_output=True, text=True)
    return "no RocksDB store" not in r.stderr


class NewDataDirectoryDefault(unittest.TestCase):
    """Without `--store`, a new data directory gets the RocksDB store, and keeps it on restart."""

    def test_a_new_directory_gets_rocksdb_and_keeps_it(self):
        if not built_with_rocksdb():
            self.skipTest("this build has no RocksDB store: the default is SQLite")
        store = StoreFixture("default-new")
        store.store_url = None
        server = ServerProcess(store).start()
        try:
            c = server.client()
            c.create_domain(DomainName="fresh", DefaultExpirationDays=30)
            pid = c.create_profile(DomainName="fresh", FirstName="Di")["ProfileId"]
            self.assertTrue(os.path.isdir(os.path.join(store.data_dir, "profiled.rocksdb")))
            self.assertFalse(os.path.exists(os.path.join(store.data_dir, "profiled.db")))
            server.restart()
            found = server.client().search_profiles(DomainName="fresh", KeyName="_profileId",
                                                    Values=[pid])["Items"]
            self.assertEqual([p["FirstName"] for p in found], ["Di"])
        finally:
            server.stop()
            store.cleanup()


if __name__ == "__main__":
    unittest.main()
