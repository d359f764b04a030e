"""Authentication and account isolation against the real binary with --credentials.

The server reads a credentials file with two identities in two accounts:
  A = the harness's dummy key (so boto3 clients, the AWS CLI and raw_request() sign as A),
      account 111122223333;
  B = another key, account 444455556666.
Checked: right secret works, wrong secret is 403 InvalidSignatureException, unknown key is 403
UnrecognizedClientException, no signature is 403 MissingAuthenticationTokenException; account A
cannot see, list, change, tag or learn the existence of account B's domain (it gets exactly what a
missing domain gets); one domain name lives independently in both accounts; SIGHUP adds a key;
`serve` refuses a non-loopback address without credentials; and at --log-level debug nothing
secret (secret keys, signatures, the Authorization header, profile field values) reaches the log.
"""

import os
import re
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import uuid

from harness import (ACCESS_KEY, SECRET_KEY, ClientError, ServerProcess, ServerTestCase,
                     StoreFixture, make_client, profiled_bin, raw_request, unique_name)

ACCOUNT_A = "111122223333"
ACCOUNT_B = "444455556666"
KEY_B = "AKIDPROFILEDACCOUNTB01"
SECRET_B = "account-b/Secret+Key0000000000000000000B"
KEY_C = "AKIDPROFILEDADDEDLATER1"
SECRET_C = "added-by-sighup/Secret+Key00000000000000C"
REGION = "us-east-1"


def credentials_text(extra=""):
    return (
        "# two identities in two accounts\n"
        "[alice]\n"
        f"aws_access_key_id = {ACCESS_KEY}\n"
        f"aws_secret_access_key = {SECRET_KEY}\n"
        f"aws_account_id = {ACCOUNT_A}\n"
        "\n"
        "[bob]\n"
        f"aws_access_key_id = {KEY_B}\n"
        f"aws_secret_access_key = {SECRET_B}\n"
        f"aws_account_id = {ACCOUNT_B}\n" + extra)


def arn(account, domain):
    return f"arn:aws:profile:{REGION}:{account}:domains/{domain}"


class CredentialsServerTestCase(ServerTestCase):
    """A ServerTestCase whose server runs with --credentials (a file in the class's temp dir)."""

    @classmethod
    def setUpClass(cls):
        fd, cls.credentials_path = tempfile.mkstemp(prefix="profiled-creds-", suffix=".ini")
        with os.fdopen(fd, "w") as f:
            f.write(credentials_text())
        cls.server_args = ("--credentials", cls.credentials_path)
        super().setUpClass()
        cls.client_b = make_client(cls.server.endpoint, access_key=KEY_B, secret_key=SECRET_B)

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            os.unlink(cls.credentials_path)

    def error_of(self, call, *args, **kwargs):
        with self.assertRaises(ClientError) as cm:
            call(*args, **kwargs)
        r = cm.exception.response
        return (r["ResponseMetadata"]["HTTPStatusCode"], r["Error"]["Code"],
                r["Error"].get("Message", ""))


class AuthenticationTest(CredentialsServerTestCase):

    def test_right_secret_works_for_both_identities(self):
        self.client.list_domains()
        self.client_b.list_domains()

    def test_aws_cli_signs_and_is_accepted(self):
        r = self.server.aws("list-domains")
        self.assertTrue(r.ok, r)

    def test_wrong_secret_is_invalid_signature(self):
        bad = make_client(self.server.endpoint, access_key=ACCESS_KEY, secret_key="not-the-secret")
        self.assertClientError(bad.list_domains, "InvalidSignatureException", 403)
        bad_b = make_client(self.server.endpoint, access_key=KEY_B, secret_key=SECRET_KEY)
        self.assertClientError(bad_b.get_domain, "InvalidSignatureException", 403,
                               DomainName="whatever")

    def test_unknown_key_is_unrecognized_client(self):
        stranger = make_client(self.server.endpoint, access_key="AKIDNOBODYKNOWSTHIS",
                               secret_key=SECRET_KEY)
        self.assertClientError(stranger.list_domains, "UnrecognizedClientException", 403)

    def test_unsigned_request_is_missing_authentication_token(self):
        for method, path, body in (("GET", "/domains", b""),
                                   ("POST", "/domains/x", b'{"DefaultExpirationDays": 1}')):
            r = raw_request(self.server.port, method, path, body,
                            {"Content-Type": "application/json"}, sign=False)
            self.assertEqual(r.status, 403, r)
            self.assertEqual(r.headers.get("x-amzn-errortype", "").split(":")[0],
                             "MissingAuthenticationTokenException", r)

    def test_signed_raw_request_is_accepted(self):
        r = raw_request(self.server.port, "GET", "/domains")
        self.assertEqual(r.status, 200, r)

    def test_tampered_body_after_signing_is_rejected(self):
        # A signature covers the body: sign one body, send another.
        import botocore.auth
        import botocore.awsrequest
        import botocore.credentials
        import http.client
        host = f"127.0.0.1:{self.server.port}"
        name = unique_name("tamper")
        req = botocore.awsrequest.AWSRequest(
            method="POST", url=f"http://{host}/domains/{name}",
            data=b'{"DefaultExpirationDays": 1}', headers={"Content-Type": "application/json"})
        botocore.auth.SigV4Auth(botocore.credentials.Credentials(ACCESS_KEY, SECRET_KEY),
                                "profile", REGION).add_auth(req)
        headers = dict(req.headers.items())
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)
        try:
            conn.request("POST", f"/domains/{name}", body=b'{"DefaultExpirationDays": 9}',
                         headers=headers)
            resp = conn.getresponse()
            resp.read()
            self.assertEqual(resp.status, 403)
        finally:
            conn.close()
        self.assertClientError(self.client.get_domain, "ResourceNotFoundException", 404,
                               DomainName=name)


class AccountIsolationTest(CredentialsServerTestCase):

    def setUp(self):
        self.name = unique_name("iso")
        self.client_b.create_domain(DomainName=self.name, DefaultExpirationDays=10,
                                    Tags={"owner": "b"})
        self.missing = unique_name("never")

    def assert_same_as_missing(self, call, **kwargs):
        """A's call on B's domain answers exactly as the call on a domain nobody has: same
        status, code and message (with the name swapped)."""
        got = self.error_of(call, **{k: (v.replace("__D__", self.name) if isinstance(v, str)
                                         else v) for k, v in kwargs.items()})
        ref = self.error_of(call, **{k: (v.replace("__D__", self.missing) if isinstance(v, str)
                                         else v) for k, v in kwargs.items()})
        self.assertEqual(got[0], 404, got)
        self.assertEqual(got[1], "ResourceNotFoundException", got)
        self.assertEqual((got[0], got[1], got[2].replace(self.name, "X")),
                         (ref[0], ref[1], ref[2].replace(self.missing, "X")))

    def test_cannot_get_b_domain(self):
        self.assert_same_as_missing(self.client.get_domain, DomainName="__D__")

    def test_list_domains_shows_only_own(self):
        own = self.create_domain()
        names_a = {d["DomainName"] for d in self.client.list_domains(MaxResults=100)["Items"]}
        names_b = {d["DomainName"] for d in self.client_b.list_domains(MaxResults=100)["Items"]}
        self.assertIn(own, names_a)
        self.assertNotIn(self.name, names_a)
        self.assertIn(self.name, names_b)
        self.assertNotIn(own, names_b)

    def test_cannot_change_or_delete_b_domain(self):
        self.assert_same_as_missing(self.client.update_domain, DomainName="__D__",
                                    DefaultExpirationDays=99)
        self.assert_same_as_missing(self.client.delete_domain, DomainName="__D__")
        d = self.client_b.get_domain(DomainName=self.name)
        self.assertEqual(d["DefaultExpirationDays"], 10)

    def test_cannot_use_b_domain_contents(self):
        pid = self.client_b.create_profile(DomainName=self.name, FirstName="Bee",
                                           EmailAddress="bee@example.com")["ProfileId"]
        self.assert_same_as_missing(self.client.create_profile, DomainName="__D__",
                                    FirstName="Intruder")
        self.assert_same_as_missing(self.client.search_profiles, DomainName="__D__",
                                    KeyName="_profileId", Values=[pid])
        self.assert_same_as_missing(self.client.delete_profile, DomainName="__D__", ProfileId=pid)
        self.assert_same_as_missing(self.client.update_profile, DomainName="__D__", ProfileId=pid,
                                    FirstName="Changed")
        self.assert_same_as_missing(self.client.list_profile_object_types, DomainName="__D__")
        items = self.client_b.search_profiles(DomainName=self.name, KeyName="_profileId",
                                              Values=[pid])["Items"]
        self.assertEqual([p["FirstName"] for p in items], ["Bee"])

    def test_cannot_tag_untag_or_list_tags_of_b_domain(self):
        for account in (ACCOUNT_B, ACCOUNT_A):  # B's real ARN, and the name under A's account
            self.assert_same_as_missing(self.client.tag_resource,
                                        resourceArn=arn(account, "__D__"), tags={"x": "y"})
            self.assert_same_as_missing(self.client.untag_resource,
                                        resourceArn=arn(account, "__D__"), tagKeys=["owner"])
            self.assert_same_as_missing(self.client.list_tags_for_resource,
                                        resourceArn=arn(account, "__D__"))
        tags = self.client_b.list_tags_for_resource(resourceArn=arn(ACCOUNT_B, self.name))["tags"]
        self.assertEqual(tags, {"owner": "b"})

    def test_b_cannot_reach_a_either(self):
        own = self.create_domain()
        self.assertClientError(self.client_b.get_domain, "ResourceNotFoundException", 404,
                               DomainName=own)

    def test_same_name_in_both_accounts_is_independent(self):
        # A creates the very name B already has: no conflict, and nothing is shared.
        self.client.create_domain(DomainName=self.name, DefaultExpirationDays=77,
                                  Tags={"owner": "a"})
        self.assertEqual(self.client.get_domain(DomainName=self.name)["DefaultExpirationDays"], 77)
        self.assertEqual(self.client_b.get_domain(DomainName=self.name)["DefaultExpirationDays"],
                         10)
        pa = self.client.create_profile(DomainName=self.name, FirstName="Ay",
                                        EmailAddress="same@example.com")["ProfileId"]
        pb = self.client_b.create_profile(DomainName=self.name, FirstName="Bee",
                                          EmailAddress="same@example.com")["ProfileId"]
        found_a = self.client.search_profiles(DomainName=self.name, KeyName="_email",
                                              Values=["same@example.com"])["Items"]
        found_b = self.client_b.search_profiles(DomainName=self.name, KeyName="_email",
                                                Values=["same@example.com"])["Items"]
        self.assertEqual([p["ProfileId"] for p in found_a], [pa])
        self.assertEqual([p["ProfileId"] for p in found_b], [pb])
        self.assertEqual(self.client.list_tags_for_resource(
            resourceArn=arn(ACCOUNT_A, self.name))["tags"], {"owner": "a"})
        self.client.delete_domain(DomainName=self.name)
        self.assertEqual(self.client_b.get_domain(DomainName=self.name)["DomainName"], self.name)
        self.assertClientError(self.client.get_domain, "ResourceNotFoundException", 404,
                               DomainName=self.name)


class ReloadTest(CredentialsServerTestCase):

    def test_sighup_adds_a_key_and_a_broken_file_keeps_the_old_set(self):
        client_c = make_client(self.server.endpoint, access_key=KEY_C, secret_key=SECRET_C)
        self.assertClientError(client_c.list_domains, "UnrecognizedClientException", 403)
        extra = (f"\n[carol]\naws_access_key_id = {KEY_C}\n"
                 f"aws_secret_access_key = {SECRET_C}\naws_account_id = {ACCOUNT_B}\n")
        self.rewrite(credentials_text(extra))
        self.server.proc.send_signal(signal.SIGHUP)
        self.wait_until(lambda: self.works(client_c), "key C accepted after SIGHUP")
        # C acts for account B: it sees B's domains.
        name = unique_name("carol")
        self.client_b.create_domain(DomainName=name, DefaultExpirationDays=1)
        client_c.get_domain(DomainName=name)
        # A file that does not parse is refused on reload; the keys in use stay.
        self.rewrite("[broken\n")
        self.server.proc.send_signal(signal.SIGHUP)
        time.sleep(1.0)
        self.assertTrue(self.server.alive())
        self.assertTrue(self.works(client_c))
        self.assertTrue(self.works(self.client))
        # Removing a key takes effect on the next reload.
        self.rewrite(credentials_text())
        self.server.proc.send_signal(signal.SIGHUP)
        self.wait_until(lambda: not self.works(client_c), "key C refused after removal")
        self.assertClientError(client_c.list_domains, "UnrecognizedClientException", 403)
        self.assertTrue(self.works(self.client))

    def rewrite(self, text):
        tmp = self.credentials_path + ".new"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, self.credentials_path)

    @staticmethod
    def works(client):
        try:
            client.list_domains()
            return True
        except ClientError:
            return False

    def wait_until(self, predicate, what, timeout=10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            time.sleep(0.1)
        self.fail(f"timed out waiting for: {what}\n{self.server.log_tail()}")


class SafeDefaultsTest(unittest.TestCase):

    def run_serve(self, *args, timeout=15):
        data = tempfile.mkdtemp(prefix="profiled-sec-")
        try:
            return subprocess.run([profiled_bin(), "serve", "--data-dir", data, *args],
                                  capture_output=True, text=True, timeout=timeout,
                                  stdin=subprocess.DEVNULL)
        finally:
            subprocess.run(["rm", "-rf", data])

    def test_refuses_all_interfaces_without_credentials(self):
        for listen in ("0.0.0.0:0", "[::]:0", ":0"):
            p = self.run_serve("--listen", listen)
            self.assertNotEqual(p.returncode, 0, (listen, p.stdout, p.stderr))
            self.assertNotIn("listening port=", p.stdout)
            self.assertIn("refusing to listen", p.stderr)
            self.assertIn("--credentials", p.stderr)

    def test_refuses_environment_twin_too(self):
        data = tempfile.mkdtemp(prefix="profiled-sec-")
        try:
            env = dict(os.environ, PROFILED_LISTEN="0.0.0.0:0")
            p = subprocess.run([profiled_bin(), "serve", "--data-dir", data], env=env,
                               capture_output=True, text=True, timeout=15,
                               stdin=subprocess.DEVNULL)
        finally:
            subprocess.run(["rm", "-rf", data])
        self.assertNotEqual(p.returncode, 0, p)
        self.assertIn("refusing to listen", p.stderr)

    def test_bad_credentials_file_refuses_to_start(self):
        fd, path = tempfile.mkstemp(suffix=".ini")
        with os.fdopen(fd, "w") as f:
            f.write("[a]\naws_access_key_id = AKID1\naws_secret_access_key = s\n")  # no account
        try:
            p = self.run_serve("--listen", "127.0.0.1:0", "--credentials", path)
            self.assertNotEqual(p.returncode, 0, p)
            self.assertIn("aws_account_id", p.stderr)
            p = self.run_serve("--listen", "127.0.0.1:0", "--credentials", path + ".missing")
            self.assertNotEqual(p.returncode, 0, p)
        finally:
            os.unlink(path)

    def test_all_interfaces_with_credentials_serves_signed_requests_only(self):
        fd, path = tempfile.mkstemp(suffix=".ini")
        with os.fdopen(fd, "w") as f:
            f.write(credentials_text())
        store = StoreFixture("SafeDefaults")
        server = ServerProcess(store, ["--credentials", path])
        # The harness listens on 127.0.0.1:0; ask for every interface instead (last flag wins
        # is not guaranteed, so rewrite the command).
        base = server.command

        def command():
            args = base()
            args[args.index("--listen") + 1] = "0.0.0.0:0"
            return args
        server.command = command
        try:
            server.start()
            self.assertEqual(raw_request(server.port, "GET", "/domains", sign=False).status, 403)
            self.assertEqual(raw_request(server.port, "GET", "/domains").status, 200)
        finally:
            if server.alive():
                server.stop()
            store.cleanup()
            os.unlink(path)


class DebugLogServer(ServerProcess):
    """The harness's server at --log-level debug."""

    def command(self):
        args = super().command()
        args[args.index("--log-level") + 1] = "debug"
        return args


class NoSecretsInLogsTest(unittest.TestCase):
    """At --log-level debug, with signed and badly signed requests carrying profile data,
    successful and failing, the server's output never holds a secret."""

    def test_no_secret_reaches_the_log(self):
        fd, path = tempfile.mkstemp(suffix=".ini")
        with os.fdopen(fd, "w") as f:
            f.write(credentials_text())
        store = StoreFixture("NoSecrets")
        server = DebugLogServer(store, ["--credentials", path])
        marker = uuid.uuid4().hex[:10]
        first = f"SecretName{marker}"
        last = f"SecretLast{marker}"
        email = f"secret.{marker}@example.com"
        phone = f"+1555{int(marker, 16) % 10**7:07d}"
        attr = f"SecretAttr{marker}"
        city = f"SecretCity{marker}"
        sent_signatures = []
        try:
            server.start()
            client = make_client(server.endpoint)
            client.meta.events.register(
                "before-send",
                lambda request, **_: sent_signatures.append(
                    request.headers.get("Authorization", b"")))
            domain = unique_name("sec")
            client.create_domain(DomainName=domain, DefaultExpirationDays=5)
            pid = client.create_profile(DomainName=domain, FirstName=first, LastName=last,
                                        EmailAddress=email, PhoneNumber=phone,
                                        Address={"City": city},
                                        Attributes={"note": attr})["ProfileId"]
            client.update_profile(DomainName=domain, ProfileId=pid, FirstName=first + "2")
            client.search_profiles(DomainName=domain, KeyName="_email", Values=[email])
            client.search_profiles(DomainName=domain, KeyName="_phone", Values=[phone])
            client.get_domain(DomainName=domain)
            # Failing requests: validation errors carrying the values, a missing domain, and
            # a bad signature over a body full of them.
            loose = make_client(server.endpoint, validate=False)
            for call, kwargs in (
                    (loose.create_profile, dict(DomainName=domain, FirstName=first * 30,
                                                EmailAddress=email)),
                    (loose.create_profile, dict(DomainName=domain, FirstName=first,
                                                Gender=f"NOT{marker}")),
                    (loose.create_profile, dict(DomainName="bad name", FirstName=first)),
                    (client.search_profiles, dict(DomainName=unique_name("nx"),
                                                  KeyName="_email", Values=[email]))):
                with self.assertRaises(ClientError):
                    call(**kwargs)
            wrong = make_client(server.endpoint, secret_key="wrong-" + SECRET_KEY)
            wrong.meta.events.register(
                "before-send",
                lambda request, **_: sent_signatures.append(
                    request.headers.get("Authorization", b"")))
            with self.assertRaises(ClientError):
                wrong.create_profile(DomainName=domain, FirstName=first, EmailAddress=email)
            stranger = make_client(server.endpoint, access_key="AKIDSTRANGER",
                                   secret_key=SECRET_B)
            with self.assertRaises(ClientError):
                stranger.create_profile(DomainName=domain, FirstName=first)
            # A malformed Authorization header echoing data.
            r = raw_request(server.port, "POST", f"/domains/{domain}/profiles",
                            f'{{"FirstName": "{first}"}}',
                            {"Authorization": f"AWS4-HMAC-SHA256 Credential={attr}",
                             "Content-Type": "application/json"}, sign=False)
            self.assertEqual(r.status, 403)
            self.assertTrue(server.alive())
        finally:
            if server.alive():
                server.stop()
            with open(store.log_path, "rb") as f:
                log = f.read().decode("utf-8", "replace")
            store.cleanup()
            os.unlink(path)

        # The log is not empty at debug level: it has access lines and the signature mismatch.
        self.assertIn("access ", log)
        self.assertIn("sigv4 mismatch", log, "the bad signature should be explained at debug")
        forbidden = {
            "secret key A": SECRET_KEY, "secret key B": SECRET_B,
            "first name": first, "last name": last, "email": email, "phone": phone,
            "attribute": attr, "city": city,
            "Authorization scheme": "AWS4-HMAC-SHA256 Credential=",
        }
        signatures = set()
        for header in sent_signatures:
            text = header.decode() if isinstance(header, bytes) else header
            m = re.search(r"Signature=([0-9a-f]{64})", text)
            if m:
                signatures.add(m.group(1))
        self.assertGreater(len(signatures), 5)
        for i, sig in enumerate(sorted(signatures)):
            forbidden[f"signature {i}"] = sig
        for what, value in forbidden.items():
            self.assertNotIn(value, log, f"the server log holds the {what}")
            self.assertNotIn(value.lower(), log.lower(), f"the server log holds the {what}")


if __name__ == "__main__":
    unittest.main()
