#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets from requests exactly as botocore sends them.

Like tests/api/golden/capture.py, each case calls the real botocore client (its own serializer
and SigV4 signer); a before-send hook records the prepared request and stops it before any
network I/O. From each captured request it writes:
  corpus/binder/<case>       the body (binder_fuzz binds it for every operation)
  corpus/pipeline/<case>     "<METHOD> <target>\\n<Name>: <value>\\n...\\n\\n<body>"
  corpus/http_parser/<case>  one byte (read size) + the request as HTTP/1.1 bytes on the wire
plus a few hand-written wire forms (chunked, pipelined, Expect: 100-continue, HTTP/1.0).
Files are named after the case, so re-running rewrites the same seeds; inputs libFuzzer found
(crashes kept as regressions, named regression-*) are left alone.

Run: python3 tests/fuzz/make_seeds.py
"""
import datetime
import os
import urllib.parse

import botocore.session

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")


class Captured(Exception):
    pass


D = "fuzz-domain"
PID = "0123456789abcdef0123456789abcdef"
ARN = f"arn:aws:profile:us-east-1:111122223333:domains/{D}"
T0 = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)

CASES = [
    ("create-domain", "create_domain",
     {"DomainName": D, "DefaultExpirationDays": 366,
      "Matching": {"Enabled": True, "JobSchedule": {"DayOfTheWeek": "MONDAY", "Time": "3:00"},
                   "AutoMerging": {"Enabled": True, "Consolidation": {
                       "MatchingAttributesList": [["EmailAddress"]]},
                       "ConflictResolution": {"ConflictResolvingModel": "RECENCY"}}},
      "Tags": {"team": "crm"}}),
    ("get-domain", "get_domain", {"DomainName": D}),
    ("update-domain", "update_domain", {"DomainName": D, "DefaultExpirationDays": 30,
                                        "Tags": {"k": "v"}}),
    ("list-domains", "list_domains", {"MaxResults": 10, "NextToken": "tok+en/="}),
    ("delete-domain", "delete_domain", {"DomainName": D}),
    ("create-profile", "create_profile",
     {"DomainName": D, "FirstName": "Ada", "LastName": "Lovelace",
      "EmailAddress": "ada@example.com", "PhoneNumber": "+441234567890",
      "BirthDate": "1815-12-10", "Gender": "FEMALE", "PartyType": "INDIVIDUAL",
      "Address": {"Address1": "12 St James's Square", "City": "London", "Country": "GB",
                  "PostalCode": "SW1Y 4JH"},
      "Attributes": {"tier": "gold", "notes": "caf\u00e9 \u2603 \U0001f600"}}),
    ("update-profile", "update_profile",
     {"DomainName": D, "ProfileId": PID, "FirstName": "", "MiddleName": "Augusta",
      "Address": {"City": ""}, "Attributes": {"tier": ""}}),
    ("delete-profile", "delete_profile", {"DomainName": D, "ProfileId": PID}),
    ("search-profiles", "search_profiles",
     {"DomainName": D, "KeyName": "_email", "Values": ["ada@example.com"], "MaxResults": 5}),
    ("search-profiles-and", "search_profiles",
     {"DomainName": D, "KeyName": "_email", "Values": ["a@example.com"],
      "AdditionalSearchKeys": [{"KeyName": "_phone", "Values": ["+1555"]}],
      "LogicalOperator": "AND"}),
    ("add-profile-key", "add_profile_key",
     {"DomainName": D, "ProfileId": PID, "KeyName": "_email", "Values": ["x@example.com"]}),
    ("delete-profile-key", "delete_profile_key",
     {"DomainName": D, "ProfileId": PID, "KeyName": "_email", "Values": ["x@example.com"]}),
    ("put-profile-object-type", "put_profile_object_type",
     {"DomainName": D, "ObjectTypeName": "Orders", "Description": "orders",
      "AllowProfileCreation": True,
      "Fields": {"email": {"Source": "_source.email", "Target": "_profile.EmailAddress",
                           "ContentType": "EMAIL_ADDRESS"},
                 "id": {"Source": "_source.id", "Target": "_profile.AccountNumber",
                        "ContentType": "STRING"}},
      "Keys": {"_email": [{"StandardIdentifiers": ["PROFILE", "UNIQUE"],
                           "FieldNames": ["email"]}],
               "orderid": [{"StandardIdentifiers": ["UNIQUE"], "FieldNames": ["id"]}]}}),
    ("put-profile-object-type-template", "put_profile_object_type",
     {"DomainName": D, "ObjectTypeName": "CTR", "Description": "ctr",
      "TemplateId": "CTR-NoInferred"}),
    ("get-profile-object-type", "get_profile_object_type",
     {"DomainName": D, "ObjectTypeName": "Orders"}),
    ("list-profile-object-types", "list_profile_object_types", {"DomainName": D}),
    ("list-profile-object-type-templates", "list_profile_object_type_templates", {}),
    ("get-profile-object-type-template", "get_profile_object_type_template",
     {"TemplateId": "Salesforce-Account"}),
    ("delete-profile-object-type", "delete_profile_object_type",
     {"DomainName": D, "ObjectTypeName": "Orders"}),
    ("put-profile-object", "put_profile_object",
     {"DomainName": D, "ObjectTypeName": "Orders",
      "Object": '{"email": "ada@example.com", "id": "o-1", "items": [1, 2, {"a": null}]}'}),
    ("list-profile-objects", "list_profile_objects",
     {"DomainName": D, "ObjectTypeName": "Orders", "ProfileId": PID,
      "ObjectFilter": {"KeyName": "orderid", "Values": ["o-1"]}, "MaxResults": 3}),
    ("delete-profile-object", "delete_profile_object",
     {"DomainName": D, "ObjectTypeName": "Orders", "ProfileId": PID,
      "ProfileObjectUniqueKey": "abc"}),
    ("detect-profile-object-type", "detect_profile_object_type",
     {"DomainName": D, "Objects": ['{"email": "a@example.com", "FirstName": "A"}']}),
    ("tag-resource", "tag_resource", {"resourceArn": ARN, "tags": {"a": "1", "b:c/d": "2"}}),
    ("untag-resource", "untag_resource", {"resourceArn": ARN, "tagKeys": ["a", "b:c/d"]}),
    ("list-tags-for-resource", "list_tags_for_resource", {"resourceArn": ARN}),
    ("list-integrations", "list_integrations", {"DomainName": D, "IncludeHidden": True}),
    ("list-workflows", "list_workflows",
     {"DomainName": D, "QueryStartDate": T0, "QueryEndDate": T0 + datetime.timedelta(days=1)}),
    ("get-profile-history-record", "get_profile_history_record",
     {"DomainName": D, "ProfileId": PID, "Id": PID}),
    ("list-profile-history-records", "list_profile_history_records",
     {"DomainName": D, "ProfileId": PID}),
    ("list-account-integrations", "list_account_integrations",
     {"Uri": "arn:aws:flow:us-east-1:111122223333:flow/x"}),
    ("batch-get-profile", "batch_get_profile", {"DomainName": D, "ProfileIds": [PID, PID]}),
    ("list-profile-attribute-values", "list_profile_attribute_values",
     {"DomainName": D, "AttributeName": "FirstName"}),
]

# Hand-written HTTP/1.1 wire forms the parser must handle (read size byte first).
RAW = {
    "raw-chunked": b"\x07POST /domains/d/profiles HTTP/1.1\r\nHost: h\r\n"
                   b"Transfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n"
                   b"5\r\n{\"Fir\r\n10;ext=1\r\nstName\": \"Ada\"}\r\n0\r\nTrailer: x\r\n\r\n",
    "raw-pipelined": b"\x03GET /domains HTTP/1.1\r\nHost: h\r\n\r\n"
                     b"GET /domains/d HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n{}"
                     b"DELETE /domains/d HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
    "raw-expect-continue": b"\x20PUT /domains/d/object-types/t HTTP/1.1\r\nHost: h\r\n"
                           b"Expect: 100-continue\r\nContent-Length: 2\r\n\r\n{}",
    "raw-http10": b"\x3fGET /domains HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
    "raw-folded-header": b"\x01GET / HTTP/1.1\r\nHost: h\r\nX-A: one\r\n two\r\n\r\n",
    "raw-too-large": b"\x3fPOST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999\r\n\r\n",
    "raw-duplicate-length": b"\x3fPOST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n"
                            b"\r\nab",
    "raw-absolute-target": b"\x3fGET http://h:8080/domains?max-results=2 HTTP/1.1\r\nHost: h\r\n\r\n",
}

# Hand-written bodies for the binder (shapes botocore would not send).
BODIES = {
    "body-nulls": b'{"DomainName": null, "Tags": {"a": null}, "Attributes": null}',
    "body-deep": b"[" * 40 + b"]" * 40,
    "body-timestamps": b'{"QueryStartDate": "2023-11-14T22:13:20.5+01:00", '
                       b'"QueryEndDate": "Tue, 14 Nov 2023 22:13:20 GMT", "Timestamp": 1e308}',
    "body-numbers": b'{"DefaultExpirationDays": 1e999, "MaxResults": -0, "Min": 9223372036854775808}',
    "body-unicode": '{"FirstName": "\\ud83d\\ude00\\u0000 \u00e9", "Values": ["\\udc00"]}'.encode(),
}


def wire_bytes(req, target):
    body = req.body or b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    lines = [f"{req.method} {target} HTTP/1.1", "Host: 127.0.0.1:8080"]
    for k, v in req.headers.items():
        lines.append(f"{k}: {v.decode() if isinstance(v, bytes) else v}")
    if body and "Content-Length" not in req.headers:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + body


def write(target_dir, name, data):
    d = os.path.join(CORPUS, target_dir)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def main():
    session = botocore.session.get_session()
    client = session.create_client(
        "customer-profiles", region_name="us-east-1", endpoint_url="http://127.0.0.1:8080",
        aws_access_key_id="AKIDFUZZSEED", aws_secret_access_key="fuzz-seed-not-a-secret")
    captured = {}

    def hook(request, **_):
        captured["request"] = request
        raise Captured()

    client.meta.events.register("before-send", hook)
    for i, (name, method, params) in enumerate(CASES):
        try:
            getattr(client, method)(**params)
        except Captured:
            pass
        req = captured.pop("request")
        url = urllib.parse.urlsplit(req.url)
        target = url.path + ("?" + url.query if url.query else "")
        body = req.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        write("binder", name, body)
        head = f"{req.method} {target}\n"
        for k, v in req.headers.items():
            head += f"{k}: {v.decode() if isinstance(v, bytes) else v}\n"
        write("pipeline", name, head.encode("utf-8") + b"\n" + body)
        write("http_parser", name, bytes([i % 64]) + wire_bytes(req, target))
    for name, data in RAW.items():
        write("http_parser", name, data)
    for name, data in BODIES.items():
        write("binder", name, data)
        write("pipeline", name, b"POST /domains/fuzz-domain/profiles\n"
                                b"Content-Type: application/json\n\n" + data)
    print(f"wrote {len(CASES)} captured and {len(RAW) + len(BODIES)} hand-written seeds "
          f"under {CORPUS}")


if __name__ == "__main__":
    main()
