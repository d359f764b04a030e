"""Segments evaluated for real, through boto3 against the real binary (every store):
CreateSegmentEstimate / GetSegmentEstimate, GetSegmentMembership, CreateSegmentSnapshot /
GetSegmentSnapshot (file:// destinations), source segments, calculated attribute dimensions,
the SQL subset, and the documented limits and references (docs/segments.md cites each)."""

import csv
import io
import json
import os
import shutil
import tempfile
import unittest

import test_resources  # the Order type; the module, so its test classes do not run here
from harness import ServerTestCase, unique_name

import aws_servers  # s3rver, started from tests/js's npm packages


def dim(profile_attributes):
    return {"Groups": [{"Dimensions": [{"ProfileAttributes": profile_attributes}]}]}


def sources(*names, **group):
    return {"Groups": [dict(SourceSegments=[{"SegmentDefinitionName": n} for n in names], **group)]}


class SegmentTest(ServerTestCase):
    def setUp(self):
        self.domain = self.create_domain()
        self.ann = self.create_profile(
            self.domain, FirstName="Ann", LastName="Lee", BirthDate="1990-05-17",
            EmailAddress="ann@example.com", Address={"City": "Paris", "Country": "FR"},
            Attributes={"visits": "12", "tier": "gold"})
        self.anne = self.create_profile(
            self.domain, FirstName="Anne", LastName="Kim", BirthDate="2001-01-01T22:30:00-05:00",
            Address={"City": "Lyon", "Country": "FR"}, Attributes={"visits": "3"},
            ProfileType="ACCOUNT_PROFILE")
        self.bo = self.create_profile(
            self.domain, FirstName="Bo", LastName="Lee",
            Attributes={"visits": "30", "tier": "Gold"}, ProfileType="PROFILE")
        self.out = tempfile.mkdtemp(prefix="profiled-snapshots-")
        self.addCleanup(shutil.rmtree, self.out, True)

    def estimate(self, query=None, sql=None):
        args = {"SegmentQuery": query} if query is not None else {"SegmentSqlQuery": sql}
        created = self.client.create_segment_estimate(DomainName=self.domain, **args)
        self.assertEqual(created["DomainName"], self.domain)
        self.assertEqual(created["StatusCode"], 201)
        got = self.client.get_segment_estimate(DomainName=self.domain,
                                               EstimateId=created["EstimateId"])
        self.assertEqual(got["Status"], "SUCCEEDED")
        self.assertEqual(got["StatusCode"], 200)
        self.assertEqual(got["EstimateId"], created["EstimateId"])
        return int(got["Estimate"])

    def define(self, name, groups=None, sql=None):
        args = {"SegmentGroups": groups} if groups is not None else {"SegmentSqlQuery": sql}
        return self.client.create_segment_definition(
            DomainName=self.domain, SegmentDefinitionName=name, DisplayName=name, **args)

    def membership(self, name, ids):
        resp = self.client.get_segment_membership(DomainName=self.domain,
                                                  SegmentDefinitionName=name, ProfileIds=ids)
        self.assertEqual(resp["SegmentDefinitionName"], name)
        return resp

    def test_estimates_count_every_dimension_type(self):
        self.assertEqual(self.estimate(dim({"FirstName": {"DimensionType": "INCLUSIVE",
                                                          "Values": ["Ann", "Bo"]}})), 2)
        # Values are case-sensitive (AWS admin guide, Build customer segments).
        self.assertEqual(self.estimate(dim({"FirstName": {"DimensionType": "INCLUSIVE",
                                                          "Values": ["ann"]}})), 0)
        self.assertEqual(self.estimate(dim({"FirstName": {"DimensionType": "BEGINS_WITH",
                                                          "Values": ["An"]}})), 2)
        self.assertEqual(self.estimate(dim({"EmailAddress": {"DimensionType": "ENDS_WITH",
                                                             "Values": ["@example.com"]}})), 1)
        self.assertEqual(self.estimate(dim({"LastName": {"DimensionType": "EXCLUSIVE",
                                                         "Values": ["Lee"]}})), 1)
        # Dates by UTC day: 2001-01-01T22:30-05:00 is 2001-01-02 in UTC.
        self.assertEqual(self.estimate(dim({"BirthDate": {"DimensionType": "ON",
                                                          "Values": ["2001-01-02"]}})), 1)
        self.assertEqual(self.estimate(dim({"BirthDate": {
            "DimensionType": "BETWEEN", "Values": ["1990-05-17", "2001-01-01"]}})), 1)
        self.assertEqual(self.estimate(dim({"BirthDate": {
            "DimensionType": "NOT_BETWEEN", "Values": ["1990-05-18", "2000-01-01"]}})), 2)
        self.assertEqual(self.estimate(dim({"Address": {"City": {"DimensionType": "INCLUSIVE",
                                                                 "Values": ["Lyon"]}}})), 1)
        self.assertEqual(self.estimate(dim({"Attributes": {"visits": {
            "DimensionType": "GREATER_THAN_OR_EQUAL", "Values": ["12"]}}})), 2)
        self.assertEqual(self.estimate(dim({"Attributes": {"tier": {
            "DimensionType": "INCLUSIVE", "Values": ["gold"]}}})), 1)
        self.assertEqual(self.estimate(dim({"ProfileType": {"DimensionType": "INCLUSIVE",
                                                            "Values": ["ACCOUNT_PROFILE"]}})), 1)
        self.assertEqual(self.estimate({"Include": "ANY", "Groups": [
            {"Dimensions": [{"ProfileAttributes": {"FirstName": {"DimensionType": "INCLUSIVE",
                                                                 "Values": ["Bo"]}}}]},
            {"Dimensions": [{"ProfileAttributes": {"Address": {"Country": {
                "DimensionType": "INCLUSIVE", "Values": ["FR"]}}}}]}]}), 3)
        self.assertEqual(self.estimate({"Groups": [{"Type": "NONE", "Dimensions": [
            {"ProfileAttributes": {"FirstName": {"DimensionType": "INCLUSIVE", "Values": ["Bo"]}}},
            {"ProfileAttributes": {"LastName": {"DimensionType": "INCLUSIVE",
                                                "Values": ["Kim"]}}}]}]}), 1)

    def test_estimate_errors(self):
        self.assertClientError(self.client.create_segment_estimate, "BadRequestException", 400,
                               None, DomainName=self.domain)
        self.assertClientError(self.client.create_segment_estimate, "BadRequestException", 400,
                               "not a date", DomainName=self.domain,
                               SegmentQuery=dim({"BirthDate": {"DimensionType": "ON",
                                                               "Values": ["soon"]}}))
        self.assertClientError(self.client.get_segment_estimate, "ResourceNotFoundException", 404,
                               None, DomainName=self.domain, EstimateId="nope")
        self.assertClientError(self.client.create_segment_estimate, "ResourceNotFoundException",
                               404, None, DomainName="nosuchdomain", SegmentQuery={"Groups": []})

    def test_sql_subset_and_refusals(self):
        self.assertEqual(self.estimate(sql="SELECT * FROM profiles WHERE LastName = 'Lee' "
                                           "AND Attributes.visits > 20 OR FirstName = 'Anne'"), 2)
        self.assertEqual(self.estimate(sql="SELECT * FROM profiles"), 3)
        self.assertClientError(self.client.create_segment_estimate, "BadRequestException", 400,
                               "unsupported", DomainName=self.domain,
                               SegmentSqlQuery="SELECT * FROM orders JOIN profiles")
        self.define("sqlseg", sql="SELECT * FROM profiles WHERE Address.Country = 'FR'")
        got = self.membership("sqlseg", [self.ann, self.bo])
        result = {p["ProfileId"]: p["QueryResult"] for p in got["Profiles"]}
        self.assertEqual(result, {self.ann: "PRESENT", self.bo: "ABSENT"})

    def test_membership(self):
        self.define("lees", dim({"LastName": {"DimensionType": "INCLUSIVE", "Values": ["Lee"]}}))
        unknown = "f" * 32
        got = self.membership("lees", [self.ann, self.anne, unknown])
        result = {p["ProfileId"]: p["QueryResult"] for p in got["Profiles"]}
        self.assertEqual(result, {self.ann: "PRESENT", self.anne: "ABSENT"})
        profiles = {p["ProfileId"]: p["Profile"] for p in got["Profiles"]}
        self.assertEqual(profiles[self.ann]["FirstName"], "Ann")
        self.assertEqual(profiles[self.ann]["Address"]["City"], "Paris")
        self.assertEqual([(f["ProfileId"], f["Status"]) for f in got["Failures"]], [(unknown, 404)])
        self.assertIn("LastComputedAt", got)
        self.client.update_profile(DomainName=self.domain, ProfileId=self.anne, LastName="Lee")
        got = self.membership("lees", [self.anne])
        self.assertEqual(got["Profiles"][0]["QueryResult"], "PRESENT")
        self.assertClientError(self.client.get_segment_membership, "ResourceNotFoundException",
                               404, "nope", DomainName=self.domain,
                               SegmentDefinitionName="nope", ProfileIds=[self.ann])

    def test_source_segments_and_limits(self):
        self.define("fr", dim({"Address": {"Country": {"DimensionType": "INCLUSIVE",
                                                       "Values": ["FR"]}}}))
        self.define("lees", dim({"LastName": {"DimensionType": "INCLUSIVE", "Values": ["Lee"]}}))
        self.assertEqual(self.estimate(sources("fr", "lees", SourceType="ALL")), 1)
        self.assertEqual(self.estimate(sources("fr", "lees")), 3)
        self.assertEqual(self.estimate(sources("fr", "lees", SourceType="NONE")), 0)
        # Starting audiences nest at most 5 deep (AWS admin guide, Troubleshooting customer
        # segments: "You reached the limit of 5 depth of starting audiences").
        self.define("n0", dim({"FirstName": {"DimensionType": "INCLUSIVE", "Values": ["Ann"]}}))
        for i in range(1, 6):
            self.define(f"n{i}", sources(f"n{i - 1}"))
        got = self.membership("n5", [self.ann, self.bo])
        self.assertEqual({p["ProfileId"]: p["QueryResult"] for p in got["Profiles"]},
                         {self.ann: "PRESENT", self.bo: "ABSENT"})
        self.assertClientError(self.define, "BadRequestException", 400, "limit of 5 depth",
                               "n6", sources("n5"))
        # Up to 5 starting audiences per group (AWS admin guide, Build customer segments).
        self.assertClientError(self.define, "BadRequestException", 400, "at most 5",
                               "six", sources("fr", "lees", "n0", "n1", "n2", "n3"))
        # References must exist; a segment in use cannot be deleted.
        self.assertClientError(self.define, "ResourceNotFoundException", 404, "missing",
                               "orphan", sources("missing"))
        self.assertClientError(self.client.delete_segment_definition, "BadRequestException", 400,
                               "used by segment definition n1", DomainName=self.domain,
                               SegmentDefinitionName="n0")

    def test_calculated_attribute_dimension(self):
        self.client.put_profile_object_type(
            DomainName=self.domain, ObjectTypeName="Order", Description="orders",
            Fields=test_resources.ORDER_FIELDS, Keys=test_resources.ORDER_KEYS)
        for oid, total in (("o1", 50), ("o2", 70)):
            self.client.put_profile_object(
                DomainName=self.domain, ObjectTypeName="Order",
                Object=json.dumps({"OrderId": oid, "email": "ann@example.com", "total": total}))
        self.client.create_calculated_attribute_definition(
            DomainName=self.domain, CalculatedAttributeName="spend", Statistic="SUM",
            UseHistoricalData=True,  # the orders were put before the definition
            AttributeDetails={"Attributes": [{"Name": "total"}], "Expression": "{Order.total}"})

        def spend(op, value, **extra):
            return {"Groups": [{"Dimensions": [{"CalculatedAttributes": {"spend": dict(
                DimensionType=op, Values=[value], **extra)}}]}]}

        self.assertEqual(self.estimate(spend("EQUAL", "120")), 1)
        self.assertEqual(self.estimate(spend("GREATER_THAN", "100", ConditionOverrides={
            "Range": {"Start": 30, "End": 0, "Unit": "DAYS"}})), 1)
        self.assertEqual(self.estimate(spend("GREATER_THAN", "0", ConditionOverrides={
            "Range": {"Start": 30, "End": 1, "Unit": "DAYS"}})), 0)
        self.assertClientError(self.define, "ResourceNotFoundException", 404, "nocalc", "c",
                               {"Groups": [{"Dimensions": [{"CalculatedAttributes": {
                                   "nocalc": {"DimensionType": "EQUAL", "Values": ["1"]}}}]}]})

    def test_snapshots(self):
        self.define("lees", dim({"LastName": {"DimensionType": "INCLUSIVE", "Values": ["Lee"]}}))
        uri = "file://" + self.out

        def snapshot(fmt):
            sid = self.client.create_segment_snapshot(
                DomainName=self.domain, SegmentDefinitionName="lees", DataFormat=fmt,
                DestinationUri=uri)["SnapshotId"]
            got = self.client.get_segment_snapshot(DomainName=self.domain,
                                                   SegmentDefinitionName="lees", SnapshotId=sid)
            self.assertEqual(got["Status"], "COMPLETED")
            self.assertEqual(got["DataFormat"], fmt)
            self.assertEqual(got["DestinationUri"], uri)
            with open(os.path.join(self.out, sid + "." + fmt.lower()), encoding="utf-8") as f:
                return f.read()

        lines = snapshot("JSONL").splitlines()
        self.assertEqual(sorted(json.loads(x)["ProfileId"] for x in lines),
                         sorted([self.ann, self.bo]))
        rows = list(csv.DictReader(io.StringIO(snapshot("CSV"))))
        self.assertEqual(sorted(r["ProfileId"] for r in rows), sorted([self.ann, self.bo]))
        by_id = {r["ProfileId"]: r for r in rows}
        self.assertEqual(by_id[self.ann]["Address.City"], "Paris")
        self.assertEqual(by_id[self.bo]["Attributes.tier"], "Gold")
        self.assertEqual(by_id[self.bo]["Address.City"], "")
        self.assertClientError(self.client.create_segment_snapshot, "BadRequestException", 400,
                               "ORC", DomainName=self.domain, SegmentDefinitionName="lees",
                               DataFormat="ORC", DestinationUri=uri)
        self.assertClientError(self.client.create_segment_snapshot, "BadRequestException", 400,
                               "DestinationUri", DomainName=self.domain,
                               SegmentDefinitionName="lees", DataFormat="CSV")
        self.assertClientError(self.client.create_segment_snapshot, "ResourceNotFoundException",
                               404, "nope", DomainName=self.domain, SegmentDefinitionName="nope",
                               DataFormat="CSV", DestinationUri=uri)
        self.assertClientError(self.client.get_segment_snapshot, "ResourceNotFoundException",
                               404, None, DomainName=self.domain, SegmentDefinitionName="lees",
                               SnapshotId="0" * 32)


class SegmentSnapshotS3Test(aws_servers.NodeServerTestCase):
    """CreateSegmentSnapshot to s3://bucket/prefix: written through the S3 API of the endpoint
    --s3-endpoint names (s3rver), read back with boto3."""

    skip_class_without_node = False  # each test says why it skips

    def setUp(self):
        aws_servers.require_node_servers(self)
        self.domain = self.create_domain()
        self.ann = self.create_profile(self.domain, FirstName="Ann", LastName="Lee",
                                       Address={"City": "Paris"})
        self.create_profile(self.domain, FirstName="Bo", LastName="Kim")
        self.client.create_segment_definition(
            DomainName=self.domain, SegmentDefinitionName="lees", DisplayName="lees",
            SegmentGroups=dim({"LastName": {"DimensionType": "INCLUSIVE", "Values": ["Lee"]}}))
        self.bucket = unique_name("bucket").lower().replace("_", "-")[:40]
        self.s3.client().create_bucket(Bucket=self.bucket)

    def snapshot(self, fmt, uri):
        sid = self.client.create_segment_snapshot(
            DomainName=self.domain, SegmentDefinitionName="lees", DataFormat=fmt,
            DestinationUri=uri)["SnapshotId"]
        return sid, self.client.get_segment_snapshot(
            DomainName=self.domain, SegmentDefinitionName="lees", SnapshotId=sid)

    def test_csv_and_jsonl_objects_under_the_prefix(self):
        for fmt in ("CSV", "JSONL"):
            sid, got = self.snapshot(fmt, f"s3://{self.bucket}/exports/lees/")
            self.assertEqual(got["Status"], "COMPLETED", got)
            key = f"exports/lees/{sid}.{fmt.lower()}"
            body = self.s3.client().get_object(Bucket=self.bucket, Key=key)["Body"].read()
            text = body.decode("utf-8")
            if fmt == "CSV":
                rows = list(csv.DictReader(io.StringIO(text)))
                self.assertEqual([(r["ProfileId"], r["Address.City"]) for r in rows],
                                 [(self.ann, "Paris")])
            else:
                self.assertEqual([json.loads(x)["ProfileId"] for x in text.splitlines()],
                                 [self.ann])

    def test_a_missing_bucket_fails_the_snapshot_with_the_reason(self):
        sid, got = self.snapshot("CSV", "s3://no-such-bucket-here/x")
        self.assertEqual(got["Status"], "FAILED", got)
        self.assertIn("no-such-bucket-here", got.get("StatusMessage", ""))


if __name__ == "__main__":
    unittest.main()
