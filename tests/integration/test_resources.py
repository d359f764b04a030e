"""Configuration resources of a domain through boto3 (and the AWS CLI once): integrations,
event streams, domain layouts, event triggers, calculated attribute definitions and segment
definitions. Each group: create, get, list with paging, tags via the resource's ARN, delete,
not-found, duplicate, and removal with the domain."""

import json
import time
import unittest

from harness import ACCOUNT, REGION, ServerTestCase, domain_arn, epoch, unique_name

ORDER_FIELDS = {
    "OrderId": {"Source": "_source.OrderId"},
    "email": {"Source": "_source.email", "Target": "_profile.EmailAddress"},
    "total": {"Source": "_source.total", "ContentType": "NUMBER"},
}
ORDER_KEYS = {
    "OrderId": [{"StandardIdentifiers": ["UNIQUE"], "FieldNames": ["OrderId"]}],
    "_email": [{"StandardIdentifiers": ["PROFILE"], "FieldNames": ["email"]}],
}
STREAM_URI = f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/profile-events"


def sub_arn(domain, collection, name):
    return f"{domain_arn(domain)}/{collection}/{name}"


class ResourceTestCase(ServerTestCase):
    def setUp(self):
        self.domain = self.create_domain()
        self.client.put_profile_object_type(DomainName=self.domain, ObjectTypeName="Order",
                                            Description="orders", AllowProfileCreation=True,
                                            Fields=ORDER_FIELDS, Keys=ORDER_KEYS)

    def page_through(self, call, name_key, page_size, **kwargs):
        """Every item of a listing, fetched page_size at a time; checks each page's size."""
        names, token, pages = [], None, 0
        while True:
            args = dict(kwargs, MaxResults=page_size)
            if token:
                args["NextToken"] = token
            resp = call(**args)
            items = resp.get("Items", [])
            self.assertLessEqual(len(items), page_size)
            names += [i[name_key] for i in items]
            pages += 1
            token = resp.get("NextToken")
            if not token:
                return names, pages

    def check_tags(self, arn, get_tags):
        """Tags given at creation show on the ARN; TagResource adds, UntagResource removes, and
        the Get operation (get_tags()) shows the same tags."""
        self.assertEqual(self.client.list_tags_for_resource(resourceArn=arn)["tags"],
                         {"team": "crm"})
        self.client.tag_resource(resourceArn=arn, tags={"env": "test"})
        self.assertEqual(self.client.list_tags_for_resource(resourceArn=arn)["tags"],
                         {"team": "crm", "env": "test"})
        self.assertEqual(get_tags(), {"team": "crm", "env": "test"})
        self.client.untag_resource(resourceArn=arn, tagKeys=["team"])
        self.assertEqual(get_tags(), {"env": "test"})

    def check_gone(self, arn, get_call):
        self.assertClientError(get_call, "ResourceNotFoundException", 404)
        self.assertClientError(self.client.list_tags_for_resource, "ResourceNotFoundException",
                               404, resourceArn=arn)


class IntegrationTest(ResourceTestCase):
    def test_put_get_list_tag_delete(self):
        uri = f"arn:aws:flow:{REGION}:{ACCOUNT}:flow/orders-{unique_name('f')}"
        before = time.time()
        put = self.client.put_integration(DomainName=self.domain, Uri=uri, ObjectTypeName="Order",
                                          Tags={"team": "crm"})
        self.assertEqual(put["DomainName"], self.domain)
        self.assertEqual(put["Uri"], uri)
        self.assertEqual(put["ObjectTypeName"], "Order")
        self.assertEqual(put["Tags"], {"team": "crm"})
        self.assertGreaterEqual(epoch(put["CreatedAt"]), before - 2)
        got = self.client.get_integration(DomainName=self.domain, Uri=uri)
        self.assertEqual(got["ObjectTypeName"], "Order")
        self.assertEqual(epoch(got["CreatedAt"]), epoch(put["CreatedAt"]))
        arn = sub_arn(self.domain, "integrations", uri)
        self.check_tags(arn, lambda: self.client.get_integration(
            DomainName=self.domain, Uri=uri).get("Tags", {}))

        # Put again replaces the mapping and keeps CreatedAt.
        time.sleep(1.1)
        self.client.put_profile_object_type(DomainName=self.domain, ObjectTypeName="Order2",
                                            Description="o2",
                                            Fields=ORDER_FIELDS, Keys=ORDER_KEYS)
        again = self.client.put_integration(DomainName=self.domain, Uri=uri,
                                            ObjectTypeNames={"ShopifyCreateOrders": "Order2"})
        self.assertEqual(epoch(again["CreatedAt"]), epoch(put["CreatedAt"]))
        self.assertGreater(epoch(again["LastUpdatedAt"]), epoch(put["LastUpdatedAt"]))
        self.assertNotIn("ObjectTypeName", again)
        self.assertEqual(again["ObjectTypeNames"], {"ShopifyCreateOrders": "Order2"})

        out = self.client.delete_integration(DomainName=self.domain, Uri=uri)
        self.assertTrue(out["Message"])
        self.check_gone(arn, lambda: self.client.get_integration(DomainName=self.domain, Uri=uri))
        self.assertClientError(self.client.delete_integration, "ResourceNotFoundException", 404,
                               DomainName=self.domain, Uri=uri)

    def test_object_type_must_exist(self):
        self.assertClientError(self.client.put_integration, "ResourceNotFoundException", 404,
                               "Missing", DomainName=self.domain, Uri="s3://bucket/a",
                               ObjectTypeName="Missing")
        self.assertClientError(self.client.put_integration, "ResourceNotFoundException", 404,
                               "Nope", DomainName=self.domain, Uri="s3://bucket/a",
                               ObjectTypeNames={"SegmentIdentify": "Nope"})
        self.assertClientError(self.client.put_integration, "BadRequestException", 400,
                               DomainName=self.domain, Uri="s3://bucket/a")
        self.assertClientError(self.client.put_integration, "ResourceNotFoundException", 404,
                               DomainName=unique_name("nodom"), Uri="s3://bucket/a",
                               ObjectTypeName="Order")

    def test_list_pages_and_account_listing(self):
        uris = sorted(f"s3://bucket-{i:02d}/path" for i in range(7))
        for uri in uris:
            self.client.put_integration(DomainName=self.domain, Uri=uri, ObjectTypeName="Order")
        names, pages = self.page_through(self.client.list_integrations, "Uri", 3,
                                         DomainName=self.domain)
        self.assertEqual(names, uris)
        self.assertEqual(pages, 3)

        # ListAccountIntegrations finds a Uri's domain; a Uri belongs to one domain at a time
        # (test_config_rules.py), so another domain has it only once the first gave it up.
        shared = f"arn:aws:flow:{REGION}:{ACCOUNT}:flow/{unique_name('shared')}"
        domains = [self.domain]
        for _ in range(2):
            d = self.create_domain()
            self.client.put_profile_object_type(DomainName=d, ObjectTypeName="Order",
                                                Description="o",
                                                Fields=ORDER_FIELDS, Keys=ORDER_KEYS)
            domains.append(d)
        self.client.put_integration(DomainName=domains[0], Uri=shared, ObjectTypeName="Order")
        found, _ = self.page_through(self.client.list_account_integrations, "DomainName", 1,
                                     Uri=shared)
        self.assertEqual(found, [domains[0]])
        self.client.delete_integration(DomainName=domains[0], Uri=shared)
        self.client.put_integration(DomainName=domains[1], Uri=shared, ObjectTypeName="Order")
        self.client.delete_domain(DomainName=domains[1])
        self.client.put_integration(DomainName=domains[2], Uri=shared, ObjectTypeName="Order")
        found, _ = self.page_through(self.client.list_account_integrations, "DomainName", 1,
                                     Uri=shared)
        self.assertEqual(found, [domains[2]])
        self.assertEqual(self.client.list_account_integrations(Uri="s3://nothing/here")["Items"],
                         [])

    def test_cli_round_trip(self):
        uri = "s3://cli-bucket/orders"
        r = self.server.aws("put-integration", "--domain-name", self.domain, "--uri", uri,
                            "--object-type-name", "Order")
        self.assertTrue(r.ok, r)
        r = self.server.aws("list-integrations", "--domain-name", self.domain)
        self.assertTrue(r.ok, r)
        self.assertEqual([i["Uri"] for i in r.json["Items"]], [uri])
        r = self.server.aws("get-integration", "--domain-name", self.domain, "--uri", "s3://x/y")
        self.assertEqual(r.error_code, "ResourceNotFoundException", r)


class EventStreamTest(ResourceTestCase):
    def test_create_get_list_tag_delete(self):
        created = self.client.create_event_stream(DomainName=self.domain, EventStreamName="s1",
                                                  Uri=STREAM_URI, Tags={"team": "crm"})
        arn = sub_arn(self.domain, "event-streams", "s1")
        self.assertEqual(created["EventStreamArn"], arn)
        self.assertEqual(created["Tags"], {"team": "crm"})
        got = self.client.get_event_stream(DomainName=self.domain, EventStreamName="s1")
        self.assertEqual(got["DomainName"], self.domain)
        self.assertEqual(got["EventStreamArn"], arn)
        self.assertEqual(got["State"], "RUNNING")
        self.assertEqual(got["DestinationDetails"], {"Uri": STREAM_URI, "Status": "HEALTHY"})
        self.check_tags(arn, lambda: self.client.get_event_stream(
            DomainName=self.domain, EventStreamName="s1").get("Tags", {}))
        self.assertClientError(self.client.create_event_stream, "BadRequestException", 400,
                               "s1", DomainName=self.domain, EventStreamName="s1", Uri=STREAM_URI)
        self.client.delete_event_stream(DomainName=self.domain, EventStreamName="s1")
        self.check_gone(arn, lambda: self.client.get_event_stream(DomainName=self.domain,
                                                                  EventStreamName="s1"))
        self.assertClientError(self.client.delete_event_stream, "ResourceNotFoundException", 404,
                               DomainName=self.domain, EventStreamName="s1")

    def test_list_pages_and_destination_check(self):
        names = [f"stream-{i}" for i in range(5)]
        for n in names:
            self.client.create_event_stream(DomainName=self.domain, EventStreamName=n,
                                            Uri=STREAM_URI)
        got, pages = self.page_through(self.client.list_event_streams, "EventStreamName", 2,
                                       DomainName=self.domain)
        self.assertEqual(got, names)
        self.assertEqual(pages, 3)
        item = self.client.list_event_streams(DomainName=self.domain)["Items"][0]
        self.assertEqual(item["State"], "RUNNING")
        self.assertEqual(item["DestinationSummary"], {"Uri": STREAM_URI, "Status": "HEALTHY"})
        self.assertClientError(self.client.create_event_stream, "BadRequestException", 400,
                               "Kinesis", DomainName=self.domain, EventStreamName="bad",
                               Uri="s3://not-a-stream")

    def test_deleted_with_the_domain(self):
        d = self.create_domain()
        self.client.create_event_stream(DomainName=d, EventStreamName="s", Uri=STREAM_URI,
                                        Tags={"a": "b"})
        self.client.delete_domain(DomainName=d)
        self.create_domain(d)
        self.check_gone(sub_arn(d, "event-streams", "s"),
                        lambda: self.client.get_event_stream(DomainName=d, EventStreamName="s"))
        self.assertEqual(self.client.list_event_streams(DomainName=d)["Items"], [])


LAYOUT = json.dumps({"sections": [{"title": "Orders"}]})


class DomainLayoutTest(ResourceTestCase):
    def create(self, name, **kwargs):
        args = dict(DomainName=self.domain, LayoutDefinitionName=name, Description="desc",
                    DisplayName="Main layout", LayoutType="PROFILE_EXPLORER", Layout=LAYOUT)
        args.update(kwargs)
        return self.client.create_domain_layout(**args)

    def test_create_get_update_list_tag_delete(self):
        created = self.create("main", Tags={"team": "crm"}, IsDefault=True)
        self.assertEqual(created["Version"], "1")
        self.assertTrue(created["IsDefault"])
        self.assertEqual(created["Layout"], LAYOUT)
        got = self.client.get_domain_layout(DomainName=self.domain, LayoutDefinitionName="main")
        for k in ("Description", "DisplayName", "LayoutType", "Layout", "Version"):
            self.assertEqual(got[k], created[k], k)
        arn = sub_arn(self.domain, "layouts", "main")
        self.check_tags(arn, lambda: self.client.get_domain_layout(
            DomainName=self.domain, LayoutDefinitionName="main").get("Tags", {}))
        time.sleep(1.1)
        updated = self.client.update_domain_layout(DomainName=self.domain,
                                                   LayoutDefinitionName="main",
                                                   DisplayName="Renamed")
        self.assertEqual(updated["DisplayName"], "Renamed")
        self.assertEqual(updated["Description"], "desc")
        self.assertEqual(updated["Version"], "2")
        self.assertEqual(epoch(updated["CreatedAt"]), epoch(got["CreatedAt"]))
        self.assertGreater(epoch(updated["LastUpdatedAt"]), epoch(got["LastUpdatedAt"]))
        self.assertClientError(self.create, "BadRequestException", 400, None, "main")
        out = self.client.delete_domain_layout(DomainName=self.domain, LayoutDefinitionName="main")
        self.assertTrue(out["Message"])
        self.check_gone(arn, lambda: self.client.get_domain_layout(
            DomainName=self.domain, LayoutDefinitionName="main"))
        self.assertClientError(self.client.update_domain_layout, "ResourceNotFoundException", 404,
                               DomainName=self.domain, LayoutDefinitionName="main",
                               DisplayName="x")

    def test_list_pages(self):
        names = [f"layout-{i}" for i in range(4)]
        for n in names:
            self.create(n)
        got, pages = self.page_through(self.client.list_domain_layouts, "LayoutDefinitionName",
                                       3, DomainName=self.domain)
        self.assertEqual(got, names)
        self.assertEqual(pages, 2)
        item = self.client.list_domain_layouts(DomainName=self.domain)["Items"][0]
        self.assertNotIn("Layout", item)
        self.assertEqual(item["LayoutType"], "PROFILE_EXPLORER")


CONDITIONS = [{"EventTriggerDimensions": [{"ObjectAttributes": [
    {"Source": "{{total}}", "ComparisonOperator": "GREATER_THAN", "Values": ["100"]}]}],
    "LogicalOperator": "ANY"}]


class EventTriggerTest(ResourceTestCase):
    def create(self, name, **kwargs):
        args = dict(DomainName=self.domain, EventTriggerName=name, ObjectTypeName="Order",
                    EventTriggerConditions=CONDITIONS)
        args.update(kwargs)
        return self.client.create_event_trigger(**args)

    def test_create_get_update_list_tag_delete(self):
        created = self.create("big-order", Description="orders over 100", Tags={"team": "crm"},
                              EventTriggerLimits={"EventExpiration": 3600})
        self.assertEqual(created["EventTriggerConditions"], CONDITIONS)
        self.assertEqual(created["EventTriggerLimits"], {"EventExpiration": 3600})
        got = self.client.get_event_trigger(DomainName=self.domain, EventTriggerName="big-order")
        self.assertEqual(got["ObjectTypeName"], "Order")
        self.assertEqual(got["Description"], "orders over 100")
        arn = sub_arn(self.domain, "event-triggers", "big-order")
        self.check_tags(arn, lambda: self.client.get_event_trigger(
            DomainName=self.domain, EventTriggerName="big-order").get("Tags", {}))
        updated = self.client.update_event_trigger(DomainName=self.domain,
                                                   EventTriggerName="big-order",
                                                   Description="changed")
        self.assertEqual(updated["Description"], "changed")
        self.assertEqual(updated["EventTriggerConditions"], CONDITIONS)
        self.assertClientError(self.create, "BadRequestException", 400, None, "big-order")
        self.assertClientError(self.client.update_event_trigger, "ResourceNotFoundException", 404,
                               DomainName=self.domain, EventTriggerName="big-order",
                               ObjectTypeName="Missing")
        self.client.delete_event_trigger(DomainName=self.domain, EventTriggerName="big-order")
        self.check_gone(arn, lambda: self.client.get_event_trigger(
            DomainName=self.domain, EventTriggerName="big-order"))

    def test_references_and_list(self):
        self.assertClientError(self.create, "ResourceNotFoundException", 404, "Missing", "t",
                               ObjectTypeName="Missing")
        self.assertClientError(self.create, "ResourceNotFoundException", 404, "seg", "t",
                               SegmentFilter="seg")
        names = [f"t{i}" for i in range(3)]
        for n in names:
            self.create(n)
        got, pages = self.page_through(self.client.list_event_triggers, "EventTriggerName", 2,
                                       DomainName=self.domain)
        self.assertEqual(got, names)
        self.assertEqual(pages, 2)
        # An integration may name an existing trigger, and only an existing one.
        self.client.put_integration(DomainName=self.domain, Uri="s3://b/t", ObjectTypeName="Order",
                                    EventTriggerNames=["t0"])
        self.assertClientError(self.client.put_integration, "ResourceNotFoundException", 404,
                               DomainName=self.domain, Uri="s3://b/u", ObjectTypeName="Order",
                               EventTriggerNames=["nope"])


DETAILS = {"Attributes": [{"Name": "total"}], "Expression": "{Order.total}"}


class CalculatedAttributeDefinitionTest(ResourceTestCase):
    def create(self, name, **kwargs):
        args = dict(DomainName=self.domain, CalculatedAttributeName=name,
                    AttributeDetails=DETAILS, Statistic="SUM")
        args.update(kwargs)
        return self.client.create_calculated_attribute_definition(**args)

    def test_create_get_update_list_tag_delete(self):
        created = self.create("total_spend", DisplayName="Total spend", Tags={"team": "crm"},
                              Conditions={"Range": {"Value": 30, "Unit": "DAYS"}})
        self.assertEqual(created["AttributeDetails"], DETAILS)
        self.assertEqual(created["Statistic"], "SUM")
        self.assertEqual(created["Status"], "COMPLETED")
        got = self.client.get_calculated_attribute_definition(DomainName=self.domain,
                                                              CalculatedAttributeName="total_spend")
        self.assertEqual(got["DisplayName"], "Total spend")
        self.assertEqual(got["Conditions"], {"Range": {"Value": 30, "Unit": "DAYS"}})
        arn = sub_arn(self.domain, "calculated-attributes", "total_spend")
        self.check_tags(arn, lambda: self.client.get_calculated_attribute_definition(
            DomainName=self.domain, CalculatedAttributeName="total_spend").get("Tags", {}))
        updated = self.client.update_calculated_attribute_definition(
            DomainName=self.domain, CalculatedAttributeName="total_spend",
            Description="sum of order totals", Conditions={"ObjectCount": 5})
        self.assertEqual(updated["Description"], "sum of order totals")
        self.assertEqual(updated["Conditions"], {"ObjectCount": 5})
        self.assertEqual(updated["Statistic"], "SUM")
        self.assertClientError(self.create, "BadRequestException", 400, None, "total_spend")
        self.client.delete_calculated_attribute_definition(DomainName=self.domain,
                                                           CalculatedAttributeName="total_spend")
        self.check_gone(arn, lambda: self.client.get_calculated_attribute_definition(
            DomainName=self.domain, CalculatedAttributeName="total_spend"))

    def test_expression_rules_and_list(self):
        self.assertClientError(self.create, "ResourceNotFoundException", 404, "Nope", "a",
                               AttributeDetails={"Attributes": [{"Name": "x"}],
                                                 "Expression": "{Nope.x}"})
        self.assertClientError(self.create, "BadRequestException", 400, "Attributes", "a",
                               AttributeDetails={"Attributes": [{"Name": "x"}],
                                                 "Expression": "{Order.total}"})
        self.assertClientError(self.create, "BadRequestException", 400, None, "a",
                               AttributeDetails={"Attributes": [{"Name": "x"}],
                                                 "Expression": "x"})
        names = [f"attr{i}" for i in range(5)]
        for n in names:
            self.create(n)
        got, pages = self.page_through(self.client.list_calculated_attribute_definitions,
                                       "CalculatedAttributeName", 4, DomainName=self.domain)
        self.assertEqual(got, names)
        self.assertEqual(pages, 2)


class SegmentDefinitionTest(ResourceTestCase):
    GROUPS = {"Groups": [{"Dimensions": [{"ProfileAttributes": {"FirstName": {
        "DimensionType": "INCLUSIVE", "Values": ["Ann"]}}}], "Type": "ALL"}], "Include": "ALL"}

    def test_create_get_list_tag_delete(self):
        created = self.client.create_segment_definition(
            DomainName=self.domain, SegmentDefinitionName="anns", DisplayName="Anns",
            SegmentGroups=self.GROUPS, Tags={"team": "crm"})
        arn = sub_arn(self.domain, "segment-definitions", "anns")
        self.assertEqual(created["SegmentDefinitionArn"], arn)
        got = self.client.get_segment_definition(DomainName=self.domain,
                                                 SegmentDefinitionName="anns")
        self.assertEqual(got["SegmentGroups"], self.GROUPS)
        self.assertEqual(got["SegmentType"], "CLASSIC")
        self.check_tags(arn, lambda: self.client.get_segment_definition(
            DomainName=self.domain, SegmentDefinitionName="anns").get("Tags", {}))
        self.assertClientError(self.client.create_segment_definition, "BadRequestException", 400,
                               DomainName=self.domain, SegmentDefinitionName="anns",
                               DisplayName="x", SegmentGroups=self.GROUPS)
        sql = self.client.create_segment_definition(
            DomainName=self.domain, SegmentDefinitionName="sql", DisplayName="SQL",
            SegmentSqlQuery="SELECT * FROM profiles")
        self.assertEqual(sql["SegmentDefinitionName"], "sql")
        got, pages = self.page_through(self.client.list_segment_definitions,
                                       "SegmentDefinitionName", 1, DomainName=self.domain)
        self.assertEqual(got, ["anns", "sql"])
        self.client.delete_segment_definition(DomainName=self.domain,
                                              SegmentDefinitionName="anns")
        self.check_gone(arn, lambda: self.client.get_segment_definition(
            DomainName=self.domain, SegmentDefinitionName="anns"))


if __name__ == "__main__":
    unittest.main()
