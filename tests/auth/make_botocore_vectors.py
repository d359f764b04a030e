#!/usr/bin/env python3
"""Regenerates tests/auth/vectors/botocore/: requests signed by the machine's botocore (the
signer of the AWS CLI and boto3) for the `profile` service, at a pinned instant, as golden data
for auth_test. Each request is captured just before it would be sent, so the files hold exactly
what Profiled receives. Run from anywhere; prints the files written.

The instant, keys and region below are repeated in tests/auth/sigv4_botocore_test.cc.
"""
import datetime
import os
from unittest import mock

import boto3
import botocore
import botocore.auth
from botocore.awsrequest import AWSRequest, AWSResponse
from botocore.config import Config
from botocore.credentials import Credentials

NOW = datetime.datetime(2026, 11, 29, 12, 0, 0)  # botocore works in naive UTC
ACCESS_KEY = "AKIAPROFILEDTEST0001"
SECRET_KEY = "pr0f1led/Secret+Key/ForTests00000000000000"
REGION = "us-east-1"
ENDPOINT = "http://localhost:8080"
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "vectors", "botocore")


def raw_request(method, url, headers, body):
    """The request as it reaches the server: request line, headers (Host added as urllib3
    does), empty line, body."""
    split = botocore.compat.urlsplit(url)
    target = split.path + ("?" + split.query if split.query else "")
    lines = [f"{method} {target} HTTP/1.1", f"Host:{split.netloc}"]
    for name, value in headers.items():
        if isinstance(value, bytes):
            value = value.decode("utf-8")
        lines.append(f"{name}:{value}")
    if isinstance(body, str):
        body = body.encode("utf-8")
    body = body or b""
    if body and "Content-Length" not in headers:
        lines.append(f"Content-Length:{len(body)}")
    return ("\n".join(lines) + "\n\n").encode("utf-8") + body


STEPS = {}  # the signer's canonical request and string to sign, captured as it signs


class Spy:
    def __init__(self, real, key):
        self.real, self.key = real, key

    def __get__(self, obj, objtype=None):
        def call(*args, **kwargs):
            STEPS[self.key] = self.real(obj, *args, **kwargs)
            return STEPS[self.key]
        return call


def write(name, data):
    for key, text in STEPS.items():
        with open(os.path.join(OUT, f"{name}.{key}"), "w", encoding="utf-8") as f:
            f.write(text)
    STEPS.clear()
    path = os.path.join(OUT, name + ".txt")
    with open(path, "wb") as f:
        f.write(data)
    print(path)


def main():
    os.makedirs(OUT, exist_ok=True)
    captured = {}

    def capture(request, **kwargs):
        captured["request"] = request
        return AWSResponse(request.url, 200, {}, None)

    SigV4Auth = botocore.auth.SigV4Auth
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=NOW), \
            mock.patch.object(SigV4Auth, "canonical_request",
                              Spy(SigV4Auth.canonical_request, "creq")), \
            mock.patch.object(SigV4Auth, "string_to_sign", Spy(SigV4Auth.string_to_sign, "sts")):
        client = boto3.client(
            "customer-profiles", endpoint_url=ENDPOINT, region_name=REGION,
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
            config=Config(parameter_validation=False, retries={"max_attempts": 0}))
        client.meta.events.register("before-send", capture)
        calls = {
            "create-domain": ("create_domain", {"DomainName": "my-domain",
                                                "DefaultExpirationDays": 366}),
            "get-domain": ("get_domain", {"DomainName": "my-domain"}),
            "list-domains": ("list_domains", {"MaxResults": 10, "NextToken": "a+b/c=="}),
            "search-profiles": ("search_profiles", {"DomainName": "my-domain",
                                                    "KeyName": "_email",
                                                    "Values": ["ünïcødé@example.com"],
                                                    "MaxResults": 5}),
            # Labels that need escaping: the wire path is encoded once, the canonical one twice.
            "delete-object-type-escaped": ("delete_profile_object_type",
                                           {"DomainName": "my domain",
                                            "ObjectTypeName": "a:b/c%d é"}),
        }
        for name, (method, params) in calls.items():
            try:
                getattr(client, method)(**params)
            except Exception:  # the fake 200 has no body to parse; the request is what we want
                pass
            r = captured.pop("request")
            write(name, raw_request(r.method, r.url, r.headers, r.body))

        # A presigned URL for GetDomain (botocore's SigV4QueryAuth), valid 900 seconds.
        url = client.generate_presigned_url("get_domain", Params={"DomainName": "my-domain"},
                                            ExpiresIn=900)
        write("presigned-get-domain", raw_request("GET", url, {}, b""))

        # The Date header instead of X-Amz-Date, signed by SigV4Auth directly.
        request = AWSRequest(method="POST", url=ENDPOINT + "/domains/my-domain/profiles",
                             data=b'{"FirstName":"Ada"}',
                             headers={"Content-Type": "application/json", "Date": "x"})
        botocore.auth.SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "profile",
                                REGION).add_auth(request)
        write("date-header-create-profile",
              raw_request(request.method, request.url, request.headers, request.body))


if __name__ == "__main__":
    main()
