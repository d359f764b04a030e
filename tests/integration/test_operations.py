"""Issue 15 for the people who run Profiled: /health, /ready and /metrics (unsigned, in front of
the API), --metrics off / --metrics-listen, --log-format json, --store memory, and
`profiled snapshot save|load` while the server runs (docs/operations.md)."""

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request

from harness import (ACCOUNT, ServerProcess, ServerTestCase, StoreFixture, metric_samples,
                     profiled_bin, unique_name)


def get(port, path):
    """An unsigned GET: (status, body)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def wait_for_line(server, pattern, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open(server.store.log_path, "rb") as f:
            m = re.search(pattern, f.read())
        if m:
            return m
        time.sleep(0.05)
    raise AssertionError(f"{pattern!r} not in the server log:\n{server.log_tail()}")


SAMPLE = re.compile(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? '
                    r'(-?[0-9.]+(?:e[+-]?[0-9]+)?|\+Inf|NaN)$')


def families(text):
    """Prometheus text format 0.0.4, parsed strictly: {family: (type, {sample_key: value})}.
    Every sample follows its family's HELP and TYPE lines, under the family's name (a histogram's
    as name_bucket, name_sum, name_count); histogram buckets are cumulative and end at +Inf, equal
    to the count."""
    out = {}
    current = None
    for line in text.splitlines():
        if line.startswith("# HELP "):
            current = line.split(" ", 3)[2]
            assert current not in out, f"family {current} twice"
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            assert name == current, f"TYPE {name} without its HELP"
            assert kind in ("counter", "gauge", "histogram"), line
            out[name] = (kind, {})
            continue
        m = SAMPLE.match(line)
        assert m, f"not a sample line: {line!r}"
        name = m.group(1)
        kind, got = out[current]
        allowed = ({current + s for s in ("_bucket", "_sum", "_count")} if kind == "histogram"
                   else {current})
        assert name in allowed, f"{name} under the family {current}"
        got[name + (m.group(2) or "")] = float(m.group(3))
    for name, (kind, got) in out.items():
        if kind != "histogram":
            continue
        series = {}
        for key, value in got.items():
            if key.startswith(name + "_bucket"):
                labels = re.sub(r',?le="[^"]*"', "", key[len(name + "_bucket"):])
                series.setdefault(labels, []).append((key, value))
        for labels, buckets in series.items():
            values = [v for _, v in buckets]
            assert values == sorted(values), f"{name}{labels} buckets not cumulative"
            assert 'le="+Inf"' in buckets[-1][0], f"{name}{labels} does not end at +Inf"
            count_key = name + "_count" + (labels if labels != "{}" else "")
            assert got[count_key] == values[-1], f"{name}{labels}: +Inf bucket != count"
    return out


class HealthAndMetricsTest(ServerTestCase):
    # Issue 15's list: each family and its type.
    ISSUE_FAMILIES = {
        "profiled_requests_total": "counter",  # by operation and status
        "profiled_request_duration_seconds": "histogram",  # per operation
        "profiled_requests_in_flight": "gauge",
        "profiled_store_write_transactions_total": "counter",
        "profiled_store_read_transactions_total": "counter",
        "profiled_store_commit_batch_size": "histogram",
        "profiled_domain_profiles": "gauge",
        "profiled_domain_objects": "gauge",
        "process_resident_memory_bytes": "gauge",
        "profiled_open_connections": "gauge",
    }

    def test_every_family_the_issue_names_is_there_in_valid_text_format(self):
        domain = self.create_domain()
        self.client.put_profile_object_type(
            DomainName=domain, ObjectTypeName="Orders", Description="orders",
            Fields={"id": {"Source": "_source.id", "Target": "_order.id"},
                    "email": {"Source": "_source.email", "Target": "_profile.EmailAddress"}},
            Keys={"_orderId": [{"StandardIdentifiers": ["UNIQUE"], "FieldNames": ["id"]}],
                  "_email": [{"StandardIdentifiers": ["PROFILE"], "FieldNames": ["email"]}]},
            AllowProfileCreation=True)
        for i in range(3):
            self.client.put_profile_object(DomainName=domain, ObjectTypeName="Orders",
                                           Object=json.dumps({"id": f"o{i}",
                                                              "email": "ada@example.com"}))
        status, text = get(self.server.port, "/metrics")
        self.assertEqual(status, 200)
        got = families(text)
        want = dict(self.ISSUE_FAMILIES)
        if self.store.kind != "postgres":  # PostgreSQL's WAL is the server's, not Profiled's
            want["profiled_store_wal_bytes"] = "gauge"
        for name, kind in want.items():
            self.assertIn(name, got)
            self.assertEqual(got[name][0], kind, name)
        labels = f'{{account="{ACCOUNT}",domain="{domain}"}}'
        self.assertEqual(got["profiled_domain_objects"][1]["profiled_domain_objects" + labels], 3)
        self.assertEqual(got["profiled_domain_profiles"][1]["profiled_domain_profiles" + labels], 1)
        self.assertEqual(got["profiled_requests_total"][1][
            'profiled_requests_total{operation="PutProfileObject",code="200"}'], 3)
        self.assertIn('profiled_request_duration_seconds_bucket{operation="PutProfileObject",'
                      'le="0.0005"}', got["profiled_request_duration_seconds"][1])

class HealthAndMetricsTest(ServerTestCase):
    def test_health_and_ready_answer_unsigned(self):
        self.assertEqual(get(self.server.port, "/health"), (200, "ok\n"))
        self.assertEqual(get(self.server.port, "/ready"), (200, "ready\n"))

    def test_metrics_move_with_sdk_calls(self):
        status, before_text = get(self.server.port, "/metrics")
        self.assertEqual(status, 200)
        before = metric_samples(before_text)
        domain = self.create_domain()
        ids = [self.create_profile(domain, FirstName=f"n{i}") for i in range(5)]
        with self.assertRaises(Exception):
            self.client.get_domain(DomainName=unique_name("missing"))
        after = metric_samples(get(self.server.port, "/metrics")[1])

        def delta(key):
            return after.get(key, 0) - before.get(key, 0)

        self.assertEqual(delta('profiled_requests_total{operation="CreateProfile",code="200"}'), 5)
        self.assertEqual(delta('profiled_requests_total{operation="GetDomain",code="404"}'), 1)
        self.assertEqual(
            delta('profiled_request_duration_seconds_count{operation="CreateProfile"}'), 5)
        self.assertEqual(
            delta('profiled_request_duration_seconds_bucket{operation="CreateProfile",le="+Inf"}'),
            5)
        self.assertGreaterEqual(delta("profiled_store_write_transactions_total"), 6)
        self.assertGreaterEqual(delta("profiled_store_commit_batch_size_count"), 1)
        self.assertEqual(
            after[f'profiled_domain_profiles{{account="{ACCOUNT}",domain="{domain}"}}'], len(ids))
        self.assertEqual(after["profiled_requests_in_flight"], 0)
        self.assertGreaterEqual(after["profiled_open_connections"], 1)  # the scrape's own
        self.assertGreater(after["process_resident_memory_bytes"], 1 << 20)
        if self.store.kind != "postgres":
            self.assertGreaterEqual(after["profiled_store_wal_bytes"], 0)
            self.assertIn("profiled_store_data_bytes", after)
        if self.store.kind == "rocksdb":  # start-up warming (--warm-cache-mib): bytes read so far
            self.assertGreaterEqual(after["profiled_store_warmed_bytes_total"], 0)
        else:
            self.assertNotIn("profiled_store_warmed_bytes_total", after)
        if self.store.kind == "rocksdb":  # the read cache (--read-cache-mib)
            self.assertGreaterEqual(after["profiled_store_read_cache_misses_total"], 0)
            hits = after["profiled_store_read_cache_hits_total"]
            for _ in range(2):  # the second search's lookups are answered by the cache
                found = self.client.search_profiles(DomainName=domain, KeyName="_profileId",
                                                    Values=[ids[0]])["Items"]
                self.assertEqual([p["ProfileId"] for p in found], [ids[0]])
            later = metric_samples(get(self.server.port, "/metrics")[1])
            self.assertGreaterEqual(later["profiled_store_read_cache_hits_total"], hits + 1)
        else:
            self.assertNotIn("profiled_store_read_cache_hits_total", after)

    def test_ops_paths_take_only_get(self):
        req = urllib.request.Request(f"http://127.0.0.1:{self.server.port}/metrics", data=b"x",
                                     method="POST")
        with self.assertRaises(urllib.error.HTTPError) as ctx:
            urllib.request.urlopen(req, timeout=30)
        self.assertEqual(ctx.exception.code, 405)


class MetricsOwnListenerTest(ServerTestCase):
    server_args = ("--metrics-listen", "127.0.0.1:0")

    def test_metrics_on_their_own_port_only(self):
        port = int(wait_for_line(self.server, rb"metrics port=(\d+)").group(1))
        self.create_domain()
        status, text = get(port, "/metrics")
        self.assertEqual(status, 200)
        self.assertIn('profiled_requests_total{operation="CreateDomain",code="200"} 1', text)
        self.assertEqual(get(port, "/ready")[0], 200)
        self.assertEqual(get(port, "/domains")[0], 404)
        # On the API listener /metrics is no longer served: the API answers it (unsigned: 403).
        status, body = get(self.server.port, "/metrics")
        self.assertNotEqual(status, 200)
        self.assertNotIn("profiled_requests_total", body)
        self.assertEqual(get(self.server.port, "/health")[0], 200)


class MetricsOffTest(ServerTestCase):
    server_args = ("--metrics", "off")

    def test_no_metrics(self):
        status, body = get(self.server.port, "/metrics")
        self.assertNotEqual(status, 200)
        self.assertNotIn("profiled_requests_total", body)
        self.assertEqual(get(self.server.port, "/ready")[0], 200)


class JsonLogServer(ServerProcess):
    def command(self):
        args = super().command()
        args[args.index("--log-level") + 1] = "info"
        return args + ["--log-format", "json"]


class JsonLogTest(unittest.TestCase):
    def test_every_line_is_a_json_object(self):
        store = StoreFixture("jsonlog")
        server = JsonLogServer(store).start()
        try:
            domain = unique_name("jl")
            server.client().create_domain(DomainName=domain, DefaultExpirationDays=1)
            wait_for_line(server, rb'"op":"CreateDomain"')
        finally:
            server.stop()
            with open(store.log_path, "rb") as f:
                lines = [l for l in f.read().decode().splitlines()
                         if l and not l.startswith("====") and "listening port=" not in l]
            store.cleanup()
        records = [json.loads(l) for l in lines]  # fails on any line that is not JSON
        access = [r for r in records if r.get("msg") == "access" and r.get("op") == "CreateDomain"]
        self.assertEqual(len(access), 1, records)
        self.assertEqual(access[0]["status"], 200)
        self.assertEqual(access[0]["method"], "POST")
        self.assertEqual(access[0]["path"], f"/domains/{domain}")
        self.assertIsInstance(access[0]["ms"], (int, float))
        self.assertEqual(access[0]["level"], "info")


class MemoryStoreTest(unittest.TestCase):
    def setUp(self):
        self.store = StoreFixture("memory")
        if self.store.kind != "rocksdb":
            self.store.cleanup()
            self.skipTest("--store memory is the RocksDB store; run once, with the RocksDB runs")
        self.store.store_url = "memory"

    def tearDown(self):
        self.store.cleanup()

    def test_serves_and_writes_nothing(self):
        server = ServerProcess(self.store).start()
        try:
            client = server.client()
            domain = unique_name("mem")
            client.create_domain(DomainName=domain, DefaultExpirationDays=1)
            pid = client.create_profile(DomainName=domain, FirstName="Ada")["ProfileId"]
            found = client.search_profiles(DomainName=domain, KeyName="_profileId", Values=[pid])
            self.assertEqual(found["Items"][0]["FirstName"], "Ada")
            self.assertEqual(client.get_domain(DomainName=domain)["Stats"]["ProfileCount"], 1)
            self.assertFalse(os.path.exists(self.store.data_dir), os.listdir(self.store.tmpdir))
            server.restart()
            names = [d["DomainName"] for d in server.client().list_domains()["Items"]]
            self.assertNotIn(domain, names, "a new process starts empty")
        finally:
            server.stop()
        self.assertFalse(os.path.exists(self.store.data_dir))


class SnapshotTest(ServerTestCase):
    def snapshot(self, verb, store, path):
        args = [profiled_bin(), "snapshot", verb, "--store", store.store_url]
        if store.kind != "postgres":
            args += ["--data-dir", store.data_dir]
        return subprocess.run(args + [path], capture_output=True, text=True, timeout=300)

    def test_save_while_serving_then_load_into_a_new_store(self):
        domain = self.create_domain()
        ids = [self.create_profile(domain, FirstName=f"f{i}", EmailAddress=f"p{i}@example.com",
                                   Attributes={"n": str(i)}) for i in range(60)]
        self.client.put_profile_object_type(
            DomainName=domain, ObjectTypeName="Orders", Description="orders",
            Fields={"id": {"Source": "_source.id", "Target": "_order.id"}},
            Keys={"_orderId": [{"StandardIdentifiers": ["UNIQUE"], "FieldNames": ["id"]}]},
            AllowProfileCreation=True)
        self.client.put_profile_object(DomainName=domain, ObjectTypeName="Orders",
                                       Object=json.dumps({"id": "o1"}))
        tmp = tempfile.mkdtemp(prefix="profiled-snap-")
        target = None
        server = None
        try:
            path = os.path.join(tmp, "fixture.snap")
            stats = self.client.get_domain(DomainName=domain)["Stats"]
            saved = self.snapshot("save", self.store, path)  # the server keeps running
            self.assertEqual(saved.returncode, 0, saved.stderr)
            self.assertRegex(saved.stderr, r"saved \d+ documents")
            self.assertTrue(self.server.alive())
            # The server still writes after the save.
            self.create_profile(domain, FirstName="after")

            target = StoreFixture("snapload")
            loaded = self.snapshot("load", target, path)
            self.assertEqual(loaded.returncode, 0, loaded.stderr)
            again = self.snapshot("load", target, path)
            self.assertNotEqual(again.returncode, 0)
            self.assertIn("not empty", again.stderr)

            server = ServerProcess(target).start()
            copy = server.client()
            # As at the save: the profile created after it is not in the copy.
            self.assertEqual(copy.get_domain(DomainName=domain)["Stats"], stats)
            for pid in ids:
                want = self.client.search_profiles(DomainName=domain, KeyName="_profileId",
                                                   Values=[pid])["Items"]
                got = copy.search_profiles(DomainName=domain, KeyName="_profileId",
                                           Values=[pid])["Items"]
                self.assertEqual(got, want)
            by_email = copy.search_profiles(DomainName=domain, KeyName="_email",
                                            Values=["p7@example.com"])["Items"]
            self.assertEqual([p["ProfileId"] for p in by_email], [ids[7]])
            orders = copy.search_profiles(DomainName=domain, KeyName="_orderId", Values=["o1"])
            self.assertEqual(len(orders["Items"]), 1)
        finally:
            if server is not None:
                server.stop()
            if target is not None:
                target.cleanup()
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
