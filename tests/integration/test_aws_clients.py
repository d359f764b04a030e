"""Profiled's outbound S3 and Kinesis clients (src/aws/) against real local servers from npm:
s3rver and kinesalite (aws_servers.py). The aws_test binary's
RealServers tests write through the clients; boto3 reads back what they wrote."""

import os
import subprocess
import unittest

from aws_servers import S3RVER_KEY, Kinesalite, S3rver, require_node_servers
from harness import profiled_bin, unique_name


def aws_test_bin():
    build = os.path.dirname(os.path.dirname(profiled_bin()))  # <build>/src/profiled
    return os.path.join(build, "tests", "aws_test")


class AwsClientsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require_node_servers(unittest.TestCase())
        if not os.path.exists(aws_test_bin()):
            raise unittest.SkipTest(f"{aws_test_bin()} is not built")
        cls.s3 = S3rver().start()
        cls.kinesis = Kinesalite().start()

    @classmethod
    def tearDownClass(cls):
        cls.s3.cleanup()
        cls.kinesis.cleanup()

    def run_gtest(self, filter_, env):
        proc = subprocess.run([aws_test_bin(), f"--gtest_filter={filter_}"],
                              env={**os.environ, **env}, capture_output=True, text=True,
                              timeout=120)
        self.assertEqual(proc.returncode, 0, proc.stdout[-4000:] + proc.stderr[-2000:])
        self.assertNotIn("SKIPPED", proc.stdout)
        self.assertIn("[  PASSED  ]", proc.stdout)

    def test_s3_objects_written_are_read_back_by_boto3(self):
        bucket = unique_name("bucket", 40).lower()
        s3 = self.s3.client()
        s3.create_bucket(Bucket=bucket)
        self.run_gtest("RealServers.S3*", {
            "PROFILED_TEST_S3_ENDPOINT": self.s3.endpoint, "PROFILED_TEST_S3_BUCKET": bucket,
            "AWS_ACCESS_KEY_ID": S3RVER_KEY[0], "AWS_SECRET_ACCESS_KEY": S3RVER_KEY[1]})
        got = s3.get_object(Bucket=bucket, Key="snapshots/seg 1/part+ü.csv")
        self.assertEqual(got["Body"].read(), b"ProfileId\nabc\n")
        self.assertEqual(got["ContentType"], "text/csv")
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
        self.assertEqual(keys, ["snapshots/seg 1/part+ü.csv"])

    def test_kinesis_records_written_are_read_back_by_boto3(self):
        name = unique_name("stream", 60)
        arn = self.kinesis.create_stream(name)
        self.run_gtest("RealServers.Kinesis*", {
            "PROFILED_TEST_KINESIS_ENDPOINT": self.kinesis.endpoint,
            "PROFILED_TEST_KINESIS_STREAM_ARN": arn,
            "AWS_ACCESS_KEY_ID": "AKIDKINESIS", "AWS_SECRET_ACCESS_KEY": "secret"})
        records = self.kinesis.read_all(name)
        self.assertEqual(records, [("p1", b'{"n":1}'), ("p2", b'{"n":2}'), ("p1", b"\x00\xff")])


if __name__ == "__main__":
    unittest.main()
