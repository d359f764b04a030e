"""The web console's files over plain HTTP (no browser): /console/ is served from the binary
ahead of the API, with no signature even under --credentials, with headers that keep the page
from being framed or sniffed; other methods and unknown files are refused; the model's routes
and errors are untouched. The browser itself is test_console.py."""

import os
import shutil
import subprocess
import unittest

from console_helpers import CredentialsServerCase
from harness import REPO


class ConsoleFilesTest(CredentialsServerCase):
    KEY = "AKIDPROFILEDCONSOLE02"
    SECRET = "console/Secret+Key000000000000000000002"
    EXTRA_ARGS = ("--region", "eu-west-3")

    def get(self, path, method="GET"):
        return self.server.raw(method, path, sign=False)

    def test_index_and_assets_unsigned(self):
        page = self.get("/console/")
        self.assertEqual(page.status, 200, page)
        self.assertEqual(page.headers["content-type"], "text/html; charset=utf-8")
        self.assertIn(b'<script type="module" src="js/app.js">', page.body)
        self.assertIn("frame-ancestors 'none'", page.headers["content-security-policy"])
        self.assertEqual(page.headers["x-content-type-options"], "nosniff")
        for path, kind in (("/console/js/app.js", "text/javascript"),
                           ("/console/js/sigv4.js", "text/javascript"),
                           ("/console/style.css", "text/css"),
                           ("/console/icon.svg", "image/svg+xml")):
            r = self.get(path)
            self.assertEqual(r.status, 200, path)
            self.assertTrue(r.headers["content-type"].startswith(kind), r.headers)
            self.assertGreater(len(r.body), 100)
        self.assertEqual(self.get("/console/index.html").body, page.body)
        self.assertEqual(self.get("/console/?x=1").body, page.body)
        head = self.get("/console/", method="HEAD")
        self.assertEqual((head.status, head.body), (200, b""))

    def test_config_names_region_and_signing(self):
        r = self.get("/console/config.json")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json(), {"region": "eu-west-3", "signatureRequired": True})

    def test_redirect_refusals_and_unknown_files(self):
        r = self.get("/console")
        self.assertEqual((r.status, r.headers["location"]), (301, "/console/"))
        r = self.get("/console/", method="POST")
        self.assertEqual((r.status, r.headers["allow"]), (405, "GET, HEAD"))
        for path in ("/console/nope.js", "/console/../domains", "/console/js/"):
            self.assertEqual(self.get(path).status, 404, path)

    def test_api_still_wants_signatures(self):
        # Outside /console the pipeline answers as before: unsigned is refused, /consoles is
        # not the console.
        for path in ("/domains", "/consoles", "/console-x"):
            r = self.get(path)
            self.assertEqual(r.status, 403, (path, r))
            self.assertEqual(r.headers["x-amzn-errortype"].split(":")[0],
                             "MissingAuthenticationTokenException", (path, r))


class ConsoleSignerTest(unittest.TestCase):
    """console/js/sigv4.js against AWS's SigV4 test suite (tests/console/sigv4.test.mjs); needs
    node alone, no browser."""

    def test_signer_matches_aws_vectors(self):
        if shutil.which("node") is None:
            self.skipTest("node is not installed")
        proc = subprocess.run(["node", "--test", "--test-reporter=tap", "sigv4.test.mjs"],
                              cwd=os.path.join(REPO, "tests", "console"), capture_output=True,
                              text=True, timeout=120, stdin=subprocess.DEVNULL)
        self.assertEqual(proc.returncode, 0, proc.stdout[-4000:] + proc.stderr[-2000:])
        self.assertRegex(proc.stdout, r"(?m)^# pass (1[5-9]|[2-9]\d)")
        self.assertRegex(proc.stdout, r"(?m)^# fail 0")
