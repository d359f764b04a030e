"""Upload jobs through boto3, and the file through a plain HTTP PUT (no AWS signature) to the Url
that GetUploadJobPath returns: CreateUploadJob, GetUploadJobPath, StartUploadJob, StopUploadJob,
GetUploadJob, ListUploadJobs, on the real server and store."""

import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

from harness import ClientError, ServerTestCase, unique_name

FIELDS = {
    "email": {"Source": "_source.email", "Target": "_profile.EmailAddress"},
    "first": {"Source": "_source.first", "Target": "_profile.FirstName"},
    "city": {"Source": "_source.city", "Target": "_profile.Address.City",
             "ContentType": "STRING"},
    "tier": {"Source": "_source.tier", "Target": "_profile.Attributes.tier"},
}
TERMINAL = {"SUCCEEDED", "PARTIALLY_SUCCEEDED", "FAILED", "STOPPED"}


def put(url, data, headers=None):
    """A plain PUT, as `curl -T file.csv URL` sends it; (status, body)."""
    req = urllib.request.Request(url, data=data, method="PUT", headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


class UploadJobTest(ServerTestCase):
    def setUp(self):
        self.domain = unique_name("up")
        self.client.create_domain(DomainName=self.domain, DefaultExpirationDays=30)

    def create_job(self, **kwargs):
        args = dict(DomainName=self.domain, DisplayName="people.csv", Fields=FIELDS,
                    UniqueKey="email")
        args.update(kwargs)
        return self.client.create_upload_job(**args)["JobId"]

    def wait(self, job, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            got = self.client.get_upload_job(DomainName=self.domain, JobId=job)
            if got["Status"] in TERMINAL:
                return got
            time.sleep(0.1)
        self.fail(f"upload job {job} did not finish: {got}")

    def test_plain_put_then_start_ingests_rows_and_counts_bad_ones(self):
        existing = self.client.create_profile(DomainName=self.domain, EmailAddress="old@x.com",
                                              LastName="Kept")["ProfileId"]
        job = self.create_job(DataExpiry=7)
        got = self.client.get_upload_job(DomainName=self.domain, JobId=job)
        self.assertEqual(got["Status"], "CREATED")
        self.assertEqual(got["DisplayName"], "people.csv")
        self.assertEqual(got["DataExpiry"], 7)
        self.assertEqual(got["UniqueKey"], "email")
        self.assertEqual(got["Fields"]["city"]["Target"], "_profile.Address.City")

        path = self.client.get_upload_job_path(DomainName=self.domain, JobId=job)
        url = path["Url"]
        self.assertTrue(url.startswith(f"http://127.0.0.1:{self.server.port}/_profiled/uploads/"),
                        url)
        self.assertGreater(path["ValidUntil"].timestamp(), time.time())
        self.assertTrue(path["ClientToken"])

        csv = ("email,first,city,tier\r\n"
               "old@x.com,Ann,Oslo,gold\r\n"
               "new@x.com,\"Bo, Jr\",Rome,\r\n"
               "new@x.com,Bob,,silver\r\n"
               ",NoKey,Paris,x\r\n"
               "short,row\r\n").encode()
        status, body = put(url, csv)
        self.assertEqual(status, 200, body)

        self.client.start_upload_job(DomainName=self.domain, JobId=job)
        done = self.wait(job)
        self.assertEqual(done["Status"], "PARTIALLY_SUCCEEDED", done)
        self.assertEqual(done["ResultsSummary"],
                         {"CreatedRecords": 1, "UpdatedRecords": 2, "FailedRecords": 2})
        self.assertIn("CompletedAt", done)
        self.assertGreaterEqual(done["CompletedAt"], done["CreatedAt"])

        old = self.client.search_profiles(DomainName=self.domain, KeyName="_profileId",
                                          Values=[existing])["Items"][0]
        self.assertEqual(old["FirstName"], "Ann")
        self.assertEqual(old["LastName"], "Kept")
        self.assertEqual(old["Address"]["City"], "Oslo")
        self.assertEqual(old["Attributes"]["tier"], "gold")
        bob = self.client.search_profiles(DomainName=self.domain, KeyName="_email",
                                          Values=["new@x.com"])["Items"]
        self.assertEqual(len(bob), 1)
        self.assertEqual(bob[0]["FirstName"], "Bob")
        self.assertEqual(bob[0]["Address"]["City"], "Rome")
        history = self.client.list_profile_history_records(DomainName=self.domain,
                                                           ProfileId=bob[0]["ProfileId"])
        self.assertEqual(sorted(r["ActionType"] for r in history["ProfileHistoryRecords"]),
                         ["CREATED", "UPDATED"])
        self.assertEqual(self.client.get_domain(DomainName=self.domain)["Stats"]["ProfileCount"],
                         2)

        listed = self.client.list_upload_jobs(DomainName=self.domain)["Items"]
        self.assertEqual([j["JobId"] for j in listed], [job])
        self.assertEqual(listed[0]["Status"], "PARTIALLY_SUCCEEDED")

        # A finished job's file cannot be replaced, nor the job restarted or stopped.
        status, body = put(url, csv)
        self.assertEqual(status, 400, body)
        for call in (self.client.start_upload_job, self.client.stop_upload_job):
            with self.assertRaises(ClientError) as ctx:
                call(DomainName=self.domain, JobId=job)
            self.assertEqual(ctx.exception.response["Error"]["Code"], "BadRequestException")

    def test_bad_or_expired_signature_is_403(self):
        job = self.create_job()
        url = self.client.get_upload_job_path(DomainName=self.domain, JobId=job)["Url"]
        parts = urllib.parse.urlsplit(url)
        query = dict(urllib.parse.parse_qsl(parts.query))

        def with_query(q):
            return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(q)))

        tampered = dict(query, **{"X-Profiled-Signature": "0" * 64})
        status, body = put(with_query(tampered), b"email\n")
        self.assertEqual(status, 403, body)
        self.assertIn(b"signature", body)
        later = dict(query, **{"X-Profiled-ValidUntil": str(int(query["X-Profiled-ValidUntil"]) + 1)})
        status, body = put(with_query(later), b"email\n")
        self.assertEqual(status, 403, body)
        expired = dict(query, **{"X-Profiled-ValidUntil": "1000"})
        status, body = put(with_query(expired), b"email\n")
        self.assertEqual(status, 403)
        status, body = put(urllib.parse.urlunsplit(parts._replace(query="")), b"email\n")
        self.assertEqual(status, 403, body)
        # The SSE-C key header, when sent, must be the ClientToken.
        status, body = put(url, b"email\n",
                           {"x-amz-server-side-encryption-customer-key": "not-the-token"})
        self.assertEqual(status, 403, body)
        # Nothing was stored by any of those: the job cannot start.
        with self.assertRaises(ClientError) as ctx:
            self.client.start_upload_job(DomainName=self.domain, JobId=job)
        self.assertIn("no file", ctx.exception.response["Error"]["Message"])

    def test_url_survives_a_restart(self):
        job = self.create_job()
        path = self.client.get_upload_job_path(DomainName=self.domain, JobId=job)
        self.restart_server()
        # The restarted server listens on another port: the signature covers the job, not the
        # host, so the same path and query work on any server of the store.
        parts = urllib.parse.urlsplit(path["Url"])
        url = urllib.parse.urlunsplit(parts._replace(netloc=f"127.0.0.1:{self.server.port}"))
        status, body = put(url, b"email,first,city,tier\na@x.com,A,,\n",
                           {"x-amz-server-side-encryption-customer-key": path["ClientToken"]})
        self.assertEqual(status, 200, body)
        self.client.start_upload_job(DomainName=self.domain, JobId=job)
        self.assertEqual(self.wait(job)["Status"], "SUCCEEDED")

    def test_stop_and_errors(self):
        job = self.create_job()
        self.client.stop_upload_job(DomainName=self.domain, JobId=job)
        got = self.client.get_upload_job(DomainName=self.domain, JobId=job)
        self.assertEqual(got["Status"], "STOPPED")
        with self.assertRaises(ClientError) as ctx:
            self.client.get_upload_job(DomainName=self.domain, JobId="f" * 32)
        self.assertEqual(ctx.exception.response["Error"]["Code"], "ResourceNotFoundException")
        with self.assertRaises(ClientError) as ctx:
            self.client.create_upload_job(DomainName=self.domain, DisplayName="x",
                                          Fields={"a": {"Target": "_profile.Nope"}},
                                          UniqueKey="a")
        self.assertEqual(ctx.exception.response["Error"]["Code"], "BadRequestException")
        self.assertIn("Fields.a.Target", ctx.exception.response["Error"]["Message"])

    def test_list_pages(self):
        jobs = {self.create_job(DisplayName=f"f{i}.csv") for i in range(3)}
        page = self.client.list_upload_jobs(DomainName=self.domain, MaxResults=2)
        self.assertEqual(len(page["Items"]), 2)
        rest = self.client.list_upload_jobs(DomainName=self.domain, NextToken=page["NextToken"])
        self.assertNotIn("NextToken", rest)
        self.assertEqual({j["JobId"] for j in page["Items"] + rest["Items"]}, jobs)


if __name__ == "__main__":
    unittest.main()
