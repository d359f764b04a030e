"""Event streams and event triggers against a real Kinesis-compatible server (kinesalite, from
npm, aws_servers.py), read back with boto3's Kinesis client (docs/events.md):
- every profile and object change arrives as AWS's event-stream record, in order per profile;
- a trigger whose conditions hold sends a TRIGGERED record after its object's;
- with kinesalite stopped, GetEventStream reports UNHEALTHY and nothing is lost: restarted on
  the same port, every record written meanwhile arrives, in order, and the stream is HEALTHY;
- a stream ARN that names no stream makes the stream STOPPED, naming Kinesis's error.
"""

import json
import time
import unittest

from aws_servers import Kinesalite, NodeServerTestCase
from harness import ACCOUNT, REGION, unique_name

WAIT = 30.0


class EventStreamsTest(NodeServerTestCase):
    node_server = Kinesalite
    node_attr = "kinesis"
    endpoint_flag = "--kinesis-endpoint"
    credentials = ("AKIDPROFILEDEVENTS", "events-secret")  # kinesalite accepts any

    # Helpers -------------------------------------------------------------------------------

    def setup_stream(self):
        domain = self.create_domain()
        name = unique_name("s", 60)
        arn = self.kinesis.create_stream(name)
        self.client.create_event_stream(DomainName=domain, EventStreamName="es", Uri=arn)
        return domain, name

    def events(self, stream, count, timeout=WAIT):
        """The first `count` records of the stream (decoded), waiting for them to arrive."""
        return self.kinesis.wait_for_records(self, stream, count, timeout)

    def wait_for_status(self, domain, status, timeout=WAIT):
        deadline = time.monotonic() + timeout
        while True:
            got = self.client.get_event_stream(DomainName=domain, EventStreamName="es")
            if got["DestinationDetails"]["Status"] == status:
                return got
            if time.monotonic() > deadline:
                self.fail(f"stream stayed {got['DestinationDetails']} (wanted {status})")
            time.sleep(0.2)

    def put_order_type(self, domain):
        self.client.put_profile_object_type(
            DomainName=domain, ObjectTypeName="Order", Description="orders",
            AllowProfileCreation=True,
            Fields={"OrderId": {"Source": "_source.OrderId"},
                    "email": {"Source": "_source.email", "Target": "_profile.EmailAddress"},
                    "total": {"Source": "_source.total"}},
            Keys={"OrderId": [{"StandardIdentifiers": ["UNIQUE"], "FieldNames": ["OrderId"]}],
                  "_email": [{"StandardIdentifiers": ["PROFILE"], "FieldNames": ["email"]}]})

    # Tests ---------------------------------------------------------------------------------

    def test_changes_arrive_in_aws_shape_in_order(self):
        domain, stream = self.setup_stream()
        pid = self.create_profile(domain, FirstName="Ada")
        for i in range(3):
            self.client.update_profile(DomainName=domain, ProfileId=pid, LastName=f"L{i}")
        self.put_order_type(domain)
        self.client.put_profile_object(DomainName=domain, ObjectTypeName="Order",
                                       Object=json.dumps({"OrderId": "o1", "email": "b@x.com"}))
        records = self.events(stream, 6)
        ada = [e for key, e in records if key == pid]
        self.assertEqual([e["EventType"] for e in ada], ["CREATED", "UPDATED", "UPDATED",
                                                         "UPDATED"])
        self.assertEqual([e["Object"].get("LastName") for e in ada], [None, "L0", "L1", "L2"])
        first = ada[0]
        self.assertEqual(first["SchemaVersion"], 0)
        self.assertEqual(first["DomainName"], domain)
        self.assertEqual(first["ObjectTypeName"], "_profile")
        self.assertEqual(first["AssociatedProfileId"], pid)
        self.assertTrue(first["IsMessageRealTime"])
        self.assertRegex(first["EventTimestamp"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual(first["Object"]["FirstName"], "Ada")
        orders = [e for _, e in records if e["ObjectTypeName"] == "Order"]
        self.assertEqual(len(orders), 1)
        self.assertEqual(orders[0]["Object"], {"OrderId": "o1", "email": "b@x.com"})
        self.assertEqual(orders[0]["EventType"], "CREATED")
        self.assertTrue(orders[0]["ProfileObjectUniqueKey"])
        self.assertEqual(len({e["EventId"] for _, e in records}), len(records))
        got = self.wait_for_status(domain, "HEALTHY")
        self.assertEqual(got["State"], "RUNNING")

    def test_trigger_fires_through_the_stream(self):
        domain, stream = self.setup_stream()
        self.put_order_type(domain)
        self.client.create_event_trigger(
            DomainName=domain, EventTriggerName="big", ObjectTypeName="Order",
            EventTriggerConditions=[{"LogicalOperator": "ALL", "EventTriggerDimensions": [
                {"ObjectAttributes": [{"FieldName": "total", "ComparisonOperator": "GREATER_THAN",
                                       "Values": ["100"]}]}]}],
            EventTriggerLimits={"Periods": [{"Unit": "DAYS", "Value": 1,
                                             "MaxInvocationsPerProfile": 1}]})
        for i, total in enumerate([50, 150, 200]):
            self.client.put_profile_object(
                DomainName=domain, ObjectTypeName="Order",
                Object=json.dumps({"OrderId": f"o{i}", "email": "t@x.com", "total": total}))
        self.events(stream, 5)  # the profile, 3 orders, 1 trigger (the limit stops the second)
        time.sleep(1)  # a second trigger record would have arrived by now
        records = [e for _, e in self.events(stream, 5)]
        triggered = [e for e in records if e["EventType"] == "TRIGGERED"]
        self.assertEqual(len(triggered), 1, records)
        self.assertEqual(triggered[0]["EventTriggerName"], "big")
        self.assertEqual(triggered[0]["Object"]["OrderId"], "o1")
        kinds = [(e["ObjectTypeName"], e["EventType"]) for e in records]
        self.assertLess(kinds.index(("Order", "CREATED")), kinds.index(("Order", "TRIGGERED")))

    def test_destination_down_then_back_loses_nothing(self):
        domain, stream = self.setup_stream()
        pid = self.create_profile(domain, FirstName="Down")
        self.events(stream, 1)
        self.kinesis.stop()
        try:
            for i in range(20):
                self.client.update_profile(DomainName=domain, ProfileId=pid, LastName=f"L{i:02}")
            down = self.wait_for_status(domain, "UNHEALTHY")
            self.assertIn("UnhealthySince", down["DestinationDetails"])
            self.assertTrue(down["DestinationDetails"].get("Message"))
            self.assertEqual(down["State"], "RUNNING")
        finally:
            self.kinesis.start()  # same port, same data directory
        records = self.events(stream, 21)
        names = [e["Object"].get("LastName") for key, e in records if key == pid][1:]
        self.assertEqual(names, [f"L{i:02}" for i in range(20)])
        self.wait_for_status(domain, "HEALTHY")

    def test_missing_kinesis_stream_stops_the_event_stream(self):
        domain = self.create_domain()
        arn = f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/" + unique_name("none", 60)
        self.client.create_event_stream(DomainName=domain, EventStreamName="es", Uri=arn)
        self.create_profile(domain, FirstName="Nobody")
        got = self.wait_for_status(domain, "UNHEALTHY")
        self.assertEqual(got["State"], "STOPPED")
        self.assertIn("StoppedSince", got)
        self.assertIn("ResourceNotFoundException", got["DestinationDetails"]["Message"])
        summary = self.client.list_event_streams(DomainName=domain)["Items"][0]
        self.assertEqual(summary["State"], "STOPPED")
        self.assertEqual(summary["DestinationSummary"]["Status"], "UNHEALTHY")


if __name__ == "__main__":
    unittest.main()
