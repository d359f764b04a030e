"""Real local AWS-compatible servers for the integration tests, from npm (tests/js/package.json,
installed by scripts/test.sh): kinesalite (Kinesis) and s3rver (S3), each on a free port, and
boto3 clients aimed at them to read back what Profiled wrote.

- Kinesalite(path): `kinesalite --path DIR` (LevelDB on disk, so a stop and a start on the same
  port keep the streams and records: the destination-down test). Any credentials are accepted.
- S3rver(directory): `s3rver -d DIR`, with its usual key S3RVER / S3RVER (S3RVER_KEY). It does
  not refuse a wrong signature: signatures are checked against botocore's in
  tests/auth/signer_test.cc.
- require_node_servers(test): skips (or fails, with PROFILED_REQUIRE_JS=1) when node or the npm
  packages are missing.
"""

import contextlib
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time

import boto3
from botocore.config import Config

import unittest

from harness import ACCOUNT, REGION, REPO, ServerTestCase

BIN = os.path.join(REPO, "tests", "js", "node_modules", ".bin")
S3RVER_KEY = ("S3RVER", "S3RVER")


def have_node_servers():
    return (shutil.which("node") is not None
            and os.path.exists(os.path.join(BIN, "kinesalite"))
            and os.path.exists(os.path.join(BIN, "s3rver")))


def require_node_servers(test):
    missing = None
    if shutil.which("node") is None:
        missing = "node is not installed"
    elif not (os.path.exists(os.path.join(BIN, "kinesalite"))
              and os.path.exists(os.path.join(BIN, "s3rver"))):
        missing = "kinesalite/s3rver are missing: run `npm install` in tests/js"
    if missing:
        if os.environ.get("PROFILED_REQUIRE_JS") == "1":
            test.fail(missing)
        test.skipTest(missing + " (set PROFILED_REQUIRE_JS=1 to make this a failure)")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _NodeServer:
    name = ""

    def __init__(self, port=None):
        self.port = port or free_port()
        self.dir = tempfile.mkdtemp(prefix=f"profiled-{self.name}-")
        self.proc = None
        self.log_path = os.path.join(self.dir, "server.log")

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}"

    def args(self):
        raise NotImplementedError

    def start(self, timeout=20.0):
        assert self.proc is None
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(self.args(), stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=log, cwd=self.dir)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.log_tail()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.name} did not listen on {self.port}: {self.log_tail()}")

    def stop(self):
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def log_tail(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read()[-3000:].decode(errors="replace")
        except OSError:
            return ""


class Kinesalite(_NodeServer):
    name = "kinesalite"

    def args(self):
        return ["node", os.path.join(BIN, "kinesalite"), "--port", str(self.port),
                "--path", os.path.join(self.dir, "data"), "--createStreamMs", "0",
                "--deleteStreamMs", "0", "--updateStreamMs", "0"]

    def client(self):
        return boto3.client("kinesis", endpoint_url=self.endpoint, region_name=REGION,
                            aws_access_key_id="AKIDKINESALITE", aws_secret_access_key="x",
                            config=Config(retries={"max_attempts": 0}))

    def create_stream(self, name, shards=1):
        k = self.client()
        k.create_stream(StreamName=name, ShardCount=shards)
        k.get_waiter("stream_exists").wait(StreamName=name,
                                           WaiterConfig={"Delay": 0.2, "MaxAttempts": 50})
        # In the domain's account and region, as CreateEventStream requires; kinesalite itself
        # is addressed by StreamName and ignores the account.
        return f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{name}"

    def read_all(self, name):
        """Every record of every shard, oldest first per shard, as (partition key, data)."""
        k = self.client()
        out = []
        for shard in k.describe_stream(StreamName=name)["StreamDescription"]["Shards"]:
            it = k.get_shard_iterator(StreamName=name, ShardId=shard["ShardId"],
                                      ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
            while it:
                page = k.get_records(ShardIterator=it, Limit=1000)
                out += [(r["PartitionKey"], r["Data"]) for r in page["Records"]]
                if not page["Records"]:
                    break
                it = page.get("NextShardIterator")
        return out


    def wait_for_records(self, test, name, count, timeout=30.0):
        """The first `count` records of the stream as (partition key, decoded JSON), waiting for
        them to arrive; fails `test` naming what did arrive."""
        deadline = time.monotonic() + timeout
        got = []
        while time.monotonic() < deadline:
            got = [(key, json.loads(data)) for key, data in self.read_all(name)]
            if len(got) >= count:
                return got
            time.sleep(0.2)
        test.fail(f"{len(got)} of {count} records arrived: {got}")


class S3rver(_NodeServer):
    name = "s3rver"

    def args(self):
        return ["node", os.path.join(BIN, "s3rver"), "-d", os.path.join(self.dir, "data"),
                "-a", "127.0.0.1", "-p", str(self.port), "--silent"]

    def client(self):
        return boto3.client("s3", endpoint_url=self.endpoint, region_name=REGION,
                            aws_access_key_id=S3RVER_KEY[0], aws_secret_access_key=S3RVER_KEY[1],
                            config=Config(retries={"max_attempts": 0},
                                          s3={"addressing_style": "path"}))


class NodeServerTestCase(ServerTestCase):
    """A ServerTestCase whose Profiled talks to one local AWS-compatible server: `node_server`
    (S3rver or Kinesalite) is started first and kept as `cls.<node_attr>`, Profiled gets
    `endpoint_flag` with its endpoint and `credentials` as AWS_ACCESS_KEY_ID /
    AWS_SECRET_ACCESS_KEY (set while Profiled starts, then restored), and the server is cleaned
    up after Profiled stops. Without node or the npm packages the class is skipped (or fails,
    with PROFILED_REQUIRE_JS=1); with `skip_class_without_node = False` Profiled starts without the
    endpoint instead, and each test calls require_node_servers itself."""

    node_server = S3rver
    node_attr = "s3"
    endpoint_flag = "--s3-endpoint"
    credentials = S3RVER_KEY
    skip_class_without_node = True

    @classmethod
    def setUpClass(cls):
        node = None
        if have_node_servers():
            node = cls.node_server().start()
            cls.server_args = (cls.endpoint_flag, node.endpoint)
        elif cls.skip_class_without_node:
            require_node_servers(unittest.TestCase())  # raises SkipTest (or fails)
        setattr(cls, cls.node_attr, node)
        try:
            with cls.credentials_set():
                super().setUpClass()
        except Exception:
            if node is not None:
                node.cleanup()
            raise

    @classmethod
    @contextlib.contextmanager
    def credentials_set(cls):
        """`credentials` as AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY while a Profiled starts."""
        names = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
        saved = {k: os.environ.get(k) for k in names}
        os.environ.update(zip(names, cls.credentials))
        try:
            yield
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            node = getattr(cls, cls.node_attr)
            if node is not None:
                node.cleanup()
