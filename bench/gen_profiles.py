#!/usr/bin/env python3
"""Writes N profiles as NDJSON for `profiled import` (profile i as bench/ops.lua sees it: the
same ProfileId, names and email, so the wrk scripts search and update profiles that exist).
Usage: gen_profiles.py N > profiles.ndjson
bench/api_load.py imports profile_body() to create the same profiles through CreateProfile."""
import sys

FIRST = ["Alice", "Bob", "Carmen", "Dmitri", "Emeka", "Fatima", "Guo", "Hana"]
LAST = ["Smith", "Garcia", "Nguyen", "Okafor", "Ivanova", "Tanaka", "Kumar", "Silva"]
CITIES = [("Seattle", "US"), ("Berlin", "DE"), ("Lagos", "NG"), ("Osaka", "JP")]
TIERS = ["bronze", "silver", "gold", "platinum"]


def profile_id(i):
    m = 4294967296
    return "%08x%08x%08x%08x" % (i, i * 2654435761 % m, i * 40503 % m, i * 7919 % m)


def email(i):
    return "%s.%s%d@example.com" % (FIRST[i % 8].lower(), LAST[i % 8].lower(), i)


def profile_body(i, profile_id_value=None):
    """Profile i as loaded (JSON text). Loaded with other attribute values than the update bodies
    carry, so that the first UpdateProfile of each profile changes its attribute index rows.
    profile_id_value=None leaves ProfileId out (CreateProfile assigns one)."""
    f, l, c = FIRST[i % 8], LAST[i % 8], CITIES[i % 4]
    return (
        '{%s"FirstName":"%s","LastName":"%s","EmailAddress":"%s",'
        '"PhoneNumber":"+1206555%04d","Address":{"Address1":"%d Any Street","City":"%s",'
        '"PostalCode":"%05d","Country":"%s"},"Attributes":{"loyaltyTier":"%s",'
        '"preferredChannel":"sms","signupSource":"store","lastPurchaseSku":"SKU-000000",'
        '"segment":"s%d"}}'
        % ('"ProfileId":"%s",' % profile_id_value if profile_id_value else "", f, l, email(i),
           i % 10000, i, c[0], i % 100000, c[1], TIERS[i % 4], i % 10))


def main():
    n = int(sys.argv[1])
    out = sys.stdout
    buf = []
    for i in range(1, n + 1):
        buf.append(profile_body(i, profile_id(i)) + "\n")
        if len(buf) == 10000:
            out.write("".join(buf))
            buf.clear()
    out.write("".join(buf))


if __name__ == "__main__":
    main()
