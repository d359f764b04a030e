"""Integration workflows (CreateIntegrationWorkflow, GetWorkflow, GetWorkflowSteps, ListWorkflows,
DeleteWorkflow) against a real S3-compatible server (s3rver from npm): an S3 source is really
read, its records put through the flow's Tasks and ingested into profiles; an unreachable source
ends FAILED with the reason. docs/workflows.md."""

import json
import time
import unittest

from aws_servers import NodeServerTestCase
from harness import unique_name


def flow(bucket, prefix="", tasks=None, connector="S3", name=None, batches=None,
         time_field=None):
    # A flow's integration belongs to one domain, and the tests of this class share one server:
    # each flow is named afresh.
    name = name or unique_name("flow")
    props = {"S3": {"BucketName": bucket, "BucketPrefix": prefix}} if connector == "S3" else {
        connector: {"Object": "Contact"}}
    source = {"ConnectorType": connector, "SourceConnectorProperties": props}
    if time_field:
        source["IncrementalPullConfig"] = {"DatetimeTypeFieldName": time_field}
    config = {"FlowDefinition": {
        "FlowName": name, "KmsArn": "arn:aws:kms:us-east-1:123456789012:key/k",
        "SourceFlowConfig": source, "Tasks": tasks or [],
        "TriggerConfig": {"TriggerType": "OnDemand"}}}
    if batches:
        config["Batches"] = batches
    return {"AppflowIntegration": config}


ROLE = "arn:aws:iam::123456789012:role/appflow"
TASKS = [
    {"TaskType": "Filter", "SourceFields": ["mail", "name", "card", "score"],
     "ConnectorOperator": {"S3": "PROJECTION"}},
    {"TaskType": "Validate", "SourceFields": ["mail"],
     "ConnectorOperator": {"S3": "VALIDATE_NON_NULL"},
     "TaskProperties": {"VALIDATION_ACTION": "DropRecord"}},
    {"TaskType": "Mask", "SourceFields": ["card"], "ConnectorOperator": {"S3": "MASK_FIRST_N"},
     "TaskProperties": {"MASK_LENGTH": "12"}},
    {"TaskType": "Map", "SourceFields": ["mail"], "DestinationField": "email"},
    {"TaskType": "Map", "SourceFields": ["name"], "DestinationField": "fullName"},
    {"TaskType": "Map", "SourceFields": ["card"], "DestinationField": "card"},
]


class WorkflowTest(NodeServerTestCase):  # s3rver at --s3-endpoint, as cls.s3
    def setUp(self):
        self.domain = unique_name("wf")
        self.client.create_domain(DomainName=self.domain, DefaultExpirationDays=30)
        self.client.put_profile_object_type(
            DomainName=self.domain, ObjectTypeName="Contact", Description="contacts",
            AllowProfileCreation=True,
            Fields={"email": {"Source": "_source.email", "Target": "_profile.EmailAddress"},
                    "fullName": {"Source": "_source.fullName", "Target": "_profile.FirstName"},
                    "card": {"Source": "_source.card", "Target": "_profile.Attributes.card"}},
            Keys={"email": [{"StandardIdentifiers": ["PROFILE", "UNIQUE"],
                             "FieldNames": ["email"]}]})
        self.bucket = unique_name("bucket").lower()[:40]
        s3 = self.s3.client()
        s3.create_bucket(Bucket=self.bucket)
        s3.put_object(Bucket=self.bucket, Key="in/a.csv",
                      Body=b"mail,name,card,secret\r\n"
                           b"ann@example.com,\"Ann, A\",1234567812345678,x\n"
                           b",Nobody,1,y\n")
        s3.put_object(Bucket=self.bucket, Key="in/b.jsonl",
                      Body=b'{"mail": "bob@example.com", "name": "Bob", "score": 3}\n')
        s3.put_object(Bucket=self.bucket, Key="elsewhere/c.csv", Body=b"mail\nzed@example.com\n")

    def wait(self, workflow_id, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            w = self.client.get_workflow(DomainName=self.domain, WorkflowId=workflow_id)
            if w["Status"] in ("COMPLETE", "FAILED"):
                return w
            self.assertIn(w["Status"], ("NOT_STARTED", "IN_PROGRESS"))
            if time.monotonic() > deadline:
                self.fail(f"workflow still {w['Status']} after {timeout}s")
            time.sleep(0.2)

    def search(self, email):
        return self.client.search_profiles(DomainName=self.domain, KeyName="email",
                                           Values=[email])["Items"]

    def test_s3_source_is_ingested_through_the_tasks_and_the_integration_exists(self):
        name = unique_name("flow")
        created = self.client.create_integration_workflow(
            DomainName=self.domain, WorkflowType="APPFLOW_INTEGRATION",
            IntegrationConfig=flow(self.bucket, "in/", TASKS, name=name), ObjectTypeName="Contact",
            RoleArn=ROLE, Tags={"team": "crm"})
        self.assertTrue(created["Message"])
        w = self.wait(created["WorkflowId"])
        self.assertEqual(w["Status"], "COMPLETE", w.get("ErrorDescription"))
        self.assertEqual(w["WorkflowType"], "APPFLOW_INTEGRATION")
        self.assertEqual(w["Attributes"]["AppflowIntegration"]["SourceConnectorType"], "S3")
        self.assertEqual(w["Metrics"]["AppflowIntegration"],
                         {"RecordsProcessed": 2, "StepsCompleted": 1, "TotalSteps": 1})

        ann = self.search("ann@example.com")
        self.assertEqual(len(ann), 1)
        self.assertEqual(ann[0]["FirstName"], "Ann, A")
        self.assertEqual(ann[0]["EmailAddress"], "ann@example.com")
        self.assertEqual(ann[0]["Attributes"]["card"], "************5678")
        self.assertEqual(len(self.search("bob@example.com")), 1)
        self.assertEqual(self.search("zed@example.com"), [])  # outside the prefix
        objects = self.client.list_profile_objects(
            DomainName=self.domain, ObjectTypeName="Contact",
            ProfileId=ann[0]["ProfileId"])["Items"]
        self.assertNotIn("secret", json.loads(objects[0]["Object"]))  # not projected

        steps = self.client.get_workflow_steps(DomainName=self.domain,
                                               WorkflowId=created["WorkflowId"])
        self.assertEqual(len(steps["Items"]), 1)
        step = steps["Items"][0]["AppflowIntegration"]
        self.assertEqual((step["FlowName"], step["Status"], step["RecordsProcessed"]),
                         (name, "COMPLETE", 2))

        arn = "arn:aws:appflow:us-east-1:123456789012:flow/" + name
        integration = self.client.get_integration(DomainName=self.domain, Uri=arn)
        self.assertEqual(integration["WorkflowId"], created["WorkflowId"])
        self.assertEqual(integration["ObjectTypeName"], "Contact")

        listed = self.client.list_workflows(DomainName=self.domain, Status="COMPLETE")["Items"]
        self.assertEqual([i["WorkflowId"] for i in listed], [created["WorkflowId"]])
        self.assertEqual(self.client.list_workflows(DomainName=self.domain,
                                                    Status="FAILED")["Items"], [])

    def test_batches_are_steps_and_take_the_records_of_their_time(self):
        s3 = self.s3.client()
        s3.put_object(Bucket=self.bucket, Key="t/x.jsonl",
                      Body=b'{"mail": "early@example.com", "at": "2024-01-05T00:00:00Z"}\n'
                           b'{"mail": "late@example.com", "at": "2024-02-05T00:00:00Z"}\n'
                           b'{"mail": "never@example.com", "at": "2025-01-01T00:00:00Z"}\n')
        batches = [{"StartTime": "2024-01-01T00:00:00Z", "EndTime": "2024-02-01T00:00:00Z"},
                   {"StartTime": "2024-02-01T00:00:00Z", "EndTime": "2024-03-01T00:00:00Z"}]
        tasks = [{"TaskType": "Map", "SourceFields": ["mail"], "DestinationField": "email"}]
        wid = self.client.create_integration_workflow(
            DomainName=self.domain, WorkflowType="APPFLOW_INTEGRATION",
            IntegrationConfig=flow(self.bucket, "t/", tasks, batches=batches, time_field="at"),
            ObjectTypeName="Contact", RoleArn=ROLE)["WorkflowId"]
        w = self.wait(wid)
        self.assertEqual(w["Status"], "COMPLETE", w.get("ErrorDescription"))
        self.assertEqual(w["Metrics"]["AppflowIntegration"]["TotalSteps"], 2)
        steps = self.client.get_workflow_steps(DomainName=self.domain, WorkflowId=wid,
                                               MaxResults=1)
        self.assertEqual(steps["Items"][0]["AppflowIntegration"]["BatchRecordsStartTime"],
                         "2024-01-01T00:00:00Z")
        rest = self.client.get_workflow_steps(DomainName=self.domain, WorkflowId=wid,
                                              NextToken=steps["NextToken"])
        self.assertEqual(rest["Items"][0]["AppflowIntegration"]["RecordsProcessed"], 1)
        self.assertNotIn("NextToken", rest)
        self.assertEqual(len(self.search("early@example.com")), 1)
        self.assertEqual(len(self.search("late@example.com")), 1)
        self.assertEqual(self.search("never@example.com"), [])

    def test_unreachable_sources_fail_with_the_reason(self):
        wid = self.client.create_integration_workflow(
            DomainName=self.domain, WorkflowType="APPFLOW_INTEGRATION",
            IntegrationConfig=flow("", connector="Salesforce"), ObjectTypeName="Contact",
            RoleArn=ROLE)["WorkflowId"]
        w = self.wait(wid)
        self.assertEqual(w["Status"], "FAILED")
        self.assertIn("Salesforce", w["ErrorDescription"])
        missing = self.client.create_integration_workflow(
            DomainName=self.domain, WorkflowType="APPFLOW_INTEGRATION",
            IntegrationConfig=flow("no-such-bucket-" + self.bucket[-8:]),
            ObjectTypeName="Contact", RoleArn=ROLE)["WorkflowId"]
        w = self.wait(missing)
        self.assertEqual(w["Status"], "FAILED")
        self.assertIn("no-such-bucket", w["ErrorDescription"])
        items = self.client.list_workflows(DomainName=self.domain, Status="FAILED")["Items"]
        self.assertEqual({i["WorkflowId"] for i in items}, {wid, missing})

    def test_bad_input_is_refused_naming_the_member(self):
        c = self.client
        with self.assertRaises(c.exceptions.BadRequestException) as e:
            c.create_integration_workflow(
                DomainName=self.domain, WorkflowType="APPFLOW_INTEGRATION",
                IntegrationConfig=flow(self.bucket, tasks=[
                    {"TaskType": "Arithmetic", "SourceFields": ["a"]}]),
                ObjectTypeName="Contact", RoleArn=ROLE)
        self.assertIn("Tasks[0]", str(e.exception))
        bad = flow(self.bucket)
        bad["AppflowIntegration"]["FlowDefinition"]["SourceFlowConfig"][
            "SourceConnectorProperties"] = {"Zendesk": {"Object": "x"}}
        with self.assertRaises(c.exceptions.BadRequestException) as e:
            c.create_integration_workflow(DomainName=self.domain,
                                          WorkflowType="APPFLOW_INTEGRATION",
                                          IntegrationConfig=bad, ObjectTypeName="Contact",
                                          RoleArn=ROLE)
        self.assertIn("SourceConnectorProperties.S3", str(e.exception))
        with self.assertRaises(c.exceptions.ResourceNotFoundException):
            c.create_integration_workflow(DomainName=self.domain,
                                          WorkflowType="APPFLOW_INTEGRATION",
                                          IntegrationConfig=flow(self.bucket),
                                          ObjectTypeName="NoSuchType", RoleArn=ROLE)
        with self.assertRaises(c.exceptions.ResourceNotFoundException):
            c.get_workflow(DomainName=self.domain,
                           WorkflowId="0" * 32)
        self.assertEqual(c.list_workflows(DomainName=self.domain)["Items"], [])

    def test_delete_removes_the_workflow(self):
        wid = self.client.create_integration_workflow(
            DomainName=self.domain, WorkflowType="APPFLOW_INTEGRATION",
            IntegrationConfig=flow(self.bucket, "in/", TASKS), ObjectTypeName="Contact",
            RoleArn=ROLE)["WorkflowId"]
        self.wait(wid)
        self.client.delete_workflow(DomainName=self.domain, WorkflowId=wid)
        with self.assertRaises(self.client.exceptions.ResourceNotFoundException):
            self.client.get_workflow(DomainName=self.domain, WorkflowId=wid)
        with self.assertRaises(self.client.exceptions.ResourceNotFoundException):
            self.client.delete_workflow(DomainName=self.domain, WorkflowId=wid)


if __name__ == "__main__":
    unittest.main()
