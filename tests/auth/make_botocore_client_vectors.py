#!/usr/bin/env python3
"""Regenerates tests/auth/vectors/botocore-clients/: requests botocore signs as the S3 and
Kinesis clients Profiled's outbound client (src/auth/signer.h, src/aws/) imitates, at a pinned
instant, as golden data for auth_test's signer tests. Run from anywhere; prints the files written.

The instant, keys and region are repeated in tests/auth/signer_test.cc.
"""
import datetime
import os
from unittest import mock

import boto3
import botocore.auth
from botocore.awsrequest import AWSResponse
from botocore.config import Config

from make_botocore_vectors import raw_request

NOW = datetime.datetime(2026, 11, 29, 12, 0, 0)  # botocore works in naive UTC
ACCESS_KEY = "AKIAPROFILEDTEST0001"
SECRET_KEY = "pr0f1led/Secret+Key/ForTests00000000000000"
SESSION_TOKEN = "FwoGZXIvYXdzEProfiledSessionToken+/="
REGION = "us-east-1"
ENDPOINT = "http://127.0.0.1:4568"
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "vectors", "botocore-clients")


def main():
    os.makedirs(OUT, exist_ok=True)
    captured = {}

    def capture(request, **kwargs):
        captured["request"] = request
        return AWSResponse(request.url, 200, {}, None)

    def write(name):
        r = captured.pop("request")
        body = r.body.read() if hasattr(r.body, "read") else r.body
        path = os.path.join(OUT, name + ".txt")
        with open(path, "wb") as f:
            f.write(raw_request(r.method, r.url, r.headers, body))
        print(path)

    config = Config(parameter_validation=False, retries={"max_attempts": 0},
                    s3={"addressing_style": "path"},
                    request_checksum_calculation="when_required")
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=NOW):
        for token, suffix in ((None, ""), (SESSION_TOKEN, "-session-token")):
            s3 = boto3.client("s3", endpoint_url=ENDPOINT, region_name=REGION,
                              aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
                              aws_session_token=token, config=config)
            s3.meta.events.register("before-send", capture)
            try:
                s3.put_object(Bucket="snapshots", Key="segments/a b/ü+1.csv",
                              Body=b"ProfileId\n1\n", ContentType="text/csv")
            except Exception:  # the fake 200 has no body to parse; the request is what we want
                pass
            write("s3-put-object" + suffix)
        s3.meta.events.register("before-send", capture)
        try:
            s3.list_objects_v2(Bucket="snapshots", Prefix="segments/a b/", MaxKeys=10)
        except Exception:
            pass
        write("s3-list-objects-v2")

        kinesis = boto3.client("kinesis", endpoint_url=ENDPOINT, region_name=REGION,
                               aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
                               config=config)
        kinesis.meta.events.register("before-send", capture)
        try:
            kinesis.put_records(StreamName="events", Records=[
                {"Data": b'{"EventId":"1"}', "PartitionKey": "p1"}])
        except Exception:
            pass
        write("kinesis-put-records")


if __name__ == "__main__":
    main()
