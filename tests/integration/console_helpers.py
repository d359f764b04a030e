"""Shared by the console's integration tests (test_console.py, test_console_http.py)."""

import os
import tempfile

from harness import ServerTestCase


class CredentialsServerCase(ServerTestCase):
    """A ServerTestCase whose server runs with --credentials: a file in a temp dir holding one
    key (KEY, SECRET) of account 210987654321, plus EXTRA_ARGS."""

    KEY = None
    SECRET = None
    EXTRA_ARGS = ()

    @classmethod
    def setUpClass(cls):
        fd, cls.credentials_path = tempfile.mkstemp(prefix="profiled-console-", suffix=".ini")
        with os.fdopen(fd, "w") as f:
            f.write(f"[console]\naws_access_key_id = {cls.KEY}\n"
                    f"aws_secret_access_key = {cls.SECRET}\naws_account_id = 210987654321\n")
        cls.server_args = ("--credentials", cls.credentials_path) + tuple(cls.EXTRA_ARGS)
        try:
            super().setUpClass()
        except BaseException:
            os.unlink(cls.credentials_path)
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            os.unlink(cls.credentials_path)
