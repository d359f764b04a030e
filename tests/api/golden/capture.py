#!/usr/bin/env python3
"""Captures requests exactly as botocore serializes them, as golden inputs for pipeline_test.

Each case calls the real client (botocore's own serializer and model); a before-send hook records
the request and stops it before any network I/O. The file written per case holds the wire
request and `input`, the document the api layer must bind from it (the call's parameters, with
timestamps as epoch seconds). Run: python3 tests/api/golden/capture.py
"""
import datetime
import json
import os
import urllib.parse

import botocore.session

HERE = os.path.dirname(os.path.abspath(__file__))
KEEP_HEADERS = {"content-type"}


class Captured(Exception):
    pass


CASES = [
    ("CreateDomain", "create_domain", "POST with a label and a JSON body with nested structures",
     {"DomainName": "golden-domain", "DefaultExpirationDays": 30,
      "Matching": {"Enabled": True, "JobSchedule": {"DayOfTheWeek": "MONDAY", "Time": "3:00"}},
      "Tags": {"team": "crm"}}),
    ("ListDomains", "list_domains", "GET with integer and string query members",
     {"MaxResults": 10, "NextToken": "tok+en/="}),
    ("DeleteProfile", "delete_profile", "POST to a literal segment after a label",
     {"DomainName": "golden-domain", "ProfileId": "0123456789abcdef0123456789abcdef"}),
    ("UntagResource", "untag_resource", "DELETE with an encoded ARN label and a query list",
     {"resourceArn": "arn:aws:profile:us-east-1:123456789012:domains/golden-domain",
      "tagKeys": ["team", "cost:center/x"]}),
    ("SearchProfiles", "search_profiles", "POST with query and body members together",
     {"DomainName": "golden-domain", "KeyName": "_email", "Values": ["a@example.com"],
      "MaxResults": 5}),
    ("ListWorkflows", "list_workflows", "timestamps in the body",
     {"DomainName": "golden-domain",
      "QueryStartDate": datetime.datetime(2023, 11, 14, 22, 13, 20, tzinfo=datetime.timezone.utc),
      "QueryEndDate": datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)}),
    ("CreateProfile", "create_profile", "sensitive nested structures and maps",
     {"DomainName": "golden-domain", "FirstName": "Ada", "EmailAddress": "ada@example.com",
      "Address": {"City": "London", "Country": "GB"}, "Attributes": {"tier": "gold"}}),
    ("ListIntegrations", "list_integrations", "a boolean query member",
     {"DomainName": "golden-domain", "IncludeHidden": True}),
]


def jsonable(v):
    if isinstance(v, datetime.datetime):
        return v.timestamp()
    if isinstance(v, dict):
        return {k: jsonable(x) for k, x in v.items()}
    if isinstance(v, list):
        return [jsonable(x) for x in v]
    return v


def main():
    session = botocore.session.get_session()
    client = session.create_client(
        "customer-profiles", region_name="us-east-1", endpoint_url="http://x",
        aws_access_key_id="a", aws_secret_access_key="b")
    captured = {}

    def hook(request, **_):
        captured["request"] = request
        raise Captured()

    client.meta.events.register("before-send", hook)
    for name, method, description, params in CASES:
        try:
            getattr(client, method)(**params)
        except Captured:
            pass
        req = captured.pop("request")
        url = urllib.parse.urlsplit(req.url)
        target = url.path + ("?" + url.query if url.query else "")
        body = req.body.decode() if isinstance(req.body, bytes) else (req.body or "")
        case = {
            "name": name,
            "description": description + " (captured from botocore " + botocore.__version__ + ")",
            "method": req.method,
            "target": target,
            "headers": {k: (v.decode() if isinstance(v, bytes) else v)
                        for k, v in req.headers.items() if k.lower() in KEEP_HEADERS},
            "body": body,
            "input": jsonable(params),
        }
        with open(os.path.join(HERE, name + ".json"), "w", encoding="utf-8") as f:
            json.dump(case, f, indent=2, sort_keys=False)
            f.write("\n")


if __name__ == "__main__":
    main()
