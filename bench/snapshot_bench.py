#!/usr/bin/env python3
"""`profiled snapshot save|load` and `--store memory` start-up, measured (docs/operations.md).

  bench/snapshot_bench.py [--bin build-rel/src/profiled] [--profiles 1000000] [--work DIR]
                          [--store rocksdb|sqlite] [--keep]

Writes N profiles with bench/gen_profiles.py, loads them with `profiled import` into a fresh data
directory, then times `snapshot save` while a server serves that directory (as CI would), and
`snapshot load` into a new directory, and checks the copy by serving it: the domain's profile
count and one profile found by email. Prints wall and CPU seconds (of the profiled process, from
wait4's rusage) and sizes. Then `--store memory` and the embedded store from start to the first
`/ready` (5 runs each, the median). Reports; never fails on a figure.
"""
import argparse
import json
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from gen_profiles import email  # noqa: E402

DOMAIN = "snapbench"


def run(cmd, **kw):
    """Runs cmd; returns (wall s, user+sys s of it and its children, stderr)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, **kw)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{proc.stderr}")
    return wall, cpu, proc.stderr.strip()


def du(path):
    total = 0
    for base, _, files in os.walk(path):
        for f in files:
            try:
                total += os.path.getsize(os.path.join(base, f))
            except OSError:
                pass
    return total


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, binary, args):
        self.port = free_port()
        self.proc = subprocess.Popen(
            [binary, "serve", "--listen", f"127.0.0.1:{self.port}", "--log-level", "warn", *args],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def wait_ready(self, timeout=120):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/ready", timeout=5) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            if self.proc.poll() is not None:
                sys.exit("the server exited")
            time.sleep(0.01)
        sys.exit("the server did not become ready")

    def call(self, method, path, body=None):
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", method=method,
                                     data=None if body is None else json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.loads(r.read() or b"{}")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=60)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(ROOT, "build-rel", "src", "profiled"))
    ap.add_argument("--profiles", type=int, default=1000000)
    ap.add_argument("--store", default="rocksdb", choices=["rocksdb", "sqlite"])
    ap.add_argument("--work", default=None)
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    work = a.work or tempfile.mkdtemp(prefix="profiled-snapbench-")
    os.makedirs(work, exist_ok=True)
    rows = []
    try:
        ndjson = os.path.join(work, f"profiles-{a.profiles}.ndjson")
        if not os.path.exists(ndjson):
            with open(ndjson, "w") as out:
                subprocess.run([sys.executable, os.path.join(HERE, "gen_profiles.py"),
                                str(a.profiles)], stdout=out, check=True)
        source = os.path.join(work, "source")
        shutil.rmtree(source, ignore_errors=True)
        common = ["--store", a.store]
        # The domain first (import fills an existing domain), through a server.
        server = Server(a.bin, common + ["--data-dir", source])
        server.wait_ready()
        server.call("POST", f"/domains/{DOMAIN}", {"DefaultExpirationDays": 366})
        server.stop()
        wall, cpu, err = run([a.bin, "import", *common, "--data-dir", source,
                              "--domain-name", DOMAIN, ndjson])
        rows.append(("import", wall, cpu, du(source), err.splitlines()[-1]))

        # Save while a server serves the directory.
        server = Server(a.bin, common + ["--data-dir", source])
        server.wait_ready()
        snap = os.path.join(work, "fixture.snap")
        wall, cpu, err = run([a.bin, "snapshot", "save", *common, "--data-dir", source, snap])
        rows.append(("snapshot save (server running)", wall, cpu, os.path.getsize(snap),
                     err.splitlines()[-1]))
        want = server.call("GET", f"/domains/{DOMAIN}")["Stats"]
        server.stop()

        target = os.path.join(work, "target")
        shutil.rmtree(target, ignore_errors=True)
        wall, cpu, err = run([a.bin, "snapshot", "load", *common, "--data-dir", target, snap])
        rows.append(("snapshot load (empty dir)", wall, cpu, du(target), err.splitlines()[-1]))

        server = Server(a.bin, common + ["--data-dir", target])
        start = time.monotonic()
        server.wait_ready()
        ready = time.monotonic() - start
        got = server.call("GET", f"/domains/{DOMAIN}")["Stats"]
        i = a.profiles // 2
        found = server.call("POST", f"/domains/{DOMAIN}/profiles/search",
                            {"KeyName": "_email", "Values": [email(i)]})["Items"]
        server.stop()
        check = "same stats" if got == want else f"STATS DIFFER {got} != {want}"
        check += f", {email(i)} {'found' if len(found) == 1 else 'NOT FOUND'}"

        starts = {}
        for kind, args in (("memory", ["--store", "memory"]),
                           (a.store + " (new dir)", common)):
            times = []
            for _ in range(5):
                d = tempfile.mkdtemp(dir=work)
                s = Server(a.bin, args + ["--data-dir", d])
                t0 = time.monotonic()
                s.wait_ready()
                times.append(time.monotonic() - t0)
                s.stop()
                shutil.rmtree(d, ignore_errors=True)
            starts[kind] = statistics.median(times)

        print(f"\n{a.profiles} profiles, --store {a.store}, {os.cpu_count()} cores, "
              f"load {os.getloadavg()[0]:.1f}, {a.bin}")
        print(f"{'step':34} {'wall s':>8} {'cpu s':>8} {'MB':>8}  profiled says")
        for name, wall, cpu, size, said in rows:
            print(f"{name:34} {wall:8.1f} {cpu:8.1f} {size / 1e6:8.0f}  {said}")
        print(f"copy served: start to /ready {ready:.2f} s, {check}")
        for kind, t in starts.items():
            print(f"--store {kind}: start to the first /ready, median of 5: {t:.2f} s")
    finally:
        if not a.keep and not a.work:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
