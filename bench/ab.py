#!/usr/bin/env python3
"""Interleaved A/B of two profiled builds (or one build with two settings), the only comparison
this shared, noisy 2-core box supports: a single cell moves by up to 2x between identical runs.

  bench/ab.py --a "BIN [ARG...] [ENV=V...]" --b "BIN [ARG...]" [--ops update,create]
              [--conns 16,64] [--rounds 3] [--duration 8] [--profiles 10000] [--pg URL]

Each side gets its own fresh data dir with --profiles profiles created through the API (random
server-assigned ids, bench/api_load.py). Every round runs each (op, conns) cell on both servers,
alternating which goes first, each cell on a settled server (no flush or compaction of the
previous cell inside it). Per cell it prints req/s, p99, and the server's CPU per request (utime +
stime of the process over the cell: less disturbed by the box's swings than req/s). At the end,
per (op, conns): B's medians over A's and how many rounds B was faster. Words of the form NAME=V
in --a/--b are put in that server's environment; the rest is its argv after `serve`. --pg URL:
both servers on that PostgreSQL cluster instead of the embedded store, each in a database of its
own (made afresh: ab_a, ab_b).
"""
import argparse
import importlib.machinery
import importlib.util
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
_loader = importlib.machinery.SourceFileLoader("bench_run", os.path.join(HERE, "run"))
_spec = importlib.util.spec_from_loader("bench_run", _loader)
br = importlib.util.module_from_spec(_spec)
_loader.exec_module(br)

TICK_US = 1e6 / os.sysconf("SC_CLK_TCK")


class Side:
    def __init__(self, label, spec, work, pg_url=None):
        words = shlex.split(spec)
        self.env = dict(os.environ)
        argv = []
        for w in words:
            name, eq, value = w.partition("=")
            if eq and name.isidentifier() and name.isupper():
                self.env[name] = value
            else:
                argv.append(w)
        self.label, self.binary, self.extra = label, argv[0], argv[1:]
        self.data = os.path.join(work, label)
        os.makedirs(self.data)
        self.server = None
        self.ids = None
        self.store_url = None
        if pg_url:
            db = "ab_" + label.lower()
            for sql in (f"DROP DATABASE IF EXISTS {db}", f"CREATE DATABASE {db}"):
                subprocess.run(["psql", "-q", pg_url, "-c", sql], check=True)
            self.store_url = pg_url.rsplit("/", 1)[0] + "/" + db

    def start(self, profiles, work):
        argv = br.profiled_argv(self.binary, self.data, self.store_url) + self.extra
        self.server = br.Server(argv, r"listening port=(\d+)")
        old = os.environ.copy()
        os.environ.clear()
        os.environ.update(self.env)
        try:
            self.server.start()
        finally:
            os.environ.clear()
            os.environ.update(old)
        br.create_domain(self.server.port)
        self.ids, secs = br.api_profiles(self.server.port, profiles, work, self.label)
        br.log(f"{self.label}: {profiles} profiles created in {secs:.1f} s")

    def cell(self, op, conns, duration, profiles, lua):
        pid = self.server.proc.pid
        br.settle({pid})
        c0 = br.cpu_of([pid])
        res = br.run_wrk(self.server, op, conns, duration, profiles, lua, self.ids)
        # run_wrk settles after the cell: the CPU counted includes the cell's deferred flushes.
        res["cpu_us"] = (br.cpu_of([pid]) - c0) * TICK_US / max(1.0, res["requests"])
        return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--a", required=True)
    ap.add_argument("--b", required=True)
    ap.add_argument("--ops", default="update,create,put_object")
    ap.add_argument("--conns", default="64")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--duration", type=int, default=8)
    ap.add_argument("--profiles", type=int, default=10000)
    ap.add_argument("--pg", help="a PostgreSQL cluster's URL: both servers on it")
    args = ap.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (scripts/install-deps.sh --with-tests installs it)")
    work = tempfile.mkdtemp(prefix="profiled-ab-")
    lua = os.path.join(HERE, "ops.lua")
    sides = [Side("A", args.a, work, args.pg), Side("B", args.b, work, args.pg)]
    results = {}  # (op, conns, label) -> [res]
    try:
        for s in sides:
            s.start(args.profiles, work)
        for rnd in range(args.rounds):
            for op in args.ops.split(","):
                for conns in (int(c) for c in args.conns.split(",")):
                    order = sides if (rnd + conns) % 2 == 0 else sides[::-1]
                    for s in order:
                        r = s.cell(op, conns, args.duration, args.profiles, lua)
                        results.setdefault((op, conns, s.label), []).append(r)
                        br.log(f"round {rnd + 1} {s.label} {op:13} c={conns:<3} "
                               f"{r['rps']:8.0f} req/s  p99 {r['p99_us'] / 1000:6.2f} ms  "
                               f"cpu {r['cpu_us']:6.1f} us/req  idle {r['idle%']:4.1f}%")
    finally:
        for s in sides:
            if s.server:
                s.server.stop()
        shutil.rmtree(work, ignore_errors=True)
    print(f"{'op':14} {'c':>3}  {'A req/s':>8} {'B req/s':>8} {'B/A':>5} {'faster':>6}  "
          f"{'A p99':>6} {'B p99':>6}  {'A cpu':>6} {'B cpu':>6} us/req")
    for op in args.ops.split(","):
        for conns in (int(c) for c in args.conns.split(",")):
            a, b = results[(op, conns, "A")], results[(op, conns, "B")]
            med = lambda rs, k: statistics.median(r[k] for r in rs)  # noqa: E731
            wins = sum(y["rps"] > x["rps"] for x, y in zip(a, b))
            print(f"{op:14} {conns:>3}  {med(a, 'rps'):8.0f} {med(b, 'rps'):8.0f} "
                  f"{med(b, 'rps') / med(a, 'rps'):5.2f} {wins:>3}/{len(a)}  "
                  f"{med(a, 'p99_us') / 1000:6.2f} {med(b, 'p99_us') / 1000:6.2f}  "
                  f"{med(a, 'cpu_us'):6.1f} {med(b, 'cpu_us'):6.1f}")


if __name__ == "__main__":
    main()
