"""Event-stream delivery with several profiled processes on one PostgreSQL database
(docs/events.md, "One delivering process"): each profile's records reach Kinesis (kinesalite, read
back with boto3) exactly in the order of its changes, with no duplicate, however the changes were
spread over the processes; when every process holding a stream dies, a new one takes the stream
over once the dead holder's delivery lease lapses, and nothing is lost or reordered.
Only for PROFILED_TEST_STORE=postgres; the embedded stores belong to one process."""

import json
import threading
import time
import unittest

from aws_servers import Kinesalite, NodeServerTestCase
from harness import ServerProcess, unique_name

WAIT = 60.0  # more than the 30 s delivery lease


class MultiProcessDeliveryTest(NodeServerTestCase):
    node_server = Kinesalite
    node_attr = "kinesis"
    endpoint_flag = "--kinesis-endpoint"
    credentials = ("AKIDPROFILEDEVENTS", "events-secret")  # kinesalite accepts any

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if cls.store.kind != "postgres":
            cls.tearDownClass()
            raise unittest.SkipTest("several processes share a store only on PostgreSQL")
        cls.others = [cls.start_process() for _ in range(2)]

    @classmethod
    def start_process(cls, proc=None):
        with cls.credentials_set():
            return (proc or ServerProcess(cls.store, cls.server_args)).start()

    @classmethod
    def tearDownClass(cls):
        for p in getattr(cls, "others", []):
            if p.alive():
                p.stop()
        super().tearDownClass()

    def records(self, stream, count):
        """Every record of the stream, once at least `count` distinct events have arrived."""
        deadline = time.monotonic() + WAIT
        got = []
        while time.monotonic() < deadline:
            got = [(key, json.loads(data)) for key, data in self.kinesis.read_all(stream)]
            if len({e["EventId"] for _, e in got}) >= count:
                time.sleep(1.0)  # a late duplicate would arrive now
                return [(key, json.loads(data)) for key, data in self.kinesis.read_all(stream)]
            time.sleep(0.2)
        self.fail(f"{len(got)} of {count} records arrived")

    def assert_in_order(self, records, expected):
        """`expected`: profile id -> its LastName values in change order (None: CREATED)."""
        ids = [e["EventId"] for _, e in records]
        self.assertEqual(len(ids), len(set(ids)), "a record was delivered twice")
        got = {}
        for key, e in records:
            got.setdefault(key, []).append(e["Object"].get("LastName"))
        self.assertEqual(got, expected)

    def test_one_profiles_changes_through_three_processes_arrive_in_order(self):
        domain = self.create_domain()
        stream = unique_name("s", 60)
        self.client.create_event_stream(DomainName=domain, EventStreamName="es",
                                        Uri=self.kinesis.create_stream(stream))
        servers = [self.server] + self.others
        clients = [s.client() for s in servers]
        pids = [self.create_profile(domain, FirstName=f"p{i}") for i in range(6)]
        rounds = 12
        errors = []

        def change(p):
            # Change k of profile p goes through process (k + p) % 3: consecutive changes of a
            # profile are written by different processes, while the others write other profiles.
            try:
                for k in range(rounds):
                    clients[(k + p) % 3].update_profile(DomainName=domain, ProfileId=pids[p],
                                                        LastName=f"{k:03d}")
            except Exception as e:  # reported below
                errors.append(repr(e))

        threads = [threading.Thread(target=change, args=(p,)) for p in range(len(pids))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        self.assertEqual(errors, [])
        expected = {pid: [None] + [f"{k:03d}" for k in range(rounds)] for pid in pids}
        self.assert_in_order(self.records(stream, len(pids) * (rounds + 1)), expected)

        # Every process dies at once (no lease released); changes wait in the outbox. A new
        # process takes the stream over when the dead holder's lease lapses.
        for s in servers:
            s.kill9()
        self.start_process(self.server)
        client = self.server.client()
        for pid in pids:
            for k in range(rounds, rounds + 3):
                client.update_profile(DomainName=domain, ProfileId=pid, LastName=f"{k:03d}")
                expected[pid].append(f"{k:03d}")
        self.assert_in_order(self.records(stream, len(pids) * (rounds + 4)), expected)


if __name__ == "__main__":
    unittest.main()
