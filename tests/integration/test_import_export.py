"""`profiled import` / `profiled export` on the real binary and store: CSV profiles, objects of a
type (NDJSON and CSV), export round trips, a progress line on a terminal, and an import killed
with SIGKILL then resumed with --resume, after which every row is stored exactly once.

The server is stopped while the command runs (RocksDB locks its directory; the others would not
mind) and started again to check what it stored through boto3."""

import json
import os
import pty
import signal
import subprocess
import time
import unittest

from harness import ServerTestCase, profiled_bin, unique_name

ORDER_TYPE = dict(
    Description="orders", AllowProfileCreation=True,
    Fields={
        "OrderId": {"Source": "_source.OrderId"},
        "email": {"Source": "_source.email", "Target": "_profile.EmailAddress"},
        "city": {"Source": "_source.ship.city", "Target": "_profile.Address.City"},
    },
    Keys={
        "OrderId": [{"StandardIdentifiers": ["UNIQUE"], "FieldNames": ["OrderId"]}],
        "_email": [{"StandardIdentifiers": ["PROFILE"], "FieldNames": ["email"]}],
    })


class ImportExportTest(ServerTestCase):
    def setUp(self):
        self.domain = unique_name("io")
        self.client.create_domain(DomainName=self.domain, DefaultExpirationDays=30)

    # The command line -------------------------------------------------------------------------

    def cli(self, command, *args, domain=None):
        return [profiled_bin(), command, "--data-dir", self.store.data_dir,
                "--store", self.store.store_url, "--domain-name", domain or self.domain,
                *args]

    def run_offline(self, command, *args, domain=None, ok=True):
        """Runs the command with the server stopped; (returncode, stdout, stderr)."""
        if self.server.alive():
            self.server.stop()
        try:
            proc = subprocess.run(self.cli(command, *args, domain=domain), capture_output=True,
                                  timeout=600)
        finally:
            self.restart_clients()
        out, err = proc.stdout.decode(), proc.stderr.decode()
        if ok:
            self.assertEqual(proc.returncode, 0, f"{command} {args}: {err}")
        return proc.returncode, out, err

    def restart_clients(self):
        if not self.server.alive():
            self.server.start()
            type(self).client = self.server.client()

    def path(self, name):
        return os.path.join(self.store.tmpdir, unique_name("f") + "-" + name)

    def write(self, name, text):
        p = self.path(name)
        with open(p, "w", newline="") as f:
            f.write(text)
        return p

    def profile_by_email(self, email):
        items = self.client.search_profiles(DomainName=self.domain, KeyName="_email",
                                            Values=[email])["Items"]
        self.assertEqual(len(items), 1, email)
        return items[0]

    def count(self, what="ProfileCount"):
        return self.client.get_domain(DomainName=self.domain)["Stats"][what]

    # Tests ------------------------------------------------------------------------------------

    def test_csv_profiles(self):
        csv = self.write("people.csv",
                         "FirstName,EmailAddress,Address.City,Attributes.tier,_profile.LastName\r\n"
                         "Ana,ana@example.com,Lisbon,gold,Silva\r\n"
                         "\"Jo, Jr\",jo@example.com,,,\"two\nlines\"\r\n")
        _, _, err = self.run_offline("import", csv)
        self.assertIn("imported 2 profiles (0 replaced)", err)
        self.assertNotIn("\r", err)  # no progress line where stderr is not a terminal
        self.assertFalse(os.path.exists(csv + ".profiled-progress"))
        ana = self.profile_by_email("ana@example.com")
        self.assertEqual(ana["FirstName"], "Ana")
        self.assertEqual(ana["LastName"], "Silva")
        self.assertEqual(ana["Address"]["City"], "Lisbon")
        self.assertEqual(ana["Attributes"], {"tier": "gold"})
        jo = self.profile_by_email("jo@example.com")
        self.assertEqual(jo["FirstName"], "Jo, Jr")
        self.assertEqual(jo["LastName"], "two\nlines")
        self.assertNotIn("Address", jo)

        bad = self.write("bad.csv", "FirstName,Nickname\nA,B\n")
        rc, _, err = self.run_offline("import", bad, ok=False)
        self.assertEqual(rc, 1)
        self.assertIn("'Nickname' names no profile attribute", err)

    def test_objects_ndjson_csv_and_export(self):
        self.client.put_profile_object_type(DomainName=self.domain, ObjectTypeName="Order",
                                            **ORDER_TYPE)
        lines = [
            {"OrderId": "o1", "email": "ann@x.com", "ship": {"city": "Oslo"}, "total": 10},
            {"OrderId": "o2", "email": "bob@x.com", "total": 20.5},
            {"OrderId": "o3", "email": "ann@x.com", "items": [1, 2]},
        ]
        ndjson = self.write("orders.ndjson", "".join(json.dumps(o) + "\n" for o in lines))
        _, _, err = self.run_offline("import", "--kind", "objects", "--object-type-name",
                                     "Order", ndjson)
        self.assertIn("imported 3 objects of type Order", err)
        csv = self.write("more.csv", "OrderId,email,ship.city\no4,cy@x.com,Rome\n")
        self.run_offline("import", "--kind", "objects", "--object-type-name", "Order", csv)

        self.assertEqual(self.count("ObjectCount"), 4)
        self.assertEqual(self.count(), 3)
        ann = self.profile_by_email("ann@x.com")
        self.assertEqual(ann["Address"]["City"], "Oslo")
        listed = self.client.list_profile_objects(DomainName=self.domain, ObjectTypeName="Order",
                                                  ProfileId=ann["ProfileId"])["Items"]
        self.assertEqual([json.loads(i["Object"]) for i in listed], [lines[0], lines[2]])
        self.assertEqual(self.profile_by_email("cy@x.com")["Address"]["City"], "Rome")

        out = self.path("orders-out.ndjson")
        _, _, err = self.run_offline("export", "--kind", "objects", "--object-type-name", "Order",
                                     out)
        self.assertIn("exported 4 objects", err)
        with open(out) as f:
            exported = [json.loads(line) for line in f]
        self.assertEqual(exported, lines + [{"OrderId": "o4", "email": "cy@x.com",
                                             "ship": {"city": "Rome"}}])
        out_csv = self.path("orders-out.csv")
        self.run_offline("export", "--kind", "objects", "--object-type-name", "Order", out_csv)
        with open(out_csv, newline="") as f:
            self.assertEqual(f.read().splitlines(), [
                "OrderId,email,ship.city,total,items",
                "o1,ann@x.com,Oslo,10,",
                "o2,bob@x.com,,20.5,",
                "o3,ann@x.com,,,\"[1,2]\"",
                "o4,cy@x.com,Rome,,",
            ])
        # Re-importing what was exported changes nothing: each object replaces itself.
        self.run_offline("import", "--kind", "objects", "--object-type-name", "Order", out)
        self.assertEqual(self.count("ObjectCount"), 4)
        self.assertEqual(self.count(), 3)

        rc, _, err = self.run_offline("import", "--kind", "objects", ndjson, ok=False)
        self.assertEqual(rc, 2)
        self.assertIn("--object-type-name", err)

    def test_csv_export_round_trip(self):
        self.client.create_profile(DomainName=self.domain, FirstName="Ana",
                                   EmailAddress="ana@x.com",
                                   Address={"City": "Lisbon", "Country": "PT"},
                                   Attributes={"tier": "gold", "note": "a, \"quoted\" b"})
        self.client.create_profile(DomainName=self.domain, LastName="Multi\nLine",
                                   ShippingAddress={"PostalCode": "1000"})
        first = self.path("a.csv")
        _, _, err = self.run_offline("export", first)
        self.assertIn("exported 2 profiles", err)
        other = unique_name("io2")
        self.client.create_domain(DomainName=other, DefaultExpirationDays=30)
        self.run_offline("import", first, domain=other)
        second = self.path("b.csv")
        self.run_offline("export", second, domain=other)
        with open(first, "rb") as a, open(second, "rb") as b:
            self.assertEqual(a.read(), b.read())
        # NDJSON by flag on stdout, the same profiles.
        _, out, _ = self.run_offline("export", "--format", "ndjson", "-", domain=other)
        _, mine, _ = self.run_offline("export", "-")
        copied = [json.loads(line) for line in out.splitlines()]
        self.assertEqual(copied, [json.loads(line) for line in mine.splitlines()])
        self.assertEqual(len(copied), 2)

    def test_progress_on_a_terminal(self):
        rows = "".join(f"p{i}@x.com\n" for i in range(3000))
        csv = self.write("tty.csv", "EmailAddress\n" + rows)
        if self.server.alive():
            self.server.stop()
        try:
            leader, follower = pty.openpty()
            proc = subprocess.Popen(self.cli("import", "--batch", "100", csv),
                                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=follower)
            os.close(follower)
            chunks = []
            while True:
                try:
                    data = os.read(leader, 4096)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not data:
                    break
                chunks.append(data)
            self.assertEqual(proc.wait(120), 0)
            os.close(leader)
            text = b"".join(chunks).decode()
            self.assertIn("\r\x1b[K", text)
            self.assertRegex(text, r"[\d,]+ rows  [\d.]+/[\d.]+ MB \(\d+%\)")
            self.assertIn("imported 3,000 profiles (0 replaced)", text)
            # --no-progress: the summary only.
            leader, follower = pty.openpty()
            proc = subprocess.Popen(self.cli("export", "--no-progress", os.devnull),
                                    stdin=subprocess.DEVNULL, stderr=follower)
            os.close(follower)
            quiet = b""
            while True:
                try:
                    data = os.read(leader, 4096)
                except OSError:
                    break
                if not data:
                    break
                quiet += data
            self.assertEqual(proc.wait(120), 0)
            os.close(leader)
            self.assertNotIn(b"\x1b[K", quiet)
            self.assertIn(b"exported 3,000 profiles in ", quiet)
        finally:
            self.restart_clients()

    def test_kill_and_resume(self):
        n = 40000
        rows = "".join(f"r{i}@x.com,{i}\n" for i in range(n))
        csv = self.write("big.csv", "EmailAddress,Attributes.row\n" + rows)
        progress = csv + ".profiled-progress"
        if self.server.alive():
            self.server.stop()
        try:
            proc = subprocess.Popen(self.cli("import", "--batch", "250", csv),
                                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE)
            # Kill it once a batch is known committed (the side file says so).
            deadline = time.time() + 300
            committed = 0
            while time.time() < deadline and proc.poll() is None and committed == 0:
                try:
                    with open(progress) as f:
                        committed = json.load(f).get("records", 0)
                except (OSError, ValueError):
                    pass
                time.sleep(0.01)
            proc.send_signal(signal.SIGKILL)
            self.assertEqual(proc.wait(30), -signal.SIGKILL,
                             "the import ended before it could be killed")
            self.assertTrue(os.path.exists(progress))

            # Without --resume it refuses to start over on top of what is stored.
            rc = subprocess.run(self.cli("import", csv), capture_output=True, timeout=60)
            self.assertEqual(rc.returncode, 1)
            self.assertIn(b"--resume", rc.stderr)

            resumed = subprocess.run(self.cli("import", "--resume", "--batch", "250", csv),
                                     capture_output=True, timeout=600)
            err = resumed.stderr.decode()
            self.assertEqual(resumed.returncode, 0, err)
            self.assertRegex(err, r"resumed after row [\d,]+")
            self.assertFalse(os.path.exists(progress))
            exported = subprocess.run(self.cli("export", "-"), capture_output=True, timeout=600)
            self.assertEqual(exported.returncode, 0)
        finally:
            self.restart_clients()
        emails = [json.loads(line)["EmailAddress"] for line in exported.stdout.splitlines()]
        self.assertEqual(len(emails), n)
        self.assertEqual(set(emails), {f"r{i}@x.com" for i in range(n)})
        self.assertEqual(self.count(), n)


if __name__ == "__main__":
    unittest.main()
