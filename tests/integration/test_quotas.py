"""Quota emulation (`profiled serve --emulate-quotas`, docs/quotas.md) through boto3: request
rates answered with ThrottlingException (429) that botocore's `standard` retry mode retries until
the calls succeed; the embedded table's own rates; no throttling and no resource limits without
the flag; and each resource limit answered with BadRequestException (400)."""

import json
import os
import shutil
import tempfile
import unittest

import boto3
from botocore.config import Config

from harness import ACCESS_KEY, ACCOUNT, REGION, SECRET_KEY, SERVICE, ClientError, \
    ServerTestCase, unique_name

# The Order type and the trigger condition of the resource tests (the names only: their test
# classes do not run here).
from test_resources import CONDITIONS, ORDER_FIELDS as FIELDS, ORDER_KEYS as KEYS, STREAM_URI


def many_keys(n):
    """The UNIQUE key an object type needs, and n PROFILE keys."""
    keys = {f"k{i}": [{"StandardIdentifiers": ["PROFILE"], "FieldNames": ["email"]}]
            for i in range(n)}
    keys["OrderId"] = KEYS["OrderId"]
    return keys


def retrying_client(endpoint, max_attempts):
    """A client as an application would make one: botocore's `standard` retry mode."""
    session = boto3.session.Session(aws_access_key_id=ACCESS_KEY,
                                    aws_secret_access_key=SECRET_KEY, region_name=REGION)
    config = Config(retries={"mode": "standard", "max_attempts": max_attempts})
    return session.client(SERVICE, endpoint_url=endpoint, config=config)


class QuotaServerTestCase(ServerTestCase):
    """A server started with --emulate-quotas and, when `table` is set, --quotas-file."""

    table = None

    @classmethod
    def setUpClass(cls):
        cls.table_dir = tempfile.mkdtemp(prefix="profiled-quotas-")
        args = ["--emulate-quotas"]
        if cls.table is not None:
            path = os.path.join(cls.table_dir, "quotas.json")
            with open(path, "w") as f:
                json.dump(cls.table, f)
            args += ["--quotas-file", path]
        cls.server_args = tuple(args)
        try:
            super().setUpClass()
        except Exception:
            shutil.rmtree(cls.table_dir, ignore_errors=True)
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            shutil.rmtree(cls.table_dir, ignore_errors=True)

    def assertThrottled(self, error):
        response = error.response
        self.assertEqual(response["Error"]["Code"], "ThrottlingException", response)
        self.assertEqual(response["ResponseMetadata"]["HTTPStatusCode"], 429)
        self.assertEqual(response["Error"]["Message"], "Rate exceeded")
        headers = response["ResponseMetadata"]["HTTPHeaders"]
        self.assertEqual(headers.get("x-amzn-errortype"), "ThrottlingException")
        self.assertTrue(headers.get("x-amzn-requestid"))


class ThrottlingRetryTest(QuotaServerTestCase):
    # Small rates, so that a short loop goes over them.
    table = {"rates": [{"operation": "CreateProfile", "rate": 4, "burst": 2},
                       {"operation": "SearchProfiles", "rate": 4, "burst": 1}]}

    def test_standard_retry_mode_retries_throttles_until_every_call_succeeds(self):
        domain = self.create_domain()
        client = retrying_client(self.server.endpoint, max_attempts=10)
        retries = 0
        ids = []
        for i in range(12):
            out = client.create_profile(DomainName=domain, FirstName=f"p{i}",
                                        AccountNumber=f"acct-{i}")
            ids.append(out["ProfileId"])
            retries += out["ResponseMetadata"]["RetryAttempts"]
        for i in range(12):
            found = client.search_profiles(DomainName=domain, KeyName="_account",
                                           Values=[f"acct-{i}"])
            self.assertEqual([p["ProfileId"] for p in found["Items"]], [ids[i]])
            retries += found["ResponseMetadata"]["RetryAttempts"]
        # 24 calls at 4 a second with bursts of 2 and 1: well over the rate, so throttled and
        # retried, yet every call answered; exactly one profile each (a throttled call did
        # nothing).
        self.assertGreater(retries, 0)
        self.assertEqual(len(set(ids)), 12)

    def test_without_retries_the_client_sees_aws_throttling_exception(self):
        domain = self.create_domain()
        throttled = []
        for i in range(6):
            try:
                self.client.search_profiles(DomainName=domain, KeyName="_account", Values=["x"])
            except ClientError as e:
                throttled.append(e)
        self.assertTrue(throttled, "six searches at once, burst 1: some must be throttled")
        for e in throttled:
            self.assertThrottled(e)

    def test_an_operation_without_a_rate_is_not_throttled(self):
        for _ in range(20):
            self.client.list_domains()


class EmbeddedTableTest(QuotaServerTestCase):
    """AWS's own figures (spec/quotas.json): CreateDomain at 1 a second."""

    def test_create_domain_is_throttled_at_awss_rate(self):
        throttled = []
        for _ in range(4):
            try:
                self.client.create_domain(DomainName=unique_name("emb"), DefaultExpirationDays=30)
            except ClientError as e:
                throttled.append(e)
        self.assertTrue(throttled, "four CreateDomain calls at once, 1 a second: some throttled")
        for e in throttled:
            self.assertThrottled(e)
        # And the SDK's retries get through.
        client = retrying_client(self.server.endpoint, max_attempts=10)
        for _ in range(3):
            client.create_domain(DomainName=unique_name("emb"), DefaultExpirationDays=30)

    def test_one_event_stream_per_domain(self):
        client = retrying_client(self.server.endpoint, max_attempts=10)
        domain = unique_name("es")
        client.create_domain(DomainName=domain, DefaultExpirationDays=30)
        client.create_event_stream(DomainName=domain, EventStreamName="s1", Uri=STREAM_URI)
        self.assertClientError(client.create_event_stream, "BadRequestException", 400,
                               "limit of 1 event streams per domain",
                               DomainName=domain, EventStreamName="s2", Uri=STREAM_URI)


class WithoutTheFlagTest(ServerTestCase):
    """The default server: no rates, no resource limits beyond the model's own."""

    def test_no_throttling(self):
        for _ in range(30):
            self.client.create_domain(DomainName=unique_name("free"), DefaultExpirationDays=30)

    def test_no_resource_limits(self):
        domain = self.create_domain()
        for i in range(3):
            self.client.create_event_stream(DomainName=domain, EventStreamName=f"s{i}",
                                             Uri=STREAM_URI)
        keys = many_keys(12)
        self.client.put_profile_object_type(DomainName=domain, ObjectTypeName="Many",
                                            Description="d", Fields=FIELDS, Keys=keys)


LIMITS = {"ObjectTypesPerDomain": 2, "KeysPerObjectType": 3, "CalculatedAttributesPerDomain": 1,
          "EventStreamsPerDomain": 1, "EventTriggersPerDomain": 1, "IntegrationsPerDomain": 1,
          "ProfileBytes": 2000}


class ResourceLimitsTest(QuotaServerTestCase):
    table = {"limits": [{"limit": k, "value": v} for k, v in LIMITS.items()]}

    def setUp(self):
        self.domain = self.create_domain()
        self.client.put_profile_object_type(DomainName=self.domain, ObjectTypeName="Order",
                                            Description="orders", AllowProfileCreation=True,
                                            Fields=FIELDS, Keys=KEYS)

    def limit_reached(self, call, what, **kwargs):
        self.assertClientError(call, "BadRequestException", 400, f"You reached the limit of {what}",
                               **kwargs)

    def put_type(self, name, keys=KEYS):
        return self.client.put_profile_object_type(DomainName=self.domain, ObjectTypeName=name,
                                                   Description="d", Fields=FIELDS, Keys=keys)

    def test_object_types_per_domain(self):
        self.put_type("Second")
        self.limit_reached(self.put_type, "2 object types per domain", name="Third")
        self.put_type("Second")  # replacing one adds nothing
        self.client.delete_profile_object_type(DomainName=self.domain, ObjectTypeName="Second")
        self.put_type("Third")

    def test_keys_per_object_type(self):
        keys = many_keys(3)  # and the UNIQUE key: 4
        self.assertClientError(self.put_type, "BadRequestException", 400,
                               "more than the limit of 3 keys per object type",
                               name="Order", keys=keys)
        del keys["k2"]
        self.put_type("Order", keys=keys)

    def test_calculated_attributes_per_domain(self):
        def define(name):
            return self.client.create_calculated_attribute_definition(
                DomainName=self.domain, CalculatedAttributeName=name, Statistic="SUM",
                AttributeDetails={"Attributes": [{"Name": "total"}],
                                  "Expression": "{Order.total}"})
        define("spend")
        self.limit_reached(define, "1 calculated attributes per domain", name="spend2")

    def test_event_streams_per_domain(self):
        create = self.client.create_event_stream
        create(DomainName=self.domain, EventStreamName="s1", Uri=STREAM_URI)
        self.limit_reached(create, "1 event streams per domain", DomainName=self.domain,
                           EventStreamName="s2", Uri=STREAM_URI)
        self.client.delete_event_stream(DomainName=self.domain, EventStreamName="s1")
        create(DomainName=self.domain, EventStreamName="s2", Uri=STREAM_URI)

    def test_event_triggers_per_domain(self):
        def create(name):
            return self.client.create_event_trigger(
                DomainName=self.domain, EventTriggerName=name, ObjectTypeName="Order",
                EventTriggerConditions=CONDITIONS)
        create("t1")
        self.limit_reached(create, "1 event triggers per domain", name="t2")

    def test_integrations_per_domain(self):
        first = f"arn:aws:flow:{REGION}:{ACCOUNT}:flow/a-{unique_name('f')}"
        self.client.put_integration(DomainName=self.domain, Uri=first, ObjectTypeName="Order")
        self.limit_reached(self.client.put_integration, "1 integrations per domain",
                           DomainName=self.domain, Uri="s3://bucket/second",
                           ObjectTypeName="Order")
        # Putting the same Uri again updates it.
        self.client.put_integration(DomainName=self.domain, Uri=first, ObjectTypeName="Order")

    def test_profile_size(self):
        self.client.create_profile(DomainName=self.domain, Attributes={"a": "x" * 200})
        big = {f"a{i}": "x" * 200 for i in range(20)}
        self.assertClientError(self.client.create_profile, "BadRequestException", 400,
                               "larger than the limit of 2000 bytes",
                               DomainName=self.domain, Attributes=big)
        pid = self.create_profile(self.domain, FirstName="Ann")
        self.assertClientError(self.client.update_profile, "BadRequestException", 400,
                               "larger than the limit of 2000 bytes",
                               DomainName=self.domain, ProfileId=pid, Attributes=big)

    def test_a_domain_that_does_not_exist_is_reported_as_such(self):
        self.assertClientError(self.client.create_event_stream, "ResourceNotFoundException", 404,
                               DomainName=unique_name("nodom"), EventStreamName="s",
                               Uri=STREAM_URI)


class DomainsPerAccountTest(QuotaServerTestCase):
    table = {"limits": [{"limit": "DomainsPerAccount", "value": 2}]}

    def test_domains_per_account(self):
        a = self.create_domain()
        self.create_domain()
        self.assertClientError(self.client.create_domain, "BadRequestException", 400,
                               "You reached the limit of 2 domains per account",
                               DomainName=unique_name("third"), DefaultExpirationDays=30)
        self.client.delete_domain(DomainName=a)
        self.create_domain()


if __name__ == "__main__":
    unittest.main()
