"""Shared machinery for the integration tests: the real `profiled` binary, driven over HTTP.

- ServerProcess: starts `profiled serve --listen 127.0.0.1:0`, reads the `listening port=N` line,
  drains stdout/stderr into a log file, and can stop (SIGTERM), kill -9 and restart on the same
  data directory or PostgreSQL database.
- StoreFixture: where a test class keeps its data: a fresh temporary directory (sqlite) or a fresh
  PostgreSQL database created with the `psql` client (PROFILED_TEST_STORE=postgres).
- make_client(): a boto3 client aimed at the server, with dummy credentials and no retries (a
  retry would hide a 500 or a dropped connection).
- run_aws(): the unmodified AWS CLI (`aws customer-profiles ...`), returning parsed JSON or the
  error code and message.
- raw_request(): http.client with a genuine SigV4 signature, for bodies no SDK would send.
- ServerTestCase: one server per test class; the log tail is printed when a test fails.

Environment: PROFILED_BIN (the binary), PROFILED_TEST_STORE (sqlite|rocksdb|postgres),
PROFILED_TEST_PG_URL, PROFILED_REQUIRE_PG, PROFILED_TEST_LOG_LEVEL (default warn).
"""

import datetime
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse
import uuid

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.credentials
import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError  # noqa: F401  (re-exported for the tests)

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))

REGION = "us-east-1"
ACCOUNT = "123456789012"
ACCESS_KEY = "AKIDPROFILEDTEST0001"
SECRET_KEY = "profiled-test-secret-key"
SERVICE = "customer-profiles"
SIGNING_NAME = "profile"


def profiled_bin():
    path = os.environ.get("PROFILED_BIN")
    if not path:
        for candidate in ("build/src/profiled", "build-it/src/profiled"):
            full = os.path.join(REPO, candidate)
            if os.path.exists(full):
                path = full
                break
    if not path:
        raise RuntimeError("PROFILED_BIN is not set and no built profiled was found")
    return os.path.abspath(path)


def domain_arn(name, region=REGION, account=ACCOUNT):
    return f"arn:aws:profile:{region}:{account}:domains/{name}"


_counter = 0
_counter_lock = threading.Lock()


def unique_name(prefix="d", max_len=64):
    """A name matching ^[a-zA-Z0-9_-]+$ that no other test uses."""
    global _counter
    with _counter_lock:
        _counter += 1
        n = _counter
    name = f"{prefix}-{os.getpid()}-{n}-{uuid.uuid4().hex[:8]}"
    return name[:max_len]


def unique_value(prefix="v"):
    return f"{prefix}{uuid.uuid4().hex[:12]}"


# ---------------------------------------------------------------------------------------------
# Stores


class StoreFixture:
    """The data of one test class: a temp dir always, and for postgres a fresh database."""

    def __init__(self, label):
        self.kind = os.environ.get("PROFILED_TEST_STORE", "sqlite").strip() or "sqlite"
        self.tmpdir = tempfile.mkdtemp(prefix=f"profiled-it-{label[:20]}-")
        self.data_dir = os.path.join(self.tmpdir, "data")
        self.log_path = os.path.join(self.tmpdir, "server.log")
        self.pg_admin_url = None
        self.db_name = None
        self.store_url = "sqlite"  # explicit: the default (`auto`) picks RocksDB for a new dir
        if self.kind == "postgres":
            url = os.environ.get("PROFILED_TEST_PG_URL", "").strip()
            if not url:
                shutil.rmtree(self.tmpdir, ignore_errors=True)
                if os.environ.get("PROFILED_REQUIRE_PG") == "1":
                    raise RuntimeError(
                        "PROFILED_TEST_STORE=postgres and PROFILED_REQUIRE_PG=1 but "
                        "PROFILED_TEST_PG_URL is not set")
                raise unittest.SkipTest("PROFILED_TEST_STORE=postgres but PROFILED_TEST_PG_URL is unset")
            self.pg_admin_url = url
            self.db_name = "profiled_it_" + uuid.uuid4().hex[:16]
            self._psql(f'CREATE DATABASE "{self.db_name}"')
            self.store_url = self._url_for(self.db_name)
        elif self.kind == "rocksdb":
            self.store_url = "rocksdb"  # `--store rocksdb`, in data_dir like SQLite
        elif self.kind != "sqlite":
            raise RuntimeError(
                f"PROFILED_TEST_STORE must be sqlite, rocksdb or postgres, not {self.kind!r}")

    def _url_for(self, db):
        parts = urllib.parse.urlsplit(self.pg_admin_url)
        return urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/" + db, parts.query, ""))

    def _psql(self, sql):
        proc = subprocess.run(
            ["psql", self.pg_admin_url, "-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql],
            capture_output=True, text=True, timeout=60)
        if proc.returncode != 0:
            raise RuntimeError(f"psql {sql!r} failed: {proc.stderr.strip()}")
        return proc.stdout

    def cleanup(self):
        if self.db_name:
            try:
                self._psql(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
            except Exception as e:  # a leftover database must not fail the suite
                print(f"warning: could not drop {self.db_name}: {e}", file=sys.stderr)
        shutil.rmtree(self.tmpdir, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# The server process


class ServerProcess:
    def __init__(self, store, extra_args=()):
        self.store = store
        self.extra_args = list(extra_args)
        self.proc = None
        self.port = None
        self._reader = None
        self._log_lock = threading.Lock()

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}"

    def _log_write(self, data):
        with self._log_lock:
            with open(self.store.log_path, "ab") as f:
                f.write(data)

    def command(self):
        args = [profiled_bin(), "serve", "--listen", "127.0.0.1:0",
                "--data-dir", self.store.data_dir,
                "--log-level", os.environ.get("PROFILED_TEST_LOG_LEVEL", "warn")]
        if self.store.store_url:
            args += ["--store", self.store.store_url]
        return args + self.extra_args

    def start(self, timeout=30.0):
        assert self.proc is None, "already running"
        self._log_write(f"==== start {' '.join(self.command())}\n".encode())
        log = open(self.store.log_path, "ab")
        try:
            self.proc = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL,
                                         stdout=subprocess.PIPE, stderr=log)
        finally:
            log.close()  # the child holds its own descriptor
        ready = threading.Event()
        found = {}

        def drain(stream):
            # Reads every line so the pipe never fills; the first `listening port=N` wakes start().
            for line in iter(stream.readline, b""):
                if "port" not in found:
                    m = re.search(rb"listening port=(\d+)", line)
                    if m:
                        found["port"] = int(m.group(1))
                        ready.set()
                self._log_write(line)
            stream.close()
            ready.set()

        self._reader = threading.Thread(target=drain, args=(self.proc.stdout,), daemon=True)
        self._reader.start()
        deadline = time.monotonic() + timeout
        while not ready.wait(0.05):
            if time.monotonic() > deadline:
                break
        if "port" not in found:
            rc = self.proc.poll()
            self._force_kill()
            raise RuntimeError(f"profiled did not report its port (exit code {rc}):\n{self.log_tail()}")
        self.port = found["port"]
        return self

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=20.0):
        """Clean shutdown with SIGTERM; returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._force_kill()
                raise RuntimeError(f"profiled ignored SIGTERM for {timeout}s:\n{self.log_tail()}")
        return self._reap()

    def kill9(self):
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
        return self._reap()

    def restart(self):
        self.stop()
        return self.start()

    def _force_kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self._reap()

    def _reap(self):
        rc = self.proc.returncode if self.proc else None
        if self._reader is not None:
            self._reader.join(5)
        self._log_write(f"==== exited rc={rc}\n".encode())
        self.proc = None
        self._reader = None
        self.port = None
        return rc

    def log_tail(self, lines=60):
        try:
            with open(self.store.log_path, "rb") as f:
                data = f.read().decode("utf-8", "replace").splitlines()
        except OSError:
            return "(no server log)"
        return "\n".join(data[-lines:])

    # Clients bound to this server.
    def client(self, **kwargs):
        return make_client(self.endpoint, **kwargs)

    def aws(self, *args, **kwargs):
        return run_aws(self.endpoint, *args, **kwargs)

    def raw(self, method, path, body=b"", headers=None, sign=True, timeout=30):
        return raw_request(self.port, method, path, body, headers, sign, timeout)


# ---------------------------------------------------------------------------------------------
# Clients


def make_client(endpoint, validate=True, region=REGION, access_key=ACCESS_KEY,
                secret_key=SECRET_KEY, read_timeout=60):
    """A boto3 client for the server. validate=False skips botocore's own checks (min length,
    required members, types) so that the server's validation is what answers."""
    session = boto3.session.Session(aws_access_key_id=access_key,
                                    aws_secret_access_key=secret_key, region_name=region)
    config = Config(retries={"total_max_attempts": 1, "mode": "standard"},
                    parameter_validation=validate, connect_timeout=10,
                    read_timeout=read_timeout)
    return session.client(SERVICE, endpoint_url=endpoint, config=config)


class CliResult:
    def __init__(self, proc):
        self.returncode = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.json = None
        self.error_code = None
        self.error_message = None
        if proc.returncode == 0:
            out = proc.stdout.strip()
            self.json = json.loads(out) if out else {}
        else:
            m = re.search(r"An error occurred \(([^)]+)\) when calling the (\w+) operation[^:]*: ?(.*)",
                          proc.stderr, re.S)
            if m:
                self.error_code = m.group(1)
                self.error_message = m.group(3).strip()

    @property
    def ok(self):
        return self.returncode == 0

    def __repr__(self):
        return (f"CliResult(rc={self.returncode}, error={self.error_code!r}, "
                f"stdout={self.stdout[:2000]!r}, stderr={self.stderr[:2000]!r})")


def aws_env():
    env = dict(os.environ)
    for k in list(env):
        if k.startswith("AWS_"):
            del env[k]
    env.update({
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_MAX_ATTEMPTS": "1",
        "AWS_RETRY_MODE": "standard",
        "AWS_PAGER": "",
    })
    return env


def run_aws(endpoint, *args, timeout=120):
    """`aws customer-profiles ARGS --endpoint-url E --output json`."""
    cmd = ["aws", SERVICE, *args, "--endpoint-url", endpoint, "--output", "json"]
    proc = subprocess.run(cmd, env=aws_env(), capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)
    return CliResult(proc)


class RawResponse:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # lower-case names
        self.body = body

    def json(self):
        return json.loads(self.body.decode("utf-8")) if self.body else None

    def __repr__(self):
        return f"RawResponse({self.status}, {self.headers}, {self.body[:500]!r})"


def metric_samples(text):
    """Prometheus text (/metrics): {'name{labels}': value}."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        key, value = line.rsplit(" ", 1)
        out[key] = float(value)
    return out


def raw_request(port, method, path, body=b"", headers=None, sign=True, timeout=30):
    """One HTTP request on a fresh connection. With sign=True it carries a valid SigV4
    signature for the dummy credentials, so that only what the test breaks is broken."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    headers = dict(headers or {})
    host = f"127.0.0.1:{port}"
    if sign:
        req = botocore.awsrequest.AWSRequest(method=method, url=f"http://{host}{path}",
                                             data=body, headers=headers)
        creds = botocore.credentials.Credentials(ACCESS_KEY, SECRET_KEY)
        botocore.auth.SigV4Auth(creds, SIGNING_NAME, REGION).add_auth(req)
        headers = dict(req.headers.items())
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        return RawResponse(resp.status, {k.lower(): v for k, v in resp.getheaders()}, data)
    finally:
        conn.close()


def service_model():
    return botocore.session.get_session().get_service_model(SERVICE)


def epoch(value):
    """A botocore timestamp (datetime) as epoch seconds."""
    if isinstance(value, datetime.datetime):
        return value.timestamp()
    return float(value)


# ---------------------------------------------------------------------------------------------
# Test cases


class ServerTestCase(unittest.TestCase):
    """One server (and one fresh store) per test class."""

    server_args = ()

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.store = StoreFixture(cls.__name__)
        try:
            cls.server = ServerProcess(cls.store, cls.server_args).start()
        except Exception:
            cls.store.cleanup()
            raise
        cls.client = cls.server.client()
        cls.loose_client = cls.server.client(validate=False)

    @classmethod
    def tearDownClass(cls):
        try:
            if cls.server.alive():
                cls.server.stop()
        finally:
            if os.environ.get("PROFILED_TEST_KEEP") != "1":
                cls.store.cleanup()
            super().tearDownClass()

    def run(self, result=None):
        # Print the server's log tail beside any failure: most failures are explained there.
        before = (len(result.failures) + len(result.errors)) if result is not None else 0
        out = super().run(result)
        if result is not None and len(result.failures) + len(result.errors) > before:
            srv = getattr(type(self), "server", None)
            if srv is not None:
                sys.stderr.write(f"\n---- server log tail ({self.id()}) ----\n{srv.log_tail()}\n"
                                 "---- end of server log ----\n")
        return out

    # Helpers ---------------------------------------------------------------------------------

    def restart_server(self, kill=False):
        """Stops (SIGTERM, or SIGKILL with kill=True) and starts the class's server on the same
        data; the port changes, so the class's clients are rebuilt. Returns the exit code."""
        rc = self.server.kill9() if kill else self.server.stop()
        self.server.start()
        type(self).client = self.server.client()
        type(self).loose_client = self.server.client(validate=False)
        return rc

    def create_domain(self, name=None, days=366, **kwargs):
        name = name or unique_name("dom")
        self.client.create_domain(DomainName=name, DefaultExpirationDays=days, **kwargs)
        return name

    def create_profile(self, domain, **fields):
        resp = self.client.create_profile(DomainName=domain, **fields)
        return resp["ProfileId"]

    def assertClientError(self, call, code, status=None, message_contains=None, *args, **kwargs):
        """Runs call(*args, **kwargs), expecting a ClientError with this code (and status)."""
        with self.assertRaises(ClientError) as cm:
            call(*args, **kwargs)
        err = cm.exception.response
        got_code = err.get("Error", {}).get("Code")
        got_status = err.get("ResponseMetadata", {}).get("HTTPStatusCode")
        self.assertEqual(got_code, code, f"expected {code}, got {got_code} ({got_status}): {err}")
        if status is not None:
            self.assertEqual(got_status, status, f"status for {code}: {err}")
        if message_contains is not None:
            msg = err.get("Error", {}).get("Message") or err.get("Message") or ""
            # Case-insensitive: AWS services name members either as modelled or in camelCase.
            for needle in ([message_contains] if isinstance(message_contains, str) else message_contains):
                self.assertIn(needle.lower(), msg.lower(),
                              f"message of {code} should name {needle!r}: {err}")
        return cm.exception

    def search_one(self, domain, key, value):
        resp = self.client.search_profiles(DomainName=domain, KeyName=key, Values=[value])
        return resp.get("Items", [])
