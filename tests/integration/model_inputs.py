"""Minimal valid inputs for any operation, generated from the botocore model: required members
only, with sample values that honour min/max, range, pattern and enum. Members named like a real
resource (DomainName, ProfileId) take the values the caller passes in `known`, so the request
reaches past the "no such domain" check."""

import datetime
import re

_STRING_CANDIDATES = [
    "abc123",
    "sample",
    "a",
    "12:00",
    "arn:aws:profile:us-east-1:123456789012:domains/sample",
    "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "arn:aws:iam::123456789012:role/sample-role",
    "arn:aws:iam:us-east-1:123456789012:role/sample-role",
    "0123456789abcdef0123456789abcdef",
    "sample.bucket",
    "Sample_Name",
]


def _matches(pattern, value):
    try:
        return re.search(pattern, value) is not None
    except re.error:
        return True  # a pattern Python cannot read: let the server judge


def sample_string(shape, member_name=""):
    enum = shape.enum
    if enum:
        return enum[0]
    meta = shape.metadata
    lo, hi = meta.get("min", 0), meta.get("max", 10_000)
    pattern = meta.get("pattern")
    candidates = list(_STRING_CANDIDATES)
    if "url" in member_name.lower() or "uri" in member_name.lower():
        candidates.insert(0, "https://example.com/sample")
    if "json" in shape.name.lower() or member_name in ("Content", "Object", "Expression"):
        candidates.insert(0, '{"a":"b"}')
    for c in candidates:
        if len(c) < lo:
            c = c + "x" * (lo - len(c))
        if len(c) > hi:
            continue
        if pattern is None or _matches(pattern, c):
            return c
    # Fall back to a string of the right length.
    return ("a" * max(lo, 1))[:hi] if hi >= 1 else ""


def minimal_value(shape, member_name="", known=None, depth=0):
    known = known or {}
    if member_name in known:
        return known[member_name]
    t = shape.type_name
    meta = shape.metadata
    if t == "structure":
        out = {}
        members = shape.members
        if meta.get("union") or getattr(shape, "is_union", False):
            name, sub = next(iter(members.items()))
            return {name: minimal_value(sub, name, known, depth + 1)}
        for name in shape.required_members:
            out[name] = minimal_value(members[name], name, known, depth + 1)
        return out
    if t == "list":
        n = max(meta.get("min", 1), 1)
        items = []
        for i in range(n):
            v = minimal_value(shape.member, member_name.rstrip("s"), known, depth + 1)
            if isinstance(v, str) and i:
                v = (v + str(i))[: shape.member.metadata.get("max", 10_000)]
            items.append(v)
        return items
    if t == "map":
        n = max(meta.get("min", 1), 1)
        out = {}
        for i in range(n):
            k = sample_string(shape.key, "key")
            if i:
                k = k + str(i)
            out[k] = minimal_value(shape.value, "value", known, depth + 1)
        return out
    if t == "string":
        return sample_string(shape, member_name)
    if t in ("integer", "long"):
        lo = meta.get("min")
        hi = meta.get("max")
        v = 1 if lo is None else int(lo)
        if lo is None and hi is not None and hi < 1:
            v = int(hi)
        return max(v, int(lo)) if lo is not None else v
    if t in ("double", "float"):
        lo = meta.get("min", 0.0)
        hi = meta.get("max", lo + 1.0)
        return (float(lo) + float(hi)) / 2
    if t == "boolean":
        return True
    if t == "timestamp":
        return datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
    if t == "blob":
        return b"x"
    raise ValueError(f"unhandled shape type {t}")


def minimal_input(operation_model, known=None):
    shape = operation_model.input_shape
    if shape is None:
        return {}
    return minimal_value(shape, "", known)


def python_method_name(operation_name):
    from botocore import xform_name
    return xform_name(operation_name)
