"""Runs the AWS SDK for JavaScript v3 tests in tests/js (`node --test`) against the real binary,
on the store this run is for (a fresh PostgreSQL database when PROFILED_TEST_STORE=postgres)."""

import os
import shutil
import subprocess
import unittest

from harness import REPO, StoreFixture, profiled_bin

JS_DIR = os.path.join(REPO, "tests", "js")


class JsSdkTest(unittest.TestCase):
    def test_node_test_runner(self):
        require = os.environ.get("PROFILED_REQUIRE_JS") == "1"
        node = shutil.which("node")
        if node is None:
            if require:
                self.fail("node is not installed")
            self.skipTest("node is not installed")
        if not os.path.isdir(os.path.join(JS_DIR, "node_modules", "@aws-sdk",
                                          "client-customer-profiles")):
            if require:
                self.fail("tests/js/node_modules is missing: run `npm install` in tests/js")
            self.skipTest("tests/js/node_modules is missing: run `npm install` in tests/js "
                          "(set PROFILED_REQUIRE_JS=1 to make this a failure)")
        store = StoreFixture("JsSdk")
        try:
            env = dict(os.environ)
            env["PROFILED_BIN"] = profiled_bin()
            env.pop("PROFILED_TEST_STORE_URL", None)
            if store.store_url:
                env["PROFILED_TEST_STORE_URL"] = store.store_url
            proc = subprocess.run([node, "--test", "--test-reporter=tap"], cwd=JS_DIR, env=env,
                                  capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
            if proc.returncode != 0:
                self.fail(f"node --test failed ({proc.returncode}):\n{proc.stdout[-6000:]}\n"
                          f"{proc.stderr[-3000:]}")
            # The runner's summary names the count; an empty run must not pass silently.
            self.assertRegex(proc.stdout, r"(?m)^# pass [1-9]")
            self.assertRegex(proc.stdout, r"(?m)^# fail 0")
        finally:
            store.cleanup()


if __name__ == "__main__":
    unittest.main()
