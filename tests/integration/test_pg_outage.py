"""PostgreSQL stopping under load: profiled answers 5xx, stays up, and serves again by itself.

The test owns a private PostgreSQL cluster (scripts/pg-cluster.sh), runs two `profiled` processes
on it, and drives writes from many threads, recording every acknowledged write. Then:
1. `pg_ctl stop -m immediate` (as a crash would: no shutdown checkpoint, connections cut);
2. while it is down every answer is InternalServerException with HTTP 500/503, each within a
   bounded time (no hang), nothing else (no dropped connection), and both processes stay alive;
3. the cluster is started again on the same port with the same options; requests succeed again
   within RECOVERY_TIMEOUT without restarting profiled;
4. every write that was acknowledged (before, during or after the outage) is in the database.
Writes answered 5xx have an unknown outcome and are not checked.

Only with PROFILED_TEST_STORE=postgres. Needs the PostgreSQL server binaries (initdb, pg_ctl):
without them the test skips, or fails when PROFILED_REQUIRE_PG=1.
"""

import glob
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest

from harness import REPO, ClientError, ServerProcess, unique_name
from helpers import ClientFactory

N_SERVERS = 2
N_WRITERS = 8
CALL_BOUND = 15.0        # seconds any single call may take, outage or not
RECOVERY_TIMEOUT = 30.0  # seconds from `pg_ctl start` returning to the first success
PHASE_SECONDS = 2.5      # load before the stop, during the outage, and after recovery


def pg_bindir():
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                  key=lambda d: [int(x) if x.isdigit() else x for x in re.split(r"(\d+)", d)])
    dirs = [d for d in dirs if os.access(os.path.join(d, "pg_ctl"), os.X_OK)
            and os.access(os.path.join(d, "initdb"), os.X_OK)]
    return dirs[-1] if dirs else None


def as_pg(args):
    """PostgreSQL refuses to run as root; pg-cluster.sh runs it as the `postgres` user then."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return list(args)


class PrivateCluster:
    """A PostgreSQL cluster only this test uses, so that it can stop and start it at will.
    Quacks like harness.StoreFixture for ServerProcess (data_dir, log_path, store_url)."""

    kind = "postgres"

    def __init__(self):
        self.bindir = pg_bindir()
        self.tmpdir = tempfile.mkdtemp(prefix="profiled-pg-outage-")
        os.chmod(self.tmpdir, 0o755)
        self.cluster_dir = os.path.join(self.tmpdir, "pg")
        self.data_dir = os.path.join(self.tmpdir, "profiled-data")  # unused on postgres
        self.log_path = os.path.join(self.tmpdir, "server.log")
        self.store_url = None
        self.postmaster_args = None
        proc = subprocess.run(["bash", os.path.join(REPO, "scripts", "pg-cluster.sh"), "start",
                               self.cluster_dir], capture_output=True, text=True, timeout=180)
        if proc.returncode != 0:
            logs = ""
            for name in ("initdb.log", "server.log"):
                try:
                    with open(os.path.join(self.cluster_dir, name)) as f:
                        logs += f"--- {name}\n{f.read()[-3000:]}\n"
                except OSError:
                    pass
            self.cleanup()
            raise RuntimeError(f"pg-cluster.sh start failed: {proc.stderr.strip()}\n{logs}")
        self.store_url = proc.stdout.strip()
        with open(os.path.join(self.cluster_dir, "port")) as f:
            self.port = int(f.read().strip())
        # The postmaster's own record of how pg-cluster.sh started it: restarting with exactly
        # these options (same port, socket dir, settings) keeps this test in step with the script.
        with open(os.path.join(self.cluster_dir, "data", "postmaster.opts")) as f:
            argv = shlex.split(f.read())
        args, i = [], 1
        while i < len(argv):
            if argv[i] == "-D":
                i += 2
                continue
            args.append(argv[i])
            i += 1
        self.postmaster_args = " ".join(shlex.quote(a) for a in args)
        if str(self.port) not in args:
            raise RuntimeError(f"postmaster.opts does not name port {self.port}: {argv}")

    def pg_ctl(self, *args, timeout=90):
        cmd = as_pg([os.path.join(self.bindir, "pg_ctl"), "-D",
                     os.path.join(self.cluster_dir, "data"), *args])
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)

    def stop_immediately(self):
        proc = self.pg_ctl("-m", "immediate", "-w", "stop")
        if proc.returncode != 0:
            raise RuntimeError(f"pg_ctl stop -m immediate failed: {proc.stderr}")

    def start_again(self):
        proc = self.pg_ctl("-l", os.path.join(self.cluster_dir, "server.log"), "-w", "-t", "60",
                           "-o", self.postmaster_args, "start")
        if proc.returncode != 0:
            raise RuntimeError(f"pg_ctl start failed: {proc.stderr}\n{self.pg_log_tail()}")

    def pg_log_tail(self, lines=30):
        try:
            with open(os.path.join(self.cluster_dir, "server.log"), "rb") as f:
                return "\n".join(f.read().decode("utf-8", "replace").splitlines()[-lines:])
        except OSError:
            return "(no PostgreSQL log)"

    def cleanup(self):
        if os.path.isdir(os.path.join(self.cluster_dir, "data")):
            self.pg_ctl("-m", "immediate", "-w", "stop")
        if os.environ.get("PROFILED_TEST_KEEP") != "1":
            shutil.rmtree(self.tmpdir, ignore_errors=True)


class Outcome:
    __slots__ = ("op", "start", "end", "ok", "status", "code", "exc")

    def __init__(self, op, start):
        self.op, self.start = op, start
        self.end = None
        self.ok = False
        self.status = self.code = self.exc = None

    def __repr__(self):
        what = "ok" if self.ok else (self.exc or f"{self.code}/{self.status}")
        return f"{self.op}@{self.start:.2f}+{(self.end or 0) - self.start:.2f}s:{what}"


class PostgresOutageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        kind = os.environ.get("PROFILED_TEST_STORE", "sqlite").strip() or "sqlite"
        if kind != "postgres":
            raise unittest.SkipTest("PostgreSQL outage: only with PROFILED_TEST_STORE=postgres "
                                    "(the embedded SQLite store has no database server to lose)")
        if pg_bindir() is None:
            msg = "PostgreSQL server binaries (initdb, pg_ctl) not found under /usr/lib/postgresql"
            if os.environ.get("PROFILED_REQUIRE_PG") == "1":
                raise RuntimeError(msg + " and PROFILED_REQUIRE_PG=1")
            raise unittest.SkipTest(msg)
        cls.factory = ClientFactory()
        cls.cluster = PrivateCluster()
        cls.servers = []
        try:
            for _ in range(N_SERVERS):
                cls.servers.append(ServerProcess(cls.cluster).start())
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            for s in getattr(cls, "servers", []):
                if s.alive():
                    s.stop()
        finally:
            cluster = getattr(cls, "cluster", None)
            if cluster is not None:
                cluster.cleanup()
            super().tearDownClass()

    def run(self, result=None):
        before = (len(result.failures) + len(result.errors)) if result is not None else 0
        out = super().run(result)
        if result is not None and len(result.failures) + len(result.errors) > before:
            cluster = getattr(type(self), "cluster", None)
            servers = getattr(type(self), "servers", [])
            if cluster is not None:
                tail = servers[0].log_tail(80) if servers else "(no server)"
                sys.stderr.write(f"\n---- profiled log tail ----\n{tail}\n---- PostgreSQL log "
                                 f"tail ----\n{cluster.pg_log_tail()}\n---- end ----\n")
        return out

    def call(self, outcomes, lock, op, fn):
        o = Outcome(op, time.monotonic())
        try:
            fn()
            o.ok = True
        except ClientError as e:
            o.status = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            o.code = e.response.get("Error", {}).get("Code")
        except Exception as e:  # dropped connection, read timeout: recorded and asserted on
            o.exc = repr(e)
        o.end = time.monotonic()
        with lock:
            outcomes.append(o)
        return o.ok

    def wait_until_served(self, domain, timeout):
        """Seconds until every server answers a read and a write, or None after timeout."""
        start = time.monotonic()
        probes = [self.factory.client(s, read_timeout=CALL_BOUND) for s in self.servers]
        pending = set(range(len(probes)))
        while pending and time.monotonic() - start < timeout:
            for i in sorted(pending):
                try:
                    probes[i].get_domain(DomainName=domain)
                    probes[i].create_profile(DomainName=domain, FirstName="probe")
                    pending.discard(i)
                except Exception:
                    pass
            if pending:
                time.sleep(0.2)
        return None if pending else time.monotonic() - start

    def test_stop_postgres_under_load_then_recover(self):
        domain = unique_name("outage")
        main = [self.factory.client(s, read_timeout=CALL_BOUND) for s in self.servers]
        main[0].create_domain(DomainName=domain, DefaultExpirationDays=30)
        # One profile per writer that it keeps adding attributes to (read-modify-write), plus a
        # new profile per create: both kinds of write are checked after recovery.
        own = [main[w % N_SERVERS].create_profile(
                   DomainName=domain, FirstName=f"writer{w}")["ProfileId"]
               for w in range(N_WRITERS)]

        lock = threading.Lock()
        outcomes = []
        created = {}        # ProfileId -> (writer, seq) of acknowledged CreateProfile calls
        attributes = {}     # writer -> set of acknowledged attribute names on own[writer]
        stop = threading.Event()
        clients = [[self.factory.client(s, read_timeout=CALL_BOUND + 5) for s in self.servers]
                   for _ in range(N_WRITERS)]

        def writer(w):
            seq = 0
            mine = set()
            attributes[w] = mine
            while not stop.is_set():
                seq += 1
                c = clients[w][seq % N_SERVERS]
                if seq % 2:
                    box = {}

                    def create():
                        box["id"] = c.create_profile(
                            DomainName=domain, FirstName=f"w{w}",
                            Attributes={"writer": str(w), "seq": str(seq)})["ProfileId"]
                    ok = self.call(outcomes, lock, "create", create)
                    if ok:
                        with lock:
                            created[box["id"]] = (w, seq)
                else:
                    name = f"a{seq:06d}"

                    def update():
                        c.update_profile(DomainName=domain, ProfileId=own[w],
                                         Attributes={name: str(seq)})
                    ok = self.call(outcomes, lock, "update", update)
                    if ok:
                        with lock:
                            mine.add(name)
                if not ok:
                    time.sleep(0.02)  # do not spin while the database is down

        threads = [threading.Thread(target=writer, args=(w,), daemon=True)
                   for w in range(N_WRITERS)]
        for t in threads:
            t.start()
        try:
            time.sleep(PHASE_SECONDS)
            with lock:
                acked_before = sum(o.ok for o in outcomes)
            self.assertGreater(acked_before, N_WRITERS, "the load did not get going")

            self.cluster.stop_immediately()
            down_at = time.monotonic()
            time.sleep(PHASE_SECONDS)
            for i, s in enumerate(self.servers):
                self.assertTrue(s.alive(), f"profiled {i} died when PostgreSQL stopped")
            # Reads fail the same way as writes.
            for c in main:
                with self.assertRaises(ClientError) as cm:
                    c.search_profiles(
                        DomainName=domain, KeyName="_profileId", Values=[own[0]])
                self.assertIn(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"],
                              (500, 503))
                self.assertEqual(cm.exception.response["Error"]["Code"],
                                 "InternalServerException")

            # A process started now cannot open its store: it must say so and exit, not hang or
            # serve errors, so that a supervisor restarts it.
            late = ServerProcess(self.cluster)
            proc = subprocess.run(late.command(), capture_output=True, text=True,
                                  timeout=CALL_BOUND, stdin=subprocess.DEVNULL)
            self.assertEqual(proc.returncode, 1, proc)
            self.assertIn("cannot open store", proc.stderr)

            restart_at = time.monotonic()
            self.cluster.start_again()
            started_at = time.monotonic()
            recovery = self.wait_until_served(domain, RECOVERY_TIMEOUT)
            self.assertIsNotNone(recovery, f"profiled did not serve again within "
                                           f"{RECOVERY_TIMEOUT}s of PostgreSQL being back")
            recovered_at = time.monotonic()
            time.sleep(PHASE_SECONDS)
        finally:
            stop.set()
            for t in threads:
                t.join(CALL_BOUND + 10)
        self.assertFalse(any(t.is_alive() for t in threads), "a writer is stuck in a call")
        for i, s in enumerate(self.servers):
            self.assertTrue(s.alive(), f"profiled {i} is no longer running")

        # Every answer was a success or InternalServerException 500/503, within the bound.
        strange = [o for o in outcomes if not o.ok and
                   (o.exc is not None or o.code != "InternalServerException"
                    or o.status not in (500, 503))]
        self.assertEqual(strange, [], "answers other than success or InternalServerException")
        slow = [o for o in outcomes if o.end - o.start > CALL_BOUND]
        self.assertEqual(slow, [], f"calls that took longer than {CALL_BOUND}s")
        # Calls made entirely while PostgreSQL was down all failed, and there were some.
        during = [o for o in outcomes if o.start >= down_at and o.end <= restart_at]
        self.assertGreaterEqual(len(during), N_WRITERS, "too few calls during the outage")
        self.assertEqual([o for o in during if o.ok], [], "a call succeeded with PostgreSQL down")
        # Calls made once every server had recovered all succeeded: no broken pooled connection
        # is handed out after the database is back.
        after = [o for o in outcomes if o.start >= recovered_at + 0.5]
        self.assertGreater(len(after), N_WRITERS, "too few calls after recovery")
        self.assertEqual([o for o in after if not o.ok], [], "failures after recovery")
        statuses = sorted({o.status for o in outcomes if not o.ok})
        failed = sum(not o.ok for o in outcomes)
        print(f"\noutage: {len(outcomes)} calls, {failed} answered 5xx {statuses}; "
              f"{len(created)} creates and "
              f"{sum(len(a) for a in attributes.values())} attribute updates acknowledged; "
              f"PostgreSQL back {started_at - restart_at:.1f}s after pg_ctl start, "
              f"served {recovery:.2f}s later", file=sys.stderr)

        # Every acknowledged write is there, through each process.
        ids = sorted(created)
        for si, client in enumerate(main):
            found = {}
            for i in range(0, len(ids), 20):
                resp = client.batch_get_profile(DomainName=domain, ProfileIds=ids[i:i + 20])
                for p in resp.get("Profiles", []):
                    found[p["ProfileId"]] = p
            missing = [pid for pid in ids if pid not in found]
            self.assertEqual(missing, [], f"acknowledged CreateProfile calls missing (server {si})")
            for pid, (w, seq) in created.items():
                self.assertEqual(found[pid].get("Attributes"), {"writer": str(w), "seq": str(seq)})
            mine = client.batch_get_profile(DomainName=domain, ProfileIds=own[:20])["Profiles"]
            by_id = {p["ProfileId"]: p for p in mine}
            for w, pid in enumerate(own):
                have = set(by_id[pid].get("Attributes", {}))
                lost = sorted(attributes[w] - have)
                self.assertEqual(lost, [], f"writer {w}: acknowledged attributes missing "
                                           f"(server {si})")

        for i, s in enumerate(self.servers):
            self.assertEqual(s.stop(), 0, f"profiled {i} did not shut down cleanly")


if __name__ == "__main__":
    unittest.main()
