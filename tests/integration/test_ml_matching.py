"""Identity-resolution jobs (Matching on the domain) through boto3 against the real binary, on
every store: a job started with Profiled's signed extension POST
/_profiled/domains/{DomainName}/identity-resolution-jobs runs in the background to COMPLETED
(GetIdentityResolutionJob, ListIdentityResolutionJobs), GetMatches pages its groups,
GetSimilarProfiles ML_BASED_MATCHING finds a profile's group, GetAutoMergingPreview merges
nothing, AutoMerging merges when a job completes, and ExportingConfig writes the results to S3
(s3rver). docs/matching.md describes the matcher."""

import json
import time
import unittest

import aws_servers
from harness import ServerTestCase, unique_name


def start_job(test, domain):
    resp = test.server.raw("POST", f"/_profiled/domains/{domain}/identity-resolution-jobs", b"{}",
                           {"Content-Type": "application/json"})
    test.assertEqual(resp.status, 200, resp.body)
    job_id = json.loads(resp.body)["JobId"]
    test.assertRegex(job_id, r"^[a-f0-9]{32}$")
    return job_id


def wait_for_job(test, domain, job_id, timeout=60):
    deadline = time.time() + timeout
    seen = []
    while True:
        job = test.client.get_identity_resolution_job(DomainName=domain, JobId=job_id)
        if not seen or seen[-1] != job["Status"]:
            seen.append(job["Status"])
        if job["Status"] in ("COMPLETED", "PARTIAL_SUCCESS", "FAILED"):
            return job, seen
        test.assertLess(time.time(), deadline, f"job still {job['Status']}")
        time.sleep(0.2)


def people(test, domain):
    """Two customers entered twice each, a family member sharing an email and phone, a
    stranger; returns the ids by name."""
    c = test.create_profile
    return {
        "john": c(domain, FirstName="John", LastName="Doe", EmailAddress="john.doe@x.com",
                  PhoneNumber="+1 (555) 010-0000"),
        "john2": c(domain, FirstName="Jhon", LastName="DOE", EmailAddress="JOHN.DOE@X.COM"),
        "mary": c(domain, FirstName="Mary", LastName="Doe", EmailAddress="john.doe@x.com",
                  PhoneNumber="5550100000"),
        "ann": c(domain, FirstName="Ann", LastName="Lee", PhoneNumber="206-555-0199",
                 Address={"Address1": "12 Oak St", "PostalCode": "98101"}),
        "ann2": c(domain, FirstName="Lee", LastName="Ann", PhoneNumber="+1 206 555 0199",
                  Address={"Address1": "12 Oak Street", "PostalCode": "98101"}),
        "zed": c(domain, FirstName="Zed", LastName="Stranger", EmailAddress="z@y.com"),
    }


class MlMatchingTest(ServerTestCase):
    def setUp(self):
        self.domain = self.create_domain(Matching={"Enabled": True})
        self.ids = people(self, self.domain)

    def test_job_on_demand_then_matches_similar_profiles_and_list(self):
        before = self.client.get_matches(DomainName=self.domain)
        self.assertEqual(before["PotentialMatches"], 0)
        self.assertEqual(before["Matches"], [])
        job_id = start_job(self, self.domain)
        job, seen = wait_for_job(self, self.domain, job_id)
        self.assertEqual(job["Status"], "COMPLETED", job)
        self.assertEqual(seen[-1], "COMPLETED")
        self.assertEqual(job["JobStats"], {"NumberOfProfilesReviewed": 6,
                                           "NumberOfMatchesFound": 2, "NumberOfMergesDone": 0})
        for member in ("JobStartTime", "JobEndTime", "LastUpdatedAt", "JobExpirationTime"):
            self.assertIn(member, job)

        groups, token = [], None
        while True:
            args = {"NextToken": token} if token else {}
            page = self.client.get_matches(DomainName=self.domain, MaxResults=1, **args)
            self.assertLessEqual(len(page["Matches"]), 1)
            self.assertEqual(page["PotentialMatches"], 2)
            self.assertIn("MatchGenerationDate", page)
            groups += page["Matches"]
            token = page.get("NextToken")
            if not token:
                break
        self.assertEqual(sorted(sorted(m["ProfileIds"]) for m in groups),
                         sorted([sorted([self.ids["john"], self.ids["john2"]]),
                                 sorted([self.ids["ann"], self.ids["ann2"]])]))
        for m in groups:
            self.assertGreaterEqual(m["ConfidenceScore"], 0.0)
            self.assertLessEqual(m["ConfidenceScore"], 1.0)

        similar = self.client.get_similar_profiles(
            DomainName=self.domain, MatchType="ML_BASED_MATCHING", SearchKey="_phone",
            SearchValue="+1 206 555 0199")
        self.assertEqual(sorted(similar["ProfileIds"]), sorted([self.ids["ann"], self.ids["ann2"]]))
        self.assertEqual(similar["MatchType"], "ML_BASED_MATCHING")
        self.assertIn(similar["MatchId"], [m["MatchId"] for m in groups])
        self.assertIn("ConfidenceScore", similar)

        listed = self.client.list_identity_resolution_jobs(DomainName=self.domain)
        self.assertEqual([j["JobId"] for j in listed["IdentityResolutionJobsList"]], [job_id])
        self.assertEqual(listed["IdentityResolutionJobsList"][0]["Status"], "COMPLETED")

    def test_preview_merges_nothing_and_auto_merging_merges_after_a_job(self):
        job, _ = wait_for_job(self, self.domain, start_job(self, self.domain))
        self.assertEqual(job["Status"], "COMPLETED")
        preview = self.client.get_auto_merging_preview(
            DomainName=self.domain,
            Consolidation={"MatchingAttributesList": [["PhoneNumber"]]},
            ConflictResolution={"ConflictResolvingModel": "RECENCY"})
        self.assertEqual(preview["DomainName"], self.domain)
        self.assertEqual(preview["NumberOfMatchesInSample"], 2)
        self.assertEqual(preview["NumberOfProfilesInSample"], 4)
        self.assertEqual(preview["NumberOfProfilesWillBeMerged"], 1)
        found = self.client.search_profiles(DomainName=self.domain, KeyName="_profileId",
                                            Values=[self.ids["ann2"]])["Items"]
        self.assertEqual(len(found), 1)  # still there: the preview merged nothing

        self.client.update_domain(DomainName=self.domain, Matching={
            "Enabled": True,
            "AutoMerging": {"Enabled": True,
                            "Consolidation": {"MatchingAttributesList": [["EmailAddress"],
                                                                         ["PhoneNumber"]]},
                            "ConflictResolution": {"ConflictResolvingModel": "RECENCY"},
                            "MinAllowedConfidenceScoreForMerging": 0.5}})
        job, seen = wait_for_job(self, self.domain, start_job(self, self.domain))
        self.assertEqual(job["Status"], "COMPLETED", job)
        self.assertEqual(job["JobStats"]["NumberOfMergesDone"], 2)
        self.assertEqual(job["AutoMerging"]["Enabled"], True)
        for gone in ("john2", "ann2"):
            self.assertEqual(self.client.search_profiles(
                DomainName=self.domain, KeyName="_profileId", Values=[self.ids[gone]])["Items"],
                [])
        kept = self.client.search_profiles(DomainName=self.domain, KeyName="_profileId",
                                           Values=[self.ids["mary"]])["Items"]
        self.assertEqual(len(kept), 1)  # the family member is not merged into John
        self.assertEqual(self.client.get_matches(DomainName=self.domain)["PotentialMatches"], 0)

    def test_errors(self):
        plain = self.create_domain()
        resp = self.server.raw("POST", f"/_profiled/domains/{plain}/identity-resolution-jobs",
                               b"{}", {"Content-Type": "application/json"})
        self.assertEqual(resp.status, 400, resp.body)
        self.assertIn(b"Matching", resp.body)
        self.assertClientError(self.client.get_identity_resolution_job, "ResourceNotFoundException",
                               404, None, DomainName=self.domain, JobId="0" * 32)
        self.assertClientError(self.client.get_matches, "BadRequestException", 400, None,
                               DomainName=plain)


class MlExportTest(aws_servers.NodeServerTestCase):
    """ExportingConfig.S3Exporting: the results as JSON lines in the bucket, through the S3
    endpoint --s3-endpoint names (s3rver)."""

    skip_class_without_node = False  # the test says why it skips

    def test_results_exported_to_s3(self):
        aws_servers.require_node_servers(self)
        bucket = unique_name("ir").lower().replace("_", "-")[:40]
        self.s3.client().create_bucket(Bucket=bucket)
        domain = self.create_domain(Matching={
            "Enabled": True,
            "ExportingConfig": {"S3Exporting": {"S3BucketName": bucket, "S3KeyName": "ir/out"}}})
        ids = people(self, domain)
        job_id = start_job(self, domain)
        job, _ = wait_for_job(self, domain, job_id)
        self.assertEqual(job["Status"], "COMPLETED", job)
        key = f"ir/out/{job_id}.jsonl"
        self.assertEqual(job["ExportingLocation"],
                         {"S3Exporting": {"S3BucketName": bucket, "S3KeyName": key}})
        body = self.s3.client().get_object(Bucket=bucket, Key=key)["Body"].read().decode()
        lines = [json.loads(x) for x in body.splitlines()]
        self.assertEqual(sorted(sorted(x["ProfileIds"]) for x in lines),
                         sorted([sorted([ids["john"], ids["john2"]]),
                                 sorted([ids["ann"], ids["ann2"]])]))


if __name__ == "__main__":
    unittest.main()
