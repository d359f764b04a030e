#!/usr/bin/env python3
"""Loads profiles the way users make them: one CreateProfile call each, the server assigning the
ProfileId, from several keep-alive connections at once (unsigned: the server accepts
unsigned requests on loopback). Profile i has gen_profiles.py's body without its ProfileId, so
bench/ops.lua's emails and update bodies match it; the ids it gets back are written one a line
(line i = profile i) for ops.lua (BENCH_IDS).

  api_load.py PORT N IDS_FILE [--domain d1] [--connections 8]
"""
import argparse
import http.client
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_profiles import profile_body  # noqa: E402


def _drive(port, n, connections, make_request, on_answer):
    """Sends request i = 1..n (make_request(i) -> (method, path, body)) over `connections`
    keep-alive connections; on_answer(i, status, body) is called for each answer."""
    errors = []
    next_i = [1]
    lock = threading.Lock()

    def work():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            while True:
                with lock:
                    i = next_i[0]
                    if i > n or errors:
                        return
                    next_i[0] += 1
                method, path, body = make_request(i)
                for attempt in range(3):
                    try:
                        conn.request(method, path, body=body,
                                     headers={"Content-Type": "application/json"})
                        resp = conn.getresponse()
                        data = resp.read()
                        break
                    except (OSError, http.client.HTTPException):
                        conn.close()  # reconnects on the next request
                        if attempt == 2:
                            raise
                on_answer(i, resp.status, data)
        except Exception as e:  # reported by the caller
            with lock:
                errors.append(repr(e))
        finally:
            conn.close()

    threads = [threading.Thread(target=work) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError(f"loader failed: {errors[0]}")


def create_profiles(port, n, domain="d1", connections=8):
    """CreateProfile for profiles 1..n; returns (ids, seconds) with ids[i - 1] = profile i's id."""
    ids = [None] * n
    path = f"/domains/{domain}/profiles"

    def answer(i, status, data):
        if status != 200:
            raise RuntimeError(f"CreateProfile {i}: {status} {data[:300]!r}")
        ids[i - 1] = json.loads(data)["ProfileId"]

    t0 = time.perf_counter()
    _drive(port, n, connections, lambda i: ("POST", path, profile_body(i)), answer)
    return ids, time.perf_counter() - t0


def put_profiles(port, ids, domain="d1", connections=8):
    """UpdateProfile-shaped PUTs that give a reference server the same ids (its first write of an
    id inserts, so measuring it on an empty database would measure inserts, not updates)."""
    path = f"/domains/{domain}/profiles"

    def answer(i, status, data):
        if status != 200:
            raise RuntimeError(f"PUT {i}: {status} {data[:300]!r}")

    _drive(port, len(ids), connections,
           lambda i: ("PUT", path, profile_body(i, ids[i - 1])), answer)


def write_ids(ids, path):
    with open(path, "w") as f:
        f.write("".join(x + "\n" for x in ids))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("port", type=int)
    ap.add_argument("n", type=int)
    ap.add_argument("ids_file")
    ap.add_argument("--domain", default="d1")
    ap.add_argument("--connections", type=int, default=8)
    args = ap.parse_args()
    ids, secs = create_profiles(args.port, args.n, args.domain, args.connections)
    write_ids(ids, args.ids_file)
    print(f"{args.n} profiles created in {secs:.1f}s ({args.n / secs:.0f}/s)", file=sys.stderr)


if __name__ == "__main__":
    main()
