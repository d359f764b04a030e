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


if __name__ == "__main__":
    unittest.main()
