"""Errors as AWS answers them: validation naming the member, malformed and oversize requests,
unknown routes and resources; and every one of the model's operations answering either a real
result or a clear error, never a 500 or a dropped connection."""

import http.client
import json
import socket
import unittest

import botocore.auth
import botocore.awsrequest
import botocore.credentials
from botocore.exceptions import BotoCoreError

import harness
from harness import ClientError, ServerTestCase, unique_name
from model_inputs import minimal_input, python_method_name


class ValidationTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.domain = unique_name("val")
        cls.client.create_domain(DomainName=cls.domain, DefaultExpirationDays=366)

    def assertStillServing(self):
        self.assertEqual(self.client.get_domain(DomainName=self.domain)["DomainName"], self.domain)

    def test_expiration_days_zero_names_the_member(self):
        self.assertClientError(self.loose_client.create_domain, "BadRequestException", 400,
                               "DefaultExpirationDays", DomainName=unique_name("v"),
                               DefaultExpirationDays=0)
        self.assertStillServing()

    def test_expiration_days_on_update_is_checked_too(self):
        self.assertClientError(self.loose_client.update_domain, "BadRequestException", 400,
                               "DefaultExpirationDays", DomainName=self.domain,
                               DefaultExpirationDays=1099)
        self.assertEqual(self.client.get_domain(DomainName=self.domain)["DefaultExpirationDays"], 366)

    def test_domain_name_with_invalid_characters(self):
        for bad in ("bad name", "bad.name", "bad*name", "bädname"):
            with self.subTest(bad=bad):
                self.assertClientError(self.loose_client.create_domain, "BadRequestException", 400,
                                       "DomainName", DomainName=bad, DefaultExpirationDays=1)
        self.assertStillServing()

    def test_domain_name_too_long(self):
        self.assertClientError(self.loose_client.create_domain, "BadRequestException", 400,
                               "DomainName", DomainName="d" * 65, DefaultExpirationDays=1)
        self.assertClientError(self.loose_client.get_domain, "BadRequestException", 400,
                               "DomainName", DomainName="d" * 65)

    def test_missing_required_member(self):
        self.assertClientError(self.loose_client.create_domain, "BadRequestException", 400,
                               "DefaultExpirationDays", DomainName=unique_name("v"))
        self.assertClientError(self.loose_client.search_profiles, "BadRequestException", 400,
                               "KeyName", DomainName=self.domain, Values=["x"])
        self.assertClientError(self.loose_client.search_profiles, "BadRequestException", 400,
                               "Values", DomainName=self.domain, KeyName="_email")

    def test_missing_required_nested_member(self):
        self.assertClientError(self.loose_client.update_domain, "BadRequestException", 400,
                               "Enabled", DomainName=self.domain, Matching={})
        self.assertClientError(self.loose_client.update_domain, "BadRequestException", 400,
                               "Time", DomainName=self.domain,
                               Matching={"Enabled": True, "JobSchedule": {"DayOfTheWeek": "MONDAY"}})

    def test_pattern_enum_and_length_violations_name_the_member(self):
        self.assertClientError(self.loose_client.update_domain, "BadRequestException", 400,
                               "Time", DomainName=self.domain,
                               Matching={"Enabled": True,
                                         "JobSchedule": {"DayOfTheWeek": "MONDAY", "Time": "25:00"}})
        self.assertClientError(self.loose_client.update_domain, "BadRequestException", 400,
                               "DayOfTheWeek", DomainName=self.domain,
                               Matching={"Enabled": True,
                                         "JobSchedule": {"DayOfTheWeek": "FUNDAY", "Time": "10:00"}})
        self.assertClientError(self.loose_client.create_profile, "BadRequestException", 400,
                               "Gender", DomainName=self.domain, Gender="ROBOT")
        self.assertClientError(self.loose_client.create_profile, "BadRequestException", 400,
                               "FirstName", DomainName=self.domain, FirstName="x" * 256)
        self.assertClientError(self.loose_client.create_profile, "BadRequestException", 400,
                               "FirstName", DomainName=self.domain, FirstName="")
        self.assertClientError(self.loose_client.search_profiles, "BadRequestException", 400,
                               "KeyName", DomainName=self.domain, KeyName="bad key", Values=["x"])
        self.assertClientError(self.loose_client.search_profiles, "BadRequestException", 400,
                               "MaxResults", DomainName=self.domain, KeyName="_email",
                               Values=["x"], MaxResults=101)
        self.assertClientError(self.loose_client.update_profile, "BadRequestException", 400,
                               "ProfileId", DomainName=self.domain, ProfileId="NOT-A-UUID")
        self.assertClientError(self.loose_client.search_profiles, "BadRequestException", 400,
                               "MaxResults", DomainName=self.domain, KeyName="_email",
                               Values=["x"], MaxResults=0)
        self.assertClientError(self.loose_client.batch_get_profile, "BadRequestException", 400,
                               "ProfileIds", DomainName=self.domain, ProfileIds=[])
        self.assertStillServing()

    def test_wrong_json_type_is_bad_request(self):
        name = unique_name("v")
        resp = self.server.raw("POST", f"/domains/{name}",
                               json.dumps({"DefaultExpirationDays": "many"}),
                               {"Content-Type": "application/json"})
        self.assertEqual(resp.status, 400, resp)
        self.assertTrue(resp.headers.get("x-amzn-errortype", "").startswith("BadRequestException")
                        or resp.headers.get("x-amzn-errortype", "").startswith("SerializationException"),
                        resp)
        self.assertClientError(self.client.get_domain, "ResourceNotFoundException", 404,
                               DomainName=name)

    def test_malformed_json_body_is_400(self):
        name = unique_name("v")
        for body in ('{"DefaultExpirationDays": 3', "not json at all", "[1, 2, 3]", '"a string"'):
            with self.subTest(body=body):
                resp = self.server.raw("POST", f"/domains/{name}", body,
                                       {"Content-Type": "application/json"})
                self.assertEqual(resp.status, 400, resp)
                self.assertIn("x-amzn-errortype", resp.headers, resp)
        self.assertClientError(self.client.get_domain, "ResourceNotFoundException", 404,
                               DomainName=name)
        self.assertStillServing()

    def test_unknown_route_is_4xx(self):
        for method, path in (("GET", "/no-such-thing"), ("POST", "/domains/x/no/such/route"),
                             ("PATCH", f"/domains/{self.domain}"), ("GET", "/")):
            with self.subTest(method=method, path=path):
                resp = self.server.raw(method, path, b"" if method == "GET" else b"{}")
                self.assertGreaterEqual(resp.status, 400, resp)
                self.assertLess(resp.status, 500, resp)
        self.assertStillServing()

    def test_oversize_body_announced_by_content_length(self):
        # Headers promise 2 MiB; the server need not wait for the bytes to refuse them.
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=15)
        try:
            conn.putrequest("POST", f"/domains/{unique_name('big')}")
            conn.putheader("Content-Type", "application/json")
            conn.putheader("Content-Length", str(2 * 1024 * 1024))
            conn.endheaders()
            resp = conn.getresponse()
            resp.read()
            self.assertTrue(resp.status == 413 or 400 <= resp.status < 500, resp.status)
        finally:
            conn.close()
        self.assertStillServing()

    def test_oversize_body_sent_in_full(self):
        big = json.dumps({"DefaultExpirationDays": 1,
                          "Tags": {"k": "v" * 200},
                          "Padding": "x" * (1536 * 1024)}).encode()
        req = botocore.awsrequest.AWSRequest(
            method="POST", url=f"{self.server.endpoint}/domains/{unique_name('big')}", data=big,
            headers={"Content-Type": "application/json"})
        botocore.auth.SigV4Auth(botocore.credentials.Credentials(harness.ACCESS_KEY,
                                                                 harness.SECRET_KEY),
                                "profile", "us-east-1").add_auth(req)
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=15)
        status = None
        try:
            conn.putrequest("POST", req.url.split(str(self.server.port), 1)[1],
                            skip_accept_encoding=True)
            for k, v in req.headers.items():
                conn.putheader(k, v)
            conn.putheader("Content-Length", str(len(big)))
            conn.endheaders()
            try:
                for i in range(0, len(big), 64 * 1024):
                    conn.send(big[i:i + 64 * 1024])
            except (BrokenPipeError, ConnectionResetError):
                pass  # the server may answer and close before reading everything
            resp = conn.getresponse()
            resp.read()
            status = resp.status
        except (ConnectionResetError, http.client.RemoteDisconnected) as e:
            self.fail(f"server dropped an oversize request without an answer: {e!r}")
        finally:
            conn.close()
        self.assertTrue(status == 413 or 400 <= status < 500, status)
        self.assertStillServing()

    def test_unknown_domain_is_404_with_error_type_header(self):
        missing = unique_name("missing")
        resp = self.server.raw("GET", f"/domains/{missing}")
        self.assertEqual(resp.status, 404, resp)
        self.assertEqual(resp.headers.get("x-amzn-errortype", "").split(":")[0],
                         "ResourceNotFoundException", resp)
        body = resp.json()
        self.assertTrue(body.get("Message") or body.get("message"), resp)
        self.assertClientError(self.client.get_domain, "ResourceNotFoundException", 404,
                               DomainName=missing)
        self.assertClientError(self.client.create_profile, "ResourceNotFoundException", 404,
                               DomainName=missing, FirstName="A")
        self.assertClientError(self.client.search_profiles, "ResourceNotFoundException", 404,
                               DomainName=missing, KeyName="_email", Values=["a@b.c"])

    def test_request_id_header(self):
        resp = self.client.get_domain(DomainName=self.domain)
        headers = resp["ResponseMetadata"]["HTTPHeaders"]
        self.assertTrue(headers.get("x-amzn-requestid"), headers)
        self.assertTrue(resp["ResponseMetadata"].get("RequestId"))


class HttpProtocolTest(ServerTestCase):
    """HTTP/1.1 details that SDKs and proxies rely on."""

    def test_percent_encoded_label_is_decoded(self):
        self.client.create_domain(DomainName="pct-enc", DefaultExpirationDays=3)
        resp = self.server.raw("GET", "/domains/pct%2Denc")
        self.assertEqual(resp.status, 200, resp)
        self.assertEqual(resp.json()["DomainName"], "pct-enc")

    def test_non_integer_query_member_names_it(self):
        resp = self.server.raw("GET", "/domains?max-results=abc")
        self.assertEqual(resp.status, 400, resp)
        self.assertIn("maxresults", resp.json()["Message"].lower())

    def test_chunked_body_and_keep_alive(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)
        try:
            body = json.dumps({"DefaultExpirationDays": 4}).encode()
            name = unique_name("chunk")
            conn.request("POST", f"/domains/{name}", body=iter([body[:5], body[5:]]),
                         headers={"Content-Type": "application/json"}, encode_chunked=True)
            r = conn.getresponse()
            data = r.read()
            self.assertEqual(r.status, 200, data)
            self.assertEqual(json.loads(data)["DefaultExpirationDays"], 4)
            conn.request("GET", f"/domains/{name}")  # same connection
            r = conn.getresponse()
            self.assertEqual(r.status, 200)
            self.assertEqual(json.loads(r.read())["DomainName"], name)
        finally:
            conn.close()

    def test_expect_100_continue(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)
        try:
            name = unique_name("expect")
            conn.request("POST", f"/domains/{name}", body=json.dumps({"DefaultExpirationDays": 6}),
                         headers={"Expect": "100-continue", "Content-Type": "application/json"})
            r = conn.getresponse()
            self.assertEqual(r.status, 200)
            self.assertEqual(json.loads(r.read())["DefaultExpirationDays"], 6)
        finally:
            conn.close()


# Operations that would destroy the shared fixtures run last.
_LAST = ["DeleteProfile", "DeleteDomain"]


class AllOperationsTest(ServerTestCase):
    """Each of the 106 operations with minimal valid input: an answer, or a model error, or 501."""

    def test_every_operation_answers_cleanly(self):
        model = harness.service_model()
        self.assertEqual(len(model.operation_names), 106)
        domain = unique_name("allops")
        self.client.create_domain(DomainName=domain, DefaultExpirationDays=366)
        profile_id = self.create_profile(domain, FirstName="Ops", EmailAddress="ops@example.com")
        known = {"DomainName": domain, "ProfileId": profile_id}
        client = self.server.client(read_timeout=30)
        names = sorted(model.operation_names, key=lambda n: (n in _LAST, _LAST.index(n)
                                                             if n in _LAST else 0, n))
        outcomes = {}
        for op in names:
            om = model.operation_model(op)
            params = minimal_input(om, known)
            allowed = {e.name: e.metadata.get("error", {}).get("httpStatusCode")
                       for e in om.error_shapes if e.name != "InternalServerException"}
            with self.subTest(operation=op, params=params):
                try:
                    resp = getattr(client, python_method_name(op))(**params)
                    status = resp["ResponseMetadata"]["HTTPStatusCode"]
                    outcomes[op] = str(status)
                    self.assertLess(status, 300, f"{op}: {resp}")
                except ClientError as e:
                    code = e.response.get("Error", {}).get("Code")
                    status = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
                    outcomes[op] = f"{status} {code}"
                    if code == "NotImplementedException":
                        self.assertEqual(status, 501, f"{op}: {e.response}")
                        continue
                    self.assertIn(code, allowed, f"{op}: {code} is not an error of the operation "
                                                 f"({sorted(allowed)}): {e.response}")
                    self.assertEqual(status, allowed[code], f"{op}: {e.response}")
                    self.assertLess(status, 500, f"{op}: {e.response}")
                except BotoCoreError as e:
                    outcomes[op] = f"transport {type(e).__name__}"
                    self.fail(f"{op}: no clean answer: {e!r}")
                self.assertTrue(self.server.alive(), f"server died on {op}:\n{self.server.log_tail()}")
        self.assertEqual(len(outcomes), 106)
        summary = "\n".join(f"  {op}: {o}" for op, o in sorted(outcomes.items()))
        print(f"\noperation outcomes:\n{summary}")
        self.assertTrue(self.server.alive())
        # Still serving after all of them.
        other = unique_name("after")
        self.client.create_domain(DomainName=other, DefaultExpirationDays=2)
        self.assertEqual(self.client.get_domain(DomainName=other)["DefaultExpirationDays"], 2)

    def test_connection_survives_many_requests(self):
        # Keep-alive: one boto3 client, one pooled connection, many requests in a row.
        domain = self.create_domain()
        for _ in range(50):
            self.client.get_domain(DomainName=domain)
        s = socket.create_connection(("127.0.0.1", self.server.port), timeout=5)
        s.close()  # a connection opened and closed without a byte must not upset the server
        self.assertEqual(self.client.get_domain(DomainName=domain)["DomainName"], domain)


if __name__ == "__main__":
    unittest.main()
