"""Rules between configuration resources, as an SDK user meets them (boto3; docs/resources.md,
"Rules between resources"). Each test names where its rule comes from."""

import unittest

from harness import ACCOUNT, REGION, ServerTestCase, unique_name
from test_resources import ORDER_FIELDS, ORDER_KEYS


class ConfigRulesTest(ServerTestCase):
    def domain_with_orders(self):
        d = self.create_domain()
        self.client.put_profile_object_type(DomainName=d, ObjectTypeName="Order",
                                            Description="orders", AllowProfileCreation=True,
                                            Fields=ORDER_FIELDS, Keys=ORDER_KEYS)
        return d

    def test_an_integration_belongs_to_one_domain(self):
        # https://docs.aws.amazon.com/customerprofiles/latest/APIReference/API_PutIntegration.html
        # "An integration can belong to only one domain."
        a, b = self.domain_with_orders(), self.domain_with_orders()
        uri = f"arn:aws:connect:{REGION}:{ACCOUNT}:instance/{unique_name('i')}"
        self.client.put_integration(DomainName=a, Uri=uri, ObjectTypeName="Order")
        self.assertClientError(self.client.put_integration, "BadRequestException", 400,
                               f"already belongs to domain {a}", DomainName=b, Uri=uri,
                               ObjectTypeName="Order")
        self.client.put_integration(DomainName=a, Uri=uri, ObjectTypeName="Order")  # replace
        items = self.client.list_account_integrations(Uri=uri)["Items"]
        self.assertEqual([i["DomainName"] for i in items], [a])
        self.client.delete_integration(DomainName=a, Uri=uri)
        self.client.put_integration(DomainName=b, Uri=uri, ObjectTypeName="Order")
        items = self.client.list_account_integrations(Uri=uri)["Items"]
        self.assertEqual([i["DomainName"] for i in items], [b])

    def test_object_type_names_keys_are_the_documented_event_types(self):
        # https://docs.aws.amazon.com/customerprofiles/latest/APIReference/API_PutIntegration.html
        # ObjectTypeNames "supports the following event types: SegmentIdentify, ..."
        d = self.domain_with_orders()
        got = self.client.put_integration(DomainName=d, Uri="s3://b/shopify",
                                          ObjectTypeNames={"ShopifyUpdatedOrders": "Order"})
        self.assertEqual(got["ObjectTypeNames"], {"ShopifyUpdatedOrders": "Order"})
        self.assertClientError(self.client.put_integration, "BadRequestException", 400,
                               "ShopifyDeleteOrders", DomainName=d, Uri="s3://b/other",
                               ObjectTypeNames={"ShopifyDeleteOrders": "Order"})

    def test_a_trigger_condition_that_cannot_hold_is_refused(self):
        # Profiled's rule (docs/events.md, "Checked when stored"): the model gives the operators,
        # not what a value that does not fit one means; such a condition is refused, not stored.
        d = self.domain_with_orders()

        def create(attribute):
            return self.client.create_event_trigger(
                DomainName=d, EventTriggerName="t", ObjectTypeName="Order",
                EventTriggerConditions=[{"LogicalOperator": "ALL", "EventTriggerDimensions": [
                    {"ObjectAttributes": [attribute]}]}])

        self.assertClientError(create, "BadRequestException", 400, "exactly one of Source",
                               {"ComparisonOperator": "INCLUSIVE", "Values": ["a"]})
        self.assertClientError(create, "BadRequestException", 400, "not a field",
                               {"FieldName": "nosuch", "ComparisonOperator": "INCLUSIVE",
                                "Values": ["a"]})
        self.assertClientError(create, "BadRequestException", 400, "two Values",
                               {"FieldName": "total", "ComparisonOperator": "BETWEEN",
                                "Values": ["1"]})
        create({"FieldName": "total", "ComparisonOperator": "BETWEEN", "Values": ["1", "9"]})

    def test_a_calculated_attribute_a_segment_uses_cannot_be_deleted(self):
        # Profiled's choice (docs/resources.md): CreateSegmentDefinition requires the calculated
        # attributes it names to exist; deleting one would silently change the segment.
        d = self.domain_with_orders()
        self.client.create_calculated_attribute_definition(
            DomainName=d, CalculatedAttributeName="spend", Statistic="SUM",
            AttributeDetails={"Attributes": [{"Name": "total"}], "Expression": "{Order.total}"})
        self.client.create_segment_definition(
            DomainName=d, SegmentDefinitionName="big", DisplayName="big",
            SegmentGroups={"Groups": [{"Dimensions": [{"CalculatedAttributes": {"spend": {
                "DimensionType": "GREATER_THAN", "Values": ["100"]}}}]}]})
        self.assertClientError(self.client.delete_calculated_attribute_definition,
                               "BadRequestException", 400, "used by segment definition big",
                               DomainName=d, CalculatedAttributeName="spend")
        self.client.delete_segment_definition(DomainName=d, SegmentDefinitionName="big")
        self.client.delete_calculated_attribute_definition(DomainName=d,
                                                           CalculatedAttributeName="spend")
        self.assertClientError(self.client.get_calculated_attribute_definition,
                               "ResourceNotFoundException", 404, DomainName=d,
                               CalculatedAttributeName="spend")


if __name__ == "__main__":
    unittest.main()
