"""Durability under load: the server is killed with SIGKILL while several clients are creating,
updating and ingesting into profiles, then restarted on the same data directory (or PostgreSQL
database; only the profiled process is killed). Every write that was acknowledged (200) must be
there with the values it wrote, a later acknowledged update must win over an earlier one, and each
acknowledged update must have its history record.

What is known of each write: sent (monotonic time before the request), acknowledged (the time the
200 arrived), or unknown (in flight when the server died, or answered with an error: it may or may
not have been applied). For a profile, the stored values must be those of one write U such that
no acknowledged write W to that profile was sent after U was acknowledged (W would have to win);
an unknown write is allowed but never required.
"""

import http.client
import json
import threading
import time
import unittest
import uuid

from harness import ServerProcess, StoreFixture
from helpers import ClientFactory, pages

WRITERS = 6
OWN_PROFILES = 6  # created up front by each writer; only that writer updates them
SHARED_PROFILES = 4  # updated by every writer: acknowledgements race across connections
LOAD_SECONDS = 2.5
MIN_ACKED = 150

ORDER_TYPE = {
    "Description": "orders",
    "AllowProfileCreation": False,
    "Fields": {
        "OrderId": {"Source": "_source.OrderId", "ContentType": "STRING"},
        "email": {"Source": "_source.email", "Target": "_profile.EmailAddress",
                  "ContentType": "EMAIL_ADDRESS"},
        "total": {"Source": "_source.total", "ContentType": "NUMBER"},
    },
    "Keys": {
        "OrderId": [{"StandardIdentifiers": ["UNIQUE"], "FieldNames": ["OrderId"]}],
        "_email": [{"StandardIdentifiers": ["PROFILE"], "FieldNames": ["email"]}],
    },
}


class Conn:
    """One keep-alive connection, unsigned (the server accepts that on loopback)."""

    def __init__(self, port):
        self.c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else b""
        self.c.request(method, path, body=data, headers={"Content-Type": "application/json"})
        resp = self.c.getresponse()
        raw = resp.read()
        return resp.status, (json.loads(raw) if raw else None)

    def close(self):
        self.c.close()


class Write:
    """One write: its values and what the client knows of its fate."""

    def __init__(self, kind, profile, values):
        self.kind = kind  # create | update | object
        self.profile = profile  # ProfileId (None for a create until acknowledged)
        self.values = values  # create/update: the marker; object: (OrderId, total)
        self.sent = time.monotonic()
        self.acked = None  # monotonic time of the 200
        self.unknown = False  # in flight at the kill, or an error answer

    def __repr__(self):
        state = "acked" if self.acked else ("unknown" if self.unknown else "sent")
        return f"{self.kind}({self.profile}, {self.values}, {state})"


class CrashDurabilityTest(unittest.TestCase):
    def setUp(self):
        self.store = StoreFixture(type(self).__name__)
        self.server = ServerProcess(self.store)
        try:
            self.server.start()
        except Exception:
            self.store.cleanup()
            raise
        self.domain = "crash-" + uuid.uuid4().hex[:12]
        self.base = f"/domains/{self.domain}"
        self.writes = []  # every Write, appended under self.lock
        self.lock = threading.Lock()

    def tearDown(self):
        try:
            if self.server.alive():
                self.server.stop()
        finally:
            self.store.cleanup()

    def run(self, result=None):
        before = (len(result.failures) + len(result.errors)) if result is not None else 0
        out = super().run(result)
        if result is not None and len(result.failures) + len(result.errors) > before:
            print(f"\n---- server log tail ----\n{self.server.log_tail()}\n----")
        return out

    # ---- the load

    def _record(self, w):
        with self.lock:
            self.writes.append(w)
        return w

    def _do(self, conn, w, method, path, body):
        """Sends one write; returns the answer's JSON on 200, else marks it unknown."""
        try:
            status, out = conn.call(method, path, body)
        except (OSError, http.client.HTTPException):
            w.unknown = True
            raise
        if status == 200:
            w.acked = time.monotonic()
            return out
        w.unknown = True
        self.answer_errors.append((w, status, out))
        return None

    @staticmethod
    def _profile_body(marker, email=None):
        body = {"LastName": marker, "Attributes": {"marker": marker}}
        if email:
            body.update(FirstName="Crash", EmailAddress=email)
        return body

    def _create(self, conn, tag):
        marker = f"c-{tag}-{uuid.uuid4().hex[:8]}"
        email = f"{marker}@example.com"
        w = self._record(Write("create", None, marker))
        w.email = email
        out = self._do(conn, w, "POST", f"{self.base}/profiles", self._profile_body(marker, email))
        if out:
            w.profile = out["ProfileId"]
        return w

    def _writer(self, i, shared, stop):
        conn = Conn(self.server.port)
        own = []  # acknowledged creates of this writer: (ProfileId, email)
        n = 0
        try:
            for _ in range(OWN_PROFILES):
                w = self._create(conn, f"{i}-{n}")
                n += 1
                if w.acked:
                    own.append((w.profile, w.email))
            self.ready.wait()
            while not stop.is_set():
                n += 1
                action = n % 4
                if action == 0:  # a new customer
                    w = self._create(conn, f"{i}-{n}")
                    if w.acked:
                        own.append((w.profile, w.email))
                elif action in (1, 2):  # update one of mine, or a shared one
                    pid = (own[n % len(own)][0] if action == 1 or not shared
                           else shared[n % len(shared)][0])
                    marker = f"u-{i}-{n}"
                    w = self._record(Write("update", pid, marker))
                    body = dict(self._profile_body(marker), ProfileId=pid)
                    self._do(conn, w, "PUT", f"{self.base}/profiles", body)
                else:  # a new order of an existing customer, attached by email
                    pid, email = own[n % len(own)]
                    order = f"o-{i}-{n}-{uuid.uuid4().hex[:6]}"
                    total = n % 1000
                    w = self._record(Write("object", pid, (order, total)))
                    obj = {"OrderId": order, "email": email, "total": total}
                    self._do(conn, w, "PUT", f"{self.base}/profiles/objects",
                             {"ObjectTypeName": "Order", "Object": json.dumps(obj)})
        except (OSError, http.client.HTTPException):
            pass  # the server was killed under this request: recorded as unknown
        finally:
            conn.close()

    def _acked_count(self):
        with self.lock:
            return sum(1 for w in self.writes if w.acked)

    # ---- the test

    def test_acknowledged_writes_survive_sigkill_under_load(self):
        conn = Conn(self.server.port)
        status, out = conn.call("POST", self.base, {"DefaultExpirationDays": 30})
        self.assertEqual(status, 200, out)
        status, out = conn.call("PUT", f"{self.base}/object-types/Order", ORDER_TYPE)
        self.assertEqual(status, 200, out)
        shared = []
        for k in range(SHARED_PROFILES):
            w = self._create(conn, f"s-{k}")
            self.assertIsNotNone(w.acked, "creating the shared profiles failed")
            shared.append((w.profile, w.email))
        conn.close()

        self.answer_errors = []
        self.ready = threading.Barrier(WRITERS + 1, timeout=60)
        stop = threading.Event()
        threads = [threading.Thread(target=self._writer, args=(i, shared, stop), daemon=True)
                   for i in range(WRITERS)]
        for t in threads:
            t.start()
        self.ready.wait()
        deadline = time.monotonic() + 30
        time.sleep(LOAD_SECONDS)
        while self._acked_count() < MIN_ACKED and time.monotonic() < deadline:
            time.sleep(0.1)
        self.server.kill9()  # mid-load: every writer has a request in flight or about to be
        stop.set()
        for t in threads:
            t.join(60)
            self.assertFalse(t.is_alive(), "a writer did not stop")
        self.assertEqual(self.answer_errors, [], "writes answered with an error before the kill")
        writes = list(self.writes)
        acked = [w for w in writes if w.acked]
        self.assertGreaterEqual(len(acked), MIN_ACKED, "too little load to test anything")
        self.assertTrue(any(w.kind == "update" for w in acked))
        self.assertTrue(any(w.kind == "object" for w in acked))

        self.server.start()
        self._check(writes)

    def _check(self, writes):
        conn = Conn(self.server.port)
        client = ClientFactory().client(self.server)
        try:
            by_profile = {}
            for w in writes:
                if w.kind in ("create", "update") and w.profile:
                    by_profile.setdefault(w.profile, []).append(w)
            stored = {}
            for pid, ws in by_profile.items():
                if not any(w.acked for w in ws):
                    continue  # only unknown writes: nothing is owed
                status, out = conn.call("POST", f"{self.base}/profiles/search",
                                        {"KeyName": "_profileId", "Values": [pid]})
                self.assertEqual(status, 200, out)
                items = out.get("Items", [])
                self.assertEqual(len(items), 1, f"acknowledged profile {pid} is missing: {ws}")
                stored[pid] = items[0]

            # Values: those of a write that no acknowledged write follows.
            for pid, profile in stored.items():
                ws = by_profile[pid]
                allowed = {w.values for w in ws
                           if w.unknown or (w.acked and not any(x.acked and x.sent > w.acked
                                                                for x in ws))}
                got = profile.get("Attributes", {}).get("marker")
                self.assertEqual(profile.get("LastName"), got, profile)
                last = max((w for w in ws if w.acked), key=lambda w: w.acked)
                self.assertIn(got, allowed,
                              f"profile {pid}: stored {got!r}; the last acknowledged write is "
                              f"{last!r}; writes: {ws}")

            # History: every acknowledged update has an UPDATED record with its content.
            updates = [w for w in writes if w.kind == "update" and w.acked]
            for pid in {w.profile for w in updates}:
                want = {w.values for w in updates if w.profile == pid}
                records = [r for page in pages(client.list_profile_history_records, 100,
                                               DomainName=self.domain, ProfileId=pid)
                           for r in page["ProfileHistoryRecords"]
                           if r["ActionType"] == "UPDATED"]
                self.assertGreaterEqual(len(records), len(want), f"profile {pid}")
                seen = set()
                for r in records:
                    one = client.get_profile_history_record(DomainName=self.domain,
                                                            ProfileId=pid, Id=r["Id"])
                    content = json.loads(one.get("Content") or "{}")
                    seen.add(content.get("Attributes", {}).get("marker"))
                self.assertEqual(want - seen, set(),
                                 f"profile {pid}: acknowledged updates without a history record")

            # Objects: every acknowledged order is attached to its profile with its values.
            objects = [w for w in writes if w.kind == "object" and w.acked]
            for pid in {w.profile for w in objects}:
                items = [item for page in pages(client.list_profile_objects, 100,
                                                DomainName=self.domain, ObjectTypeName="Order",
                                                ProfileId=pid)
                         for item in page.get("Items", [])]
                have = {}
                for item in items:
                    obj = json.loads(item["Object"])
                    have[obj["OrderId"]] = obj["total"]
                for w in objects:
                    if w.profile == pid:
                        order, total = w.values
                        self.assertEqual(have.get(order), total,
                                         f"acknowledged order {order} of profile {pid}")
        finally:
            conn.close()


if __name__ == "__main__":
    unittest.main()
