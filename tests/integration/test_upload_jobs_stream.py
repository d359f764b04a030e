"""Upload jobs, the large-file path: a chunked PUT of a file of several MiB is written to a
temporary file in the server's TMPDIR as it arrives (never held in memory) and removed once
answered; its rows (spread over several 1 MiB stored chunks and several batches) are ingested;
uploaded rows keep rule-based matches as CreateProfile does (GetSimilarProfiles,
ListRuleBasedMatches through boto3); and a PUT whose body the server cannot store (its TMPDIR
full) is answered 503, the server's failure, not the client's, and the server goes on."""

import http.client
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest
import urllib.parse

from harness import ServerTestCase, unique_name

FIELDS = {
    "email": {"Source": "_source.email", "Target": "_profile.EmailAddress"},
    "first": {"Source": "_source.first", "Target": "_profile.FirstName"},
    "note": {"Source": "_source.note", "Target": "_profile.Attributes.note"},
}
TERMINAL = {"SUCCEEDED", "PARTIALLY_SUCCEEDED", "FAILED", "STOPPED"}


class SpoolServerTestCase(ServerTestCase):
    """A server whose TMPDIR (where upload bodies are spooled) is cls.spool, a directory of the
    class's own (make_spool), so the spool files can be seen."""

    @classmethod
    def make_spool(cls):
        cls.spool = tempfile.mkdtemp(prefix="profiled-spool-")

    @classmethod
    def drop_spool(cls):
        shutil.rmtree(cls.spool, ignore_errors=True)

    @classmethod
    def setUpClass(cls):
        cls.make_spool()
        saved = os.environ.get("TMPDIR")
        os.environ["TMPDIR"] = cls.spool
        try:
            super().setUpClass()
        finally:
            if saved is None:
                del os.environ["TMPDIR"]
            else:
                os.environ["TMPDIR"] = saved

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            cls.drop_spool()

    def job(self, domain):
        job = self.client.create_upload_job(DomainName=domain, DisplayName="big.csv",
                                            Fields=FIELDS, UniqueKey="email")["JobId"]
        url = self.client.get_upload_job_path(DomainName=domain, JobId=job)["Url"]
        return job, urllib.parse.urlsplit(url)

    def wait(self, domain, job, timeout=300):
        deadline = time.time() + timeout
        while time.time() < deadline:
            got = self.client.get_upload_job(DomainName=domain, JobId=job)
            if got["Status"] in TERMINAL:
                return got
            time.sleep(0.2)
        self.fail(f"upload job {job} did not finish: {got}")

    def spooled(self):
        return [f for f in os.listdir(self.spool) if f.startswith("profiled-upload-")]

    def put(self, url, body):
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        try:
            conn.request("PUT", url.path + "?" + url.query, body=body)
            resp = conn.getresponse()
            return resp.status, resp.read()
        finally:
            conn.close()


class UploadStreamTest(SpoolServerTestCase):
    def test_chunked_put_is_spooled_to_disk_then_ingested(self):
        domain = self.create_domain()
        job, url = self.job(domain)
        rows = 5000
        note = "n" * 200
        lines = [b"email,first,note\n"]
        for i in range(rows):
            lines.append(f"user{i}@example.com,First{i},{note}{i % 10}\n".encode())
        lines.append(b",missing-key,x\n")  # counted failed
        data = b"".join(lines)
        self.assertGreater(len(data), 1 << 20)  # more than one stored 1 MiB chunk
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
        conn.putrequest("PUT", url.path + "?" + url.query)
        conn.putheader("Transfer-Encoding", "chunked")
        conn.endheaders()
        half = len(data) // 2

        def chunk(part):
            conn.send(b"%x\r\n" % len(part) + part + b"\r\n")

        chunk(data[:half])
        # Mid-request, the body so far is in a file of the server's TMPDIR.
        deadline = time.time() + 10
        while not self.spooled() and time.time() < deadline:
            time.sleep(0.05)
        self.assertEqual(len(self.spooled()), 1)
        chunk(data[half:])
        conn.send(b"0\r\n\r\n")
        resp = conn.getresponse()
        body = resp.read()
        self.assertEqual(resp.status, 200, body)
        conn.close()
        # Answered: the file is gone.
        deadline = time.time() + 10
        while self.spooled() and time.time() < deadline:
            time.sleep(0.05)
        self.assertEqual(self.spooled(), [])

        self.client.start_upload_job(DomainName=domain, JobId=job)
        done = self.wait(domain, job)
        self.assertEqual(done["Status"], "PARTIALLY_SUCCEEDED", done)
        self.assertEqual(done["ResultsSummary"],
                         {"CreatedRecords": rows, "UpdatedRecords": 0, "FailedRecords": 1})
        self.assertEqual(self.client.get_domain(DomainName=domain)["Stats"]["ProfileCount"], rows)
        for i in (0, rows // 2, rows - 1):
            found = self.client.search_profiles(DomainName=domain, KeyName="_email",
                                                Values=[f"user{i}@example.com"])["Items"]
            self.assertEqual(len(found), 1)
            self.assertEqual(found[0]["FirstName"], f"First{i}")
            self.assertEqual(found[0]["Attributes"]["note"], f"{note}{i % 10}")

    def test_uploaded_rows_keep_rule_based_matches(self):
        domain = unique_name("rbm")
        self.client.create_domain(DomainName=domain, DefaultExpirationDays=30, RuleBasedMatching={
            "Enabled": True, "MatchingRules": [{"Rule": ["FirstName"]}]})
        existing = self.create_profile(domain, FirstName="Ann", EmailAddress="ann@old.com")

        def upload(csv):
            job, url = self.job(domain)
            status, body = self.put(url, csv)
            self.assertEqual(status, 200, body)
            self.client.start_upload_job(DomainName=domain, JobId=job)
            self.assertEqual(self.wait(domain, job)["Status"], "SUCCEEDED")

        upload(b"email,first,note\nann@new.com,ANN,x\nbob@new.com,Bob,y\n")
        created = self.client.search_profiles(DomainName=domain, KeyName="_email",
                                              Values=["ann@new.com"])["Items"][0]["ProfileId"]
        matches = self.client.list_rule_based_matches(DomainName=domain)["MatchIds"]
        self.assertEqual(len(matches), 1)
        similar = self.client.get_similar_profiles(
            DomainName=domain, MatchType="RULE_BASED_MATCHING", SearchKey="_profileId",
            SearchValue=existing)
        self.assertEqual(sorted(similar["ProfileIds"]), sorted([existing, created]))
        # A row that updates the new profile away from the shared name dissolves the group.
        upload(b"email,first,note\nann@new.com,Anne,z\n")
        self.assertEqual(self.client.list_rule_based_matches(DomainName=domain)["MatchIds"], [])


class UploadSpoolFullTest(SpoolServerTestCase):
    """TMPDIR is a 256 KiB tmpfs (mounted by the test: needs root; skipped otherwise)."""

    @classmethod
    def make_spool(cls):
        cls.spool = tempfile.mkdtemp(prefix="profiled-spool-full-")
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", cls.spool],
                                 capture_output=True)
        if mounted.returncode != 0:
            os.rmdir(cls.spool)
            raise unittest.SkipTest("cannot mount a small tmpfs here (not root?): "
                                    + mounted.stderr.decode(errors="replace").strip())

    @classmethod
    def drop_spool(cls):
        subprocess.run(["umount", cls.spool], capture_output=True)
        shutil.rmtree(cls.spool, ignore_errors=True)

    def test_a_body_the_disk_cannot_hold_is_503_and_the_server_goes_on(self):
        domain = self.create_domain()
        job, url = self.job(domain)
        big = b"email,first,note\n" + b"".join(
            f"u{i}@example.com,F{i},{'n' * 100}\n".encode() for i in range(10000))
        self.assertGreater(len(big), 1 << 20)
        status, body = self.put(url, big)
        self.assertEqual(status, 503, body)
        error = json.loads(body)
        self.assertIn("No space left on device", error.get("message", error.get("Message", "")))
        # The partial file is removed, and the server goes on: the same Url takes a body that fits.
        deadline = time.time() + 10
        while self.spooled() and time.time() < deadline:
            time.sleep(0.05)
        self.assertEqual(self.spooled(), [])
        status, body = self.put(url, b"email,first,note\na@example.com,A,x\n")
        self.assertEqual(status, 200, body)
        self.client.start_upload_job(DomainName=domain, JobId=job)
        done = self.wait(domain, job)
        self.assertEqual(done["Status"], "SUCCEEDED", done)
        self.assertEqual(done["ResultsSummary"]["CreatedRecords"], 1)


if __name__ == "__main__":
    unittest.main()
