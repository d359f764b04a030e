"""Scale-out: three `profiled` processes on one PostgreSQL database, driven concurrently.

Every call is spread over the three processes so that writes to one profile or one domain name
race between processes, where only the database can serialize them:
- UpdateProfile of 3 profiles x 60 attributes from many threads: every attribute is on every
  profile afterwards (no lost update), seen through each process, and each profile's history has
  one record per acknowledged call;
- AddProfileKey likewise: every key value finds its profile through each process;
- CreateDomain of one name raced through the three: exactly one call succeeds, the others get
  BadRequestException, and the stored domain is the winner's.

With PROFILED_TEST_STORE=sqlite the embedded store belongs to one process, so the same tests run
with the three "servers" being one process reached through three sets of clients (still the same
races, serialized by the SQLite writer instead of PostgreSQL row locks).
"""

import queue
import threading
import time
import unittest

from harness import ClientError, ServerProcess, ServerTestCase, unique_name
from helpers import ClientFactory, pages

N_SERVERS = 3
N_PROFILES = 3
N_ATTRIBUTES = 60
N_THREADS = 18
JOIN_TIMEOUT = 180  # seconds for a whole concurrent phase; a hang fails instead of blocking ctest


class ScaleOutTestCase(ServerTestCase):
    """The class's server plus two more processes on the same database (postgres), or the one
    process three times (sqlite)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.factory = ClientFactory()
        cls._main_clients = {}
        cls.others = []
        if cls.store.kind == "postgres":
            try:
                for _ in range(N_SERVERS - 1):
                    cls.others.append(ServerProcess(cls.store).start())
            except Exception:
                cls.tearDownClass()
                raise
            cls.servers = [cls.server] + cls.others
        else:
            cls.servers = [cls.server] * N_SERVERS
        ports = {s.port for s in cls.servers}
        expected = N_SERVERS if cls.store.kind == "postgres" else 1
        assert len(ports) == expected, f"expected {expected} distinct processes, got ports {ports}"

    @classmethod
    def tearDownClass(cls):
        errors = []
        for other in getattr(cls, "others", []):
            try:
                if other.alive():
                    rc = other.stop()
                    if rc != 0:
                        errors.append(f"a second process exited with {rc}")
            except Exception as e:  # keep stopping the rest
                errors.append(repr(e))
        super().tearDownClass()
        if errors:
            raise RuntimeError("; ".join(errors))

    def tearDown(self):
        # A process that died during a test would make every later check misleading.
        for i, s in enumerate(self.servers):
            self.assertTrue(s.alive(), f"server {i} (port {s.port}) is no longer running")
        super().tearDown()

    # Helpers ---------------------------------------------------------------------------------

    def on(self, server_index):
        """A client of server server_index for the test's own thread."""
        c = self._main_clients.get(server_index)
        if c is None:
            c = self._main_clients[server_index] = self.factory.client(self.servers[server_index])
        return c

    def run_concurrently(self, tasks, call, n_threads=N_THREADS):
        """Runs call(clients, task) for every task from n_threads threads, each with its own client
        per server, all starting at once. Returns the list of (task, exception) failures."""
        clients = [[self.factory.client(s) for s in self.servers] for _ in range(n_threads)]
        work = queue.Queue()
        for t in tasks:
            work.put(t)
        barrier = threading.Barrier(n_threads)
        failures = []
        lock = threading.Lock()

        def worker(i):
            try:
                barrier.wait(60)
            except threading.BrokenBarrierError:
                return
            while True:
                try:
                    task = work.get_nowait()
                except queue.Empty:
                    return
                try:
                    call(clients[i], task)
                except Exception as e:  # recorded; the test asserts there are none
                    with lock:
                        failures.append((task, repr(e)))

        threads = [threading.Thread(target=worker, args=(i,), daemon=True)
                   for i in range(n_threads)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + JOIN_TIMEOUT
        for t in threads:
            t.join(max(0.0, deadline - time.monotonic()))
        stuck = sum(t.is_alive() for t in threads)
        self.assertEqual(stuck, 0, f"{stuck} client threads still waiting after {JOIN_TIMEOUT}s")
        return failures

    def profile_through(self, server_index, domain, pid):
        client = self.on(server_index)
        items = client.search_profiles(DomainName=domain, KeyName="_profileId",
                                       Values=[pid]).get("Items", [])
        self.assertEqual(len(items), 1, f"server {server_index}: {pid} found {len(items)} times")
        return items[0]

    def history_through(self, server_index, domain, pid):
        client = self.on(server_index)
        records = []
        for page in pages(client.list_profile_history_records, 100, DomainName=domain,
                          ProfileId=pid):
            records += page["ProfileHistoryRecords"]
        return records


class ConcurrentWritesAcrossProcessesTest(ScaleOutTestCase):
    def test_updates_of_the_same_profiles_through_three_processes_lose_nothing(self):
        domain = self.create_domain(unique_name("so-upd"))
        pids = [self.on(p % N_SERVERS).create_profile(
                    DomainName=domain, FirstName=f"P{p}")["ProfileId"] for p in range(N_PROFILES)]
        # Attribute a of profile p goes to server (a + p) % 3: each profile is written through
        # every process, and each process writes every profile. Interleaved by attribute so that
        # the calls in flight at any moment touch all profiles.
        tasks = [(p, a) for a in range(N_ATTRIBUTES) for p in range(N_PROFILES)]

        def update(clients, task):
            p, a = task
            clients[(a + p) % N_SERVERS].update_profile(
                DomainName=domain, ProfileId=pids[p], Attributes={f"attr{a:02d}": f"{p}-{a}"})

        failures = self.run_concurrently(tasks, update)
        self.assertEqual(failures, [], "every UpdateProfile must succeed")

        for p, pid in enumerate(pids):
            expected = {f"attr{a:02d}": f"{p}-{a}" for a in range(N_ATTRIBUTES)}
            for s in range(N_SERVERS):
                with self.subTest(profile=p, server=s):
                    profile = self.profile_through(s, domain, pid)
                    self.assertEqual(profile.get("Attributes", {}), expected)
                    self.assertEqual(profile.get("FirstName"), f"P{p}")
                    history = self.history_through(s, domain, pid)
                    actions = sorted(r["ActionType"] for r in history)
                    self.assertEqual(actions, ["CREATED"] + ["UPDATED"] * N_ATTRIBUTES)
                    self.assertEqual(len({r["Id"] for r in history}), N_ATTRIBUTES + 1,
                                     "history record ids must be distinct")

    def test_add_profile_key_through_three_processes_keeps_every_key(self):
        domain = self.create_domain(unique_name("so-key"))
        pids = [self.on(p % N_SERVERS).create_profile(
                    DomainName=domain, FirstName=f"K{p}")["ProfileId"] for p in range(N_PROFILES)]
        n_keys = 40
        tasks = [(p, k) for k in range(n_keys) for p in range(N_PROFILES)]

        def add_key(clients, task):
            p, k = task
            clients[(k + p) % N_SERVERS].add_profile_key(
                DomainName=domain, ProfileId=pids[p], KeyName="ticket", Values=[f"T-{p}-{k}"])

        failures = self.run_concurrently(tasks, add_key)
        self.assertEqual(failures, [], "every AddProfileKey must succeed")

        for s in range(N_SERVERS):
            client = self.on(s)
            missing = []
            for p, pid in enumerate(pids):
                for k in range(n_keys):
                    items = client.search_profiles(DomainName=domain, KeyName="ticket",
                                                   Values=[f"T-{p}-{k}"]).get("Items", [])
                    if [i["ProfileId"] for i in items] != [pid]:
                        missing.append((p, k, [i["ProfileId"] for i in items]))
            self.assertEqual(missing, [], f"keys not found (or found on the wrong profile) "
                                          f"through server {s}")
        for p, pid in enumerate(pids):
            history = self.history_through(p % N_SERVERS, domain, pid)
            self.assertEqual(sum(r["ActionType"] == "ADDED_PROFILE_KEY" for r in history), n_keys)

    def test_updates_and_key_adds_mixed_on_the_same_profiles(self):
        # Two kinds of read-modify-write of one document racing each other across processes.
        domain = self.create_domain(unique_name("so-mix"))
        pids = [self.client.create_profile(DomainName=domain)["ProfileId"]
                for _ in range(N_PROFILES)]
        n = 30
        tasks = [(kind, p, i) for i in range(n) for p in range(N_PROFILES)
                 for kind in ("attr", "key")]

        def call(clients, task):
            kind, p, i = task
            c = clients[(i + p + (kind == "key")) % N_SERVERS]
            if kind == "attr":
                c.update_profile(DomainName=domain, ProfileId=pids[p],
                                 Attributes={f"m{i:02d}": str(i)})
            else:
                c.add_profile_key(DomainName=domain, ProfileId=pids[p], KeyName="loyaltyId",
                                  Values=[f"L-{p}-{i}"])

        failures = self.run_concurrently(tasks, call)
        self.assertEqual(failures, [])
        for p, pid in enumerate(pids):
            for s in range(N_SERVERS):
                with self.subTest(profile=p, server=s):
                    profile = self.profile_through(s, domain, pid)
                    self.assertEqual(profile.get("Attributes", {}),
                                     {f"m{i:02d}": str(i) for i in range(n)})
                    client = self.on(s)
                    for i in range(0, n, 7):
                        items = client.search_profiles(DomainName=domain, KeyName="loyaltyId",
                                                       Values=[f"L-{p}-{i}"]).get("Items", [])
                        self.assertEqual([x["ProfileId"] for x in items], [pid])


class CreateDomainRaceTest(ScaleOutTestCase):
    def test_same_domain_created_through_three_processes_once(self):
        rounds = 12
        racers_per_server = 2
        n = N_SERVERS * racers_per_server
        clients = [self.factory.client(self.servers[i % N_SERVERS]) for i in range(n)]
        for r in range(rounds):
            name = unique_name("so-race")
            barrier = threading.Barrier(n)
            results = [None] * n

            def create(i):
                try:
                    barrier.wait(30)
                    clients[i].create_domain(DomainName=name, DefaultExpirationDays=100 + i)
                    results[i] = "ok"
                except ClientError as e:
                    err = e.response
                    results[i] = (err.get("Error", {}).get("Code"),
                                  err.get("ResponseMetadata", {}).get("HTTPStatusCode"))
                except Exception as e:
                    results[i] = repr(e)

            threads = [threading.Thread(target=create, args=(i,), daemon=True) for i in range(n)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            self.assertFalse(any(t.is_alive() for t in threads), "a CreateDomain call hung")
            winners = [i for i, res in enumerate(results) if res == "ok"]
            with self.subTest(round=r):
                self.assertEqual(len(winners), 1, f"exactly one CreateDomain must win: {results}")
                losers = [res for res in results if res != "ok"]
                self.assertEqual(losers, [("BadRequestException", 400)] * (n - 1), results)
                # Every process sees the one domain, with the winner's settings.
                for s in range(N_SERVERS):
                    got = self.on(s).get_domain(DomainName=name)
                    self.assertEqual(got["DefaultExpirationDays"], 100 + winners[0])
                self.assertEqual([d for d in self.all_domain_names() if d == name], [name])

    def all_domain_names(self):
        names = []
        for page in pages(self.client.list_domains, 100):
            names += [d["DomainName"] for d in page.get("Items", [])]
        return names

    def test_domain_deleted_through_one_is_gone_for_all(self):
        name = unique_name("so-del")
        self.on(0).create_domain(DomainName=name, DefaultExpirationDays=5)
        pid = self.on(1).create_profile(DomainName=name)["ProfileId"]
        self.on(2).delete_domain(DomainName=name)
        for s in range(N_SERVERS):
            self.assertClientError(self.on(s).get_domain,
                                   "ResourceNotFoundException", 404, DomainName=name)
        # Recreated through another process: empty, the old profile does not come back.
        self.on(1).create_domain(DomainName=name, DefaultExpirationDays=6)
        items = self.on(0).search_profiles(
            DomainName=name, KeyName="_profileId", Values=[pid]).get("Items", [])
        self.assertEqual(items, [])


class PagingAcrossProcessesTest(ScaleOutTestCase):
    """Behind a load balancer without sticky sessions each page may come from another process,
    so a NextToken made by one must be honoured by the others."""

    def pages(self, op, items_key, **kwargs):
        seen, token, i = [], None, 0
        while True:
            args = dict(kwargs, MaxResults=2)
            if token:
                args["NextToken"] = token
            page = getattr(self.on(i % N_SERVERS), op)(**args)
            seen += page.get(items_key, [])
            token = page.get("NextToken")
            i += 1
            if not token:
                return seen, i

    def test_list_domains_paged_through_alternating_processes(self):
        names = sorted(unique_name("so-page") for _ in range(7))
        for i, name in enumerate(names):
            self.on(i % N_SERVERS).create_domain(DomainName=name, DefaultExpirationDays=3)
        items, n_pages = self.pages("list_domains", "Items")
        listed = [d["DomainName"] for d in items]
        self.assertEqual(len(listed), len(set(listed)), f"a domain was listed twice: {listed}")
        self.assertEqual([n for n in listed if n in names], names)
        self.assertGreaterEqual(n_pages, 4)

    def test_search_paged_through_alternating_processes(self):
        domain = self.create_domain(unique_name("so-psearch"))
        pids = sorted(self.on(i % N_SERVERS).create_profile(
                          DomainName=domain, AccountNumber="shared-acct")["ProfileId"]
                      for i in range(9))
        items, n_pages = self.pages("search_profiles", "Items", DomainName=domain,
                                    KeyName="_account", Values=["shared-acct"])
        self.assertEqual(sorted(i["ProfileId"] for i in items), pids)
        self.assertGreaterEqual(n_pages, 5)


if __name__ == "__main__":
    unittest.main()
