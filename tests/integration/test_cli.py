"""The README scenario with the unmodified AWS CLI, before and after a restart."""

import os
import re
import subprocess
import unittest

from harness import ServerTestCase, domain_arn, profiled_bin, unique_name


class CliTest(ServerTestCase):
    def aws_ok(self, *args):
        r = self.server.aws(*args)
        self.assertTrue(r.ok, f"aws {' '.join(args)} failed: {r}\n{self.server.log_tail()}")
        return r.json

    def test_readme_domain_scenario(self):
        name = unique_name("d1")
        created = self.aws_ok("create-domain", "--domain-name", name,
                              "--default-expiration-days", "366")
        self.assertEqual(created["DomainName"], name)
        self.assertEqual(created["DefaultExpirationDays"], 366)
        self.assertIn("CreatedAt", created)
        self.assertIn("LastUpdatedAt", created)

        got = self.aws_ok("get-domain", "--domain-name", name)
        self.assertEqual(got["DomainName"], name)
        self.assertEqual(got["DefaultExpirationDays"], 366)
        self.assertEqual(got["Stats"]["ProfileCount"], 0)

        listed = self.aws_ok("list-domains")
        self.assertIn(name, [d["DomainName"] for d in listed["Items"]])

        arn = domain_arn(name)
        self.assertEqual(self.aws_ok("tag-resource", "--resource-arn", arn,
                                     "--tags", "env=test,team=profiles"), {})
        tags = self.aws_ok("list-tags-for-resource", "--resource-arn", arn)
        self.assertEqual(tags, {"tags": {"env": "test", "team": "profiles"}})
        self.aws_ok("untag-resource", "--resource-arn", arn, "--tag-keys", "env")
        self.assertEqual(self.aws_ok("list-tags-for-resource", "--resource-arn", arn),
                         {"tags": {"team": "profiles"}})

        deleted = self.aws_ok("delete-domain", "--domain-name", name)
        self.assertTrue(deleted["Message"])
        r = self.server.aws("get-domain", "--domain-name", name)
        self.assertFalse(r.ok)
        self.assertEqual(r.error_code, "ResourceNotFoundException", r)

    def test_same_scenario_across_a_restart(self):
        name = unique_name("d1r")
        self.aws_ok("create-domain", "--domain-name", name, "--default-expiration-days", "366",
                    "--tags", "owner=cli")
        arn = domain_arn(name)
        self.aws_ok("tag-resource", "--resource-arn", arn, "--tags", "stage=before")
        before = self.aws_ok("get-domain", "--domain-name", name)

        self.restart_server()

        after = self.aws_ok("get-domain", "--domain-name", name)
        self.assertEqual(after, before)
        self.assertIn(name, [d["DomainName"] for d in self.aws_ok("list-domains")["Items"]])
        self.assertEqual(self.aws_ok("list-tags-for-resource", "--resource-arn", arn),
                         {"tags": {"owner": "cli", "stage": "before"}})
        self.aws_ok("tag-resource", "--resource-arn", arn, "--tags", "stage=after")
        self.assertEqual(self.aws_ok("list-tags-for-resource", "--resource-arn", arn),
                         {"tags": {"owner": "cli", "stage": "after"}})
        self.aws_ok("delete-domain", "--domain-name", name)

        self.restart_server()

        r = self.server.aws("get-domain", "--domain-name", name)
        self.assertEqual(r.error_code, "ResourceNotFoundException", r)
        self.assertNotIn(name, [d["DomainName"] for d in
                                self.aws_ok("list-domains").get("Items", [])])

    def test_validation_error_through_the_cli(self):
        # The CLI checks min itself; 1099 passes it and must be refused by the server.
        r = self.server.aws("create-domain", "--domain-name", unique_name("bad"),
                            "--default-expiration-days", "1099")
        self.assertFalse(r.ok)
        self.assertEqual(r.error_code, "BadRequestException", r)
        self.assertIn("DefaultExpirationDays", r.error_message or "", r)

    def test_duplicate_create_through_the_cli(self):
        name = unique_name("dup")
        self.aws_ok("create-domain", "--domain-name", name, "--default-expiration-days", "5")
        r = self.server.aws("create-domain", "--domain-name", name,
                            "--default-expiration-days", "5")
        self.assertEqual(r.error_code, "BadRequestException", r)


class VersionTest(unittest.TestCase):
    def test_version_subcommand(self):
        proc = subprocess.run([profiled_bin(), "version"], capture_output=True, text=True,
                              timeout=30)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertRegex(proc.stdout, r"\d+\.\d+\.\d+")

    def test_bad_flag_fails_fast(self):
        proc = subprocess.run([profiled_bin(), "serve", "--no-such-flag"], capture_output=True,
                              text=True, timeout=30, stdin=subprocess.DEVNULL)
        self.assertNotEqual(proc.returncode, 0)


if __name__ == "__main__":
    unittest.main()
