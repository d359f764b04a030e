"""An identity-resolution job whose server stops mid-job, with the real binary on every store: a
clean stop (SIGTERM) leaves the job to the next start, a kill -9 too; each time the restarted
server runs it again from the start (docs/matching.md, "Jobs": the queue row names its runner,
and a runner of this host that no longer exists is gone at once). The job ends COMPLETED, never
stuck in PREPROCESSING / FIND_MATCHING / MERGING, and GetMatches serves exactly the groups a job
that nobody interrupted finds."""

import json
import math
import os
import subprocess
import tempfile
import time
import unittest

from harness import ServerTestCase, make_client, profiled_bin

PEOPLE = 20000  # two profiles each: the job runs ~0.4 s on a quiet Release build, polled every few ms
RUNNING = ("PREPROCESSING", "FIND_MATCHING", "MERGING")
ENDED = ("COMPLETED", "PARTIAL_SUCCESS", "FAILED")


def profiles():
    """Each person twice: once as typed, once in capitals with a formatted phone (one group per
    person, and no link between people: emails and phones are their own)."""
    for i in range(PEOPLE):
        first, last = f"Ann{i:05d}", f"Lee{i:05d}"
        phone = f"{2065550000 + i:010d}"
        yield {"FirstName": first, "LastName": last, "EmailAddress": f"p{i}@example.com",
               "PhoneNumber": phone}
        yield {"FirstName": first.upper(), "LastName": last.upper(),
               "EmailAddress": f"P{i}@EXAMPLE.COM",
               "PhoneNumber": f"+1 ({phone[:3]}) {phone[3:6]}-{phone[6:]}"}


class MlJobRestartTest(ServerTestCase):
    domain = "restart"

    def fresh_client(self):  # bound to the server's port of the moment (it changes at each start)
        return make_client(self.server.endpoint)

    def job(self, job_id):
        return self.fresh_client().get_identity_resolution_job(DomainName=self.domain,
                                                               JobId=job_id)

    def start_job(self):
        resp = self.server.raw("POST", f"/_profiled/domains/{self.domain}/identity-resolution-jobs",
                               b"{}", {"Content-Type": "application/json"})
        self.assertEqual(resp.status, 200, resp.body)
        return json.loads(resp.body)["JobId"]

    def job_status(self, job_id):
        """The job as the server answers a signed GET: polled this way, not through a new boto3
        client (~140 ms to build, more under load), so that a job that runs for a fraction of a
        second on a fast machine is still seen running."""
        resp = self.server.raw("GET", f"/domains/{self.domain}/identity-resolution-jobs/{job_id}")
        self.assertEqual(resp.status, 200, resp.body)
        return json.loads(resp.body)

    def wait_running(self, job_id, since):
        """Until the job runs on this server (claimed after `since`, epoch seconds)."""
        deadline = time.time() + 60
        while time.time() < deadline:
            job = self.job_status(job_id)
            self.assertNotIn(job["Status"], ENDED,
                             f"the job ended before the server could be stopped: {job}")
            if job["Status"] in RUNNING and job["LastUpdatedAt"] >= since:
                return job
            time.sleep(0.002)
        self.fail(f"the job did not start: {self.job_status(job_id)}")

    def wait_ended(self, job_id, timeout=300):
        deadline = time.time() + timeout
        while time.time() < deadline:
            job = self.job(job_id)
            if job["Status"] in ENDED:
                return job
            time.sleep(0.2)
        self.fail(f"the job is still {self.job(job_id)['Status']} after {timeout} s")

    def matches(self):
        groups, token = {}, None
        client = self.fresh_client()
        while True:
            args = {"NextToken": token} if token else {}
            page = client.get_matches(DomainName=self.domain, MaxResults=100, **args)
            for m in page["Matches"]:
                self.assertNotIn(m["MatchId"], groups)
                groups[m["MatchId"]] = frozenset(m["ProfileIds"])
            token = page.get("NextToken")
            if not token:
                return groups, page["PotentialMatches"]

    def load(self):
        self.fresh_client().create_domain(DomainName=self.domain, DefaultExpirationDays=365,
                                    Matching={"Enabled": True})
        self.server.stop()
        with tempfile.NamedTemporaryFile("w", suffix=".ndjson", delete=False) as f:
            for p in profiles():
                f.write(json.dumps(p) + "\n")
        try:
            subprocess.run([profiled_bin(), "import", "--data-dir", self.store.data_dir,
                            "--store", self.store.store_url, "--domain-name", self.domain,
                            f.name], check=True, capture_output=True, timeout=600)
        finally:
            os.unlink(f.name)
        self.server.start()

    def test_a_job_interrupted_by_a_stop_and_a_kill_runs_again_to_completion(self):
        self.load()
        job_id = self.start_job()
        self.wait_running(job_id, 0)
        # A clean stop answers at once (the job stops between batches) and leaves the job as it
        # was, to the next start.
        t0 = time.monotonic()
        self.assertEqual(self.server.stop(), 0)
        self.assertLess(time.monotonic() - t0, 15)
        since = math.floor(time.time() * 1000) / 1000  # the server keeps milliseconds
        self.server.start()
        interrupted = self.wait_running(job_id, since)
        # Killed mid-job: the restarted server finds its runner gone and runs it again.
        self.server.kill9()
        self.assertIn(interrupted["Status"], RUNNING)
        self.server.start()
        job = self.wait_ended(job_id)
        self.assertEqual(job["Status"], "COMPLETED", job)
        self.assertEqual(job["JobStats"]["NumberOfProfilesReviewed"], 2 * PEOPLE)
        self.assertEqual(job["JobStats"]["NumberOfMatchesFound"], PEOPLE)
        self.assertGreaterEqual(job["JobEndTime"], job["JobStartTime"])

        # GetMatches serves whole groups, each profile in one, one per person, paged to the end.
        groups, potential = self.matches()
        self.assertEqual(potential, PEOPLE)
        self.assertEqual(len(groups), PEOPLE)
        self.assertTrue(all(len(g) == 2 for g in groups.values()))
        self.assertEqual(len(frozenset().union(*groups.values())), 2 * PEOPLE)
        some = next(iter(groups.values()))
        similar = self.fresh_client().get_similar_profiles(
            DomainName=self.domain, MatchType="ML_BASED_MATCHING", SearchKey="_profileId",
            SearchValue=next(iter(some)))
        self.assertEqual(frozenset(similar["ProfileIds"]), some)

        # A job nobody interrupts finds exactly the same groups, and replaces the results whole.
        again = self.wait_ended(self.start_job())
        self.assertEqual(again["Status"], "COMPLETED", again)
        self.assertEqual(self.matches(), (groups, potential))
        listed = self.fresh_client().list_identity_resolution_jobs(DomainName=self.domain)
        self.assertEqual([j["Status"] for j in listed["IdentityResolutionJobsList"]],
                         ["COMPLETED", "COMPLETED"])


if __name__ == "__main__":
    unittest.main()
