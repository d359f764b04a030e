"""More configuration resources of a domain through boto3 (and the AWS CLI): domain object types,
and recommender configuration (recipes, recommenders, filters, schemas). Each group: create, get,
list with paging, tags via the resource's ARN where the API has one, delete, not-found, and
removal with the domain."""

import time
import unittest

from harness import ServerTestCase, domain_arn, epoch
from helpers import pages

FIELDS = {"OrderId": {"Source": "_source.OrderId", "Target": "Order.OrderId",
                      "ContentType": "STRING"}}


def sub_arn(domain, collection, name):
    return f"{domain_arn(domain)}/{collection}/{name}"


class DomainObjectTypeTest(ServerTestCase):
    def setUp(self):
        self.domain = self.create_domain(DataStore={"Enabled": True})

    def test_put_get_list_tag_delete(self):
        before = time.time()
        put = self.client.put_domain_object_type(DomainName=self.domain, ObjectTypeName="Order",
                                                 Description="orders", Fields=FIELDS,
                                                 Tags={"team": "crm"})
        self.assertEqual(put["ObjectTypeName"], "Order")
        self.assertEqual(put["Fields"], FIELDS)
        self.assertEqual(put["Tags"], {"team": "crm"})
        self.assertGreaterEqual(epoch(put["CreatedAt"]), before - 2)
        got = self.client.get_domain_object_type(DomainName=self.domain, ObjectTypeName="Order")
        self.assertEqual(got["Description"], "orders")
        self.assertEqual(got["Fields"], FIELDS)

        arn = sub_arn(self.domain, "domain-object-types", "Order")
        self.client.tag_resource(resourceArn=arn, tags={"env": "test"})
        self.assertEqual(self.client.list_tags_for_resource(resourceArn=arn)["tags"],
                         {"team": "crm", "env": "test"})

        # Put again replaces the definition, keeping CreatedAt.
        again = self.client.put_domain_object_type(DomainName=self.domain, ObjectTypeName="Order",
                                                   Fields={"n": {"Source": "_source.n",
                                                                 "Target": "Order.n"}})
        self.assertNotIn("Description", again)
        self.assertEqual(again["CreatedAt"], put["CreatedAt"])

        for name in ("B", "A"):
            self.client.put_domain_object_type(DomainName=self.domain, ObjectTypeName=name,
                                               Fields=FIELDS)
        listed = [i["ObjectTypeName"] for p in pages(self.client.list_domain_object_types, 1,
                                                     DomainName=self.domain)
                  for i in p["Items"]]
        self.assertEqual(listed, ["A", "B", "Order"])

        self.client.delete_domain_object_type(DomainName=self.domain, ObjectTypeName="Order")
        self.assertClientError(self.client.get_domain_object_type, "ResourceNotFoundException",
                               404, DomainName=self.domain, ObjectTypeName="Order")
        self.assertClientError(self.client.list_tags_for_resource, "ResourceNotFoundException",
                               404, resourceArn=arn)

    def test_needs_data_store(self):
        plain = self.create_domain()
        self.assertClientError(self.client.put_domain_object_type, "BadRequestException", 400,
                               DomainName=plain, ObjectTypeName="Order", Fields=FIELDS)
        self.assertClientError(self.client.list_domain_object_types, "ResourceNotFoundException",
                               404, DomainName="no-such-domain")

    def test_cli_and_domain_deletion(self):
        r = self.server.aws("put-domain-object-type", "--domain-name", self.domain,
                            "--object-type-name", "Cli", "--fields",
                            '{"a": {"Source": "_source.a", "Target": "Cli.a"}}')
        self.assertTrue(r.ok, r)
        r = self.server.aws("list-domain-object-types", "--domain-name", self.domain)
        self.assertTrue(r.ok, r)
        self.assertEqual([i["ObjectTypeName"] for i in r.json["Items"]], ["Cli"])
        self.client.delete_domain(DomainName=self.domain)
        self.create_domain(self.domain, DataStore={"Enabled": True})
        self.assertEqual(self.client.list_domain_object_types(DomainName=self.domain)["Items"],
                         [])


class RecommenderTest(ServerTestCase):
    def setUp(self):
        self.domain = self.create_domain()

    def test_recipes(self):
        recipes = self.client.list_recommender_recipes(MaxResults=10)["RecommenderRecipes"]
        model = self.client.meta.service_model.shape_for("RecommenderRecipeName").enum
        self.assertEqual(sorted(r["name"] for r in recipes), sorted(model))
        r = self.server.aws("list-recommender-recipes")
        self.assertTrue(r.ok, r)
        self.assertEqual(len(r.json["RecommenderRecipes"]), len(model))

    def test_recommender_lifecycle(self):
        created = self.client.create_recommender(
            DomainName=self.domain, RecommenderName="r1",
            RecommenderRecipeName="recommended-for-you", Description="first",
            RecommenderConfig={"TrainingFrequency": 7}, Tags={"team": "crm"})
        arn = sub_arn(self.domain, "recommenders", "r1")
        self.assertEqual(created["RecommenderArn"], arn)
        self.assertEqual(self.client.list_tags_for_resource(resourceArn=arn)["tags"],
                         {"team": "crm"})
        self.assertClientError(self.client.create_recommender, "BadRequestException", 400,
                               DomainName=self.domain, RecommenderName="r1",
                               RecommenderRecipeName="popular-items")
        got = self.client.get_recommender(DomainName=self.domain, RecommenderName="r1")
        self.assertIn(got["Status"], ("PENDING", "IN_PROGRESS", "FAILED"))
        self.assertEqual(got["RecommenderConfig"], {"TrainingFrequency": 7})
        # With no events in the domain, training fails, saying why (test_recommendations.py
        # trains on events); neither Stop (needs ACTIVE) nor Start (needs INACTIVE) applies.
        deadline = time.time() + 30
        while got["Status"] != "FAILED" and time.time() < deadline:
            time.sleep(0.1)
            got = self.client.get_recommender(DomainName=self.domain, RecommenderName="r1")
        self.assertEqual(got["Status"], "FAILED")
        self.assertIn("No events", got["FailureReason"])
        for call in (self.client.stop_recommender, self.client.start_recommender):
            self.assertClientError(call, "BadRequestException", 400, "FAILED",
                                   DomainName=self.domain, RecommenderName="r1")

        upd = self.client.update_recommender(DomainName=self.domain, RecommenderName="r1",
                                             Description="second")
        self.assertEqual(upd["RecommenderName"], "r1")
        for name in ("r3", "r2"):
            self.client.create_recommender(DomainName=self.domain, RecommenderName=name,
                                           RecommenderRecipeName="popular-items")
        items = [i for p in pages(self.client.list_recommenders, 2, DomainName=self.domain)
                 for i in p["Recommenders"]]
        self.assertEqual([i["RecommenderName"] for i in items], ["r1", "r2", "r3"])
        self.assertEqual(items[0]["RecipeName"], "recommended-for-you")
        self.assertEqual(items[0]["Description"], "second")

        self.client.delete_recommender(DomainName=self.domain, RecommenderName="r1")
        self.assertClientError(self.client.get_recommender, "ResourceNotFoundException", 404,
                               DomainName=self.domain, RecommenderName="r1")
        self.assertClientError(self.client.list_tags_for_resource, "ResourceNotFoundException",
                               404, resourceArn=arn)
        # r2 is not (yet, or ever: no events) ACTIVE, so it does not recommend.
        self.assertClientError(self.client.get_profile_recommendations, "BadRequestException",
                               400, "ACTIVE", DomainName=self.domain, ProfileId="0" * 32,
                               RecommenderName="r2")

    def test_schemas_and_filters(self):
        fields = {"_webAnalytics": [{"TargetFieldName": "Item.price", "ContentType": "NUMBER"}]}
        schema = self.client.create_recommender_schema(DomainName=self.domain,
                                                       RecommenderSchemaName="s", Fields=fields)
        self.assertEqual(schema["Status"], "ACTIVE")
        self.assertEqual(schema["Fields"], fields)
        self.assertEqual(schema["RecommenderSchemaArn"],
                         sub_arn(self.domain, "recommender-schemas", "s"))
        got = self.client.get_recommender_schema(DomainName=self.domain,
                                                 RecommenderSchemaName="s")
        self.assertEqual(got["Fields"], fields)
        self.assertEqual(
            [s["RecommenderSchemaName"] for s in
             self.client.list_recommender_schemas(DomainName=self.domain)["RecommenderSchemas"]],
            ["s"])

        f = self.client.create_recommender_filter(
            DomainName=self.domain, RecommenderFilterName="f", RecommenderSchemaName="s",
            RecommenderFilterExpression="EXCLUDE ItemID WHERE Items.price < 5",
            Tags={"team": "crm"})
        self.assertEqual(f["RecommenderFilterArn"],
                         sub_arn(self.domain, "recommender-filters", "f"))
        got = self.client.get_recommender_filter(DomainName=self.domain,
                                                 RecommenderFilterName="f")
        self.assertEqual(got["Status"], "ACTIVE")
        self.assertEqual(got["Tags"], {"team": "crm"})
        listed = self.client.list_recommender_filters(DomainName=self.domain)
        self.assertEqual([i["RecommenderFilterName"] for i in listed["RecommenderFilters"]],
                         ["f"])
        self.assertClientError(self.client.delete_recommender_schema, "BadRequestException", 400,
                               DomainName=self.domain, RecommenderSchemaName="s")
        deleted = self.client.delete_recommender_filter(DomainName=self.domain,
                                                        RecommenderFilterName="f")
        self.assertIn("f", deleted["Message"])
        self.client.delete_recommender_schema(DomainName=self.domain, RecommenderSchemaName="s")
        self.assertClientError(self.client.get_recommender_schema, "ResourceNotFoundException",
                               404, DomainName=self.domain, RecommenderSchemaName="s")
        self.assertClientError(self.client.create_recommender_filter,
                               "ResourceNotFoundException", 404, DomainName=self.domain,
                               RecommenderFilterName="g", RecommenderSchemaName="s",
                               RecommenderFilterExpression="EXCLUDE ItemID WHERE Items.x < 1")

    def test_cli_and_domain_deletion(self):
        r = self.server.aws("create-recommender", "--domain-name", self.domain,
                            "--recommender-name", "cli", "--recommender-recipe-name",
                            "trending-now")
        self.assertTrue(r.ok, r)
        r = self.server.aws("list-recommenders", "--domain-name", self.domain)
        self.assertTrue(r.ok, r)
        self.assertEqual([i["RecommenderName"] for i in r.json["Recommenders"]], ["cli"])
        self.client.delete_domain(DomainName=self.domain)
        self.create_domain(self.domain)
        self.assertEqual(self.client.list_recommenders(DomainName=self.domain)["Recommenders"],
                         [])


if __name__ == "__main__":
    unittest.main()
