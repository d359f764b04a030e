"""Helpers several integration tests share, beside harness.py (which starts the server and makes
its clients): many boto3 clients made cheaply, calls released from many threads at once, and
paging through a listing."""

import threading

import boto3
from botocore.config import Config

from harness import ACCESS_KEY, REGION, SECRET_KEY, SERVICE


class ClientFactory:
    """boto3 clients configured as harness.make_client's (no retries, so a 5xx is seen as such)
    but made from one session, which loads the service model once: ~40 ms a client instead of
    ~700 ms, which matters with dozens of client threads. Use from one thread."""

    def __init__(self):
        self.session = boto3.session.Session(aws_access_key_id=ACCESS_KEY,
                                             aws_secret_access_key=SECRET_KEY, region_name=REGION)

    def client(self, server, read_timeout=60):
        config = Config(retries={"total_max_attempts": 1, "mode": "standard"},
                        connect_timeout=10, read_timeout=read_timeout)
        return self.session.client(SERVICE, endpoint_url=server.endpoint, config=config)


def run_together(n, call, barrier_timeout=10, join_timeout=60):
    """Calls call(i) for each i in range(n), each from its own thread, all released at once by a
    barrier, and waits for the threads (join_timeout seconds each). Returns the failures, as
    (i, repr(exception)) pairs: a test asserts that there are none."""
    barrier = threading.Barrier(n)
    errors = []

    def work(i):
        try:
            barrier.wait(barrier_timeout)
            call(i)
        except Exception as e:  # returned to the test
            errors.append((i, repr(e)))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(join_timeout)
    return errors


def pages(call, max_results=None, **kwargs):
    """Yields every page of call(**kwargs), following NextToken; MaxResults=max_results on each
    request unless None (the server's default page size)."""
    token = None
    while True:
        args = dict(kwargs)
        if max_results:
            args["MaxResults"] = max_results
        if token:
            args["NextToken"] = token
        page = call(**args)
        yield page
        token = page.get("NextToken")
        if not token:
            return
