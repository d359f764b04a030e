"""Several profiled processes sharing one PostgreSQL database (the scale-out setup): what one
writes the other reads at once, and concurrent updates through both all take effect.
Only for PROFILED_TEST_STORE=postgres; the embedded store belongs to one process."""

import unittest

from harness import ServerProcess, ServerTestCase, unique_name, unique_value
from helpers import run_together


class SharedDatabaseTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if cls.store.kind != "postgres":
            cls.server.stop()
            cls.store.cleanup()
            raise unittest.SkipTest("several processes share a store only on PostgreSQL")
        cls.second = ServerProcess(cls.store).start()
        cls.client2 = cls.second.client()

    @classmethod
    def tearDownClass(cls):
        second = getattr(cls, "second", None)
        if second is not None and second.alive():
            second.stop()
        super().tearDownClass()

    def test_writes_on_one_are_read_on_the_other(self):
        name = unique_name("mp")
        self.client.create_domain(DomainName=name, DefaultExpirationDays=12)
        self.assertEqual(self.client2.get_domain(DomainName=name)["DefaultExpirationDays"], 12)
        email = f"{unique_value('mp')}@example.com"
        pid = self.client2.create_profile(DomainName=name, EmailAddress=email)["ProfileId"]
        items = self.client.search_profiles(DomainName=name, KeyName="_email",
                                            Values=[email])["Items"]
        self.assertEqual([i["ProfileId"] for i in items], [pid])
        self.client.update_profile(DomainName=name, ProfileId=pid, EmailAddress="")
        self.assertEqual(self.client2.search_profiles(DomainName=name, KeyName="_email",
                                                      Values=[email]).get("Items", []), [])
        self.client2.delete_domain(DomainName=name)
        self.assertClientError(self.client.get_domain, "ResourceNotFoundException", 404,
                               DomainName=name)

    def test_concurrent_updates_through_both_processes(self):
        name = unique_name("mpc")
        self.client.create_domain(DomainName=name, DefaultExpirationDays=12)
        pid = self.client.create_profile(DomainName=name)["ProfileId"]
        n = 16
        servers = [self.server, self.second]
        clients = [servers[i % 2].client() for i in range(n)]

        def work(i):
            clients[i].update_profile(DomainName=name, ProfileId=pid,
                                      Attributes={f"k{i:02d}": str(i)})

        self.assertEqual(run_together(n, work), [])
        for c in (self.client, self.client2):
            items = c.search_profiles(DomainName=name, KeyName="_profileId", Values=[pid])["Items"]
            self.assertEqual(items[0]["Attributes"], {f"k{i:02d}": str(i) for i in range(n)})


if __name__ == "__main__":
    unittest.main()
