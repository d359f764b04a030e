#!/usr/bin/env python3
"""Generates spec/customer-profiles.json, the compact service model Profiled embeds.

Input: the AWS service model (service-2.json, botocore's format). Output: the same operations
and shapes with every wire and constraint trait kept and every documentation string dropped,
one operation or shape per line so that diffs stay readable. spec/patches.json, when present,
is merged over the source model first (our fixes; the source stays pristine).

The generator refuses traits it does not know, so that a new model revision cannot silently
carry a constraint the C++ side ignores.

Usage: gen_spec.py [--model PATH] [--patches PATH] [--out PATH]
"""

import argparse
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_MODEL = os.path.join(
    os.path.dirname(ROOT), "shared", "spec", "customer-profiles", "2020-08-15", "service-2.json")

# Traits that describe, not constrain: dropped.
DROP = {"documentation", "documentationUrl", "deprecatedMessage", "examples", "xmlNamespace",
        "documentationUrl", "exampleFile"}

SHAPE_KEYS = {"type", "members", "required", "min", "max", "pattern", "enum", "member", "key",
              "value", "sensitive", "timestampFormat", "error", "exception", "fault", "union",
              "box", "deprecated", "payload", "event", "eventstream", "document", "retryable",
              "jsonvalue", "streaming", "requiresLength", "locationName"}
MEMBER_KEYS = {"shape", "location", "locationName", "jsonvalue", "idempotencyToken", "box",
               "deprecated", "hostLabel", "flattened", "streaming", "eventpayload",
               "queryName", "timestampFormat"}
OP_KEYS = {"name", "http", "input", "output", "errors", "idempotent", "readonly", "deprecated",
           "authtype", "auth", "endpoint", "httpChecksum", "httpChecksumRequired",
           "requestcompression", "staticContextParams", "unsignedPayload", "endpointdiscovery",
           "alias", "contextParams"}
HTTP_KEYS = {"method", "requestUri", "responseCode"}
METADATA_KEYS = ["apiVersion", "endpointPrefix", "jsonVersion", "protocol", "serviceFullName",
                 "serviceId", "signatureVersion", "signingName", "uid", "targetPrefix"]


def fail(msg):
    sys.stderr.write("gen_spec.py: " + msg + "\n")
    sys.exit(1)


def merge(base, patch):
    """Deep-merges patch into base; a null in patch deletes the key."""
    for k, v in patch.items():
        if v is None:
            base.pop(k, None)
        elif isinstance(v, dict) and isinstance(base.get(k), dict):
            merge(base[k], v)
        else:
            base[k] = v


def load_source(model_path, patches_path):
    """The source model with spec/patches.json (when present) merged over it. gen_members.py
    reads the same, so the compact model and the member lists never disagree."""
    with open(model_path, encoding="utf-8") as f:
        src = json.load(f)
    if os.path.exists(patches_path):
        with open(patches_path, encoding="utf-8") as f:
            patches = json.load(f)
        patches.pop("//", None)  # a comment slot
        merge(src, patches)
    return src


def strip(obj, allowed, where):
    out = {}
    for k, v in obj.items():
        if k in DROP:
            continue
        if k not in allowed:
            fail("unknown trait '%s' in %s; teach gen_spec.py and the C++ model about it" %
                 (k, where))
        out[k] = v
    return out


def compact_shape(name, shape):
    s = strip(shape, SHAPE_KEYS, "shape " + name)
    if "members" in s:
        s["members"] = {m: strip(v, MEMBER_KEYS, "member %s.%s" % (name, m))
                        for m, v in s["members"].items()}
    for ref in ("member", "key", "value"):
        if ref in s:
            s[ref] = strip(s[ref], MEMBER_KEYS, "%s of %s" % (ref, name))
    if "error" in s:
        s["error"] = {k: v for k, v in s["error"].items() if k in ("httpStatusCode", "code",
                                                                 "senderFault")}
    return s


def compact_operation(name, op):
    o = strip(op, OP_KEYS, "operation " + name)
    o["http"] = strip(o["http"], HTTP_KEYS, "http of " + name)
    for ref in ("input", "output"):
        if ref in o:
            o[ref] = o[ref]["shape"]
    if "errors" in o:
        o["errors"] = [e["shape"] for e in o["errors"]]
    o.pop("name", None)
    return o


def check_references(model):
    shapes = model["shapes"]

    def need(ref, where):
        if ref not in shapes:
            fail("%s refers to missing shape %s" % (where, ref))

    for n, o in model["operations"].items():
        for ref in ("input", "output"):
            if ref in o:
                need(o[ref], n)
        for e in o.get("errors", []):
            need(e, n)
    for n, s in shapes.items():
        for m, v in s.get("members", {}).items():
            need(v["shape"], n + "." + m)
        for ref in ("member", "key", "value"):
            if ref in s:
                need(s[ref]["shape"], n)


def dump(model):
    def line(v):
        return json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    parts = ['{\n"metadata":', line(model["metadata"]), ',\n"operations":{\n']
    parts.append(",\n".join(line(k) + ":" + line(v) for k, v in sorted(model["operations"].items())))
    parts.append('\n},\n"shapes":{\n')
    parts.append(",\n".join(line(k) + ":" + line(v) for k, v in sorted(model["shapes"].items())))
    parts.append("\n}\n}\n")
    return "".join(parts)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default=DEFAULT_MODEL)
    ap.add_argument("--patches", default=os.path.join(ROOT, "spec", "patches.json"))
    ap.add_argument("--out", default=os.path.join(ROOT, "spec", "customer-profiles.json"))
    args = ap.parse_args()

    src = load_source(args.model, args.patches)
    meta = src["metadata"]
    if meta.get("protocol") != "rest-json":
        fail("only rest-json models are supported, not %s" % meta.get("protocol"))
    model = {
        "metadata": {k: meta[k] for k in METADATA_KEYS if k in meta},
        "operations": {n: compact_operation(n, o) for n, o in src["operations"].items()},
        "shapes": {n: compact_shape(n, s) for n, s in src["shapes"].items()},
    }
    check_references(model)
    text = dump(model)
    json.loads(text)  # the output must parse
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    main()
