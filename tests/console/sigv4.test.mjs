// The console's SigV4 signer (console/js/sigv4.js) against AWS's SigV4 test suite
// (tests/auth/vectors/aws, the vectors the C++ verifier is tested with): for every request that
// is signed with an Authorization header, the same headers signed at the same instant must give
// the suite's SignedHeaders and Signature.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import test from "node:test";
import { fileURLToPath } from "node:url";

import { canonicalUri, signRequest } from "../../console/js/sigv4.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const vectors = path.join(here, "..", "auth", "vectors", "aws");
const credentials = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
};
const scope = { region: "us-east-1", service: "service" };
const when = new Date(Date.UTC(2015, 7, 30, 12, 36, 0));

function parse(text) {
  const split = text.indexOf("\n\n");
  const head = split < 0 ? text : text.slice(0, split);
  const body = split < 0 ? "" : text.slice(split + 2);
  const [requestLine, ...headerLines] = head.split("\n");
  // The path may hold a space (get-space-normalized): the target ends at the last " HTTP/".
  const method = requestLine.slice(0, requestLine.indexOf(" "));
  const target = requestLine.slice(method.length + 1, requestLine.lastIndexOf(" HTTP/"));
  const q = target.indexOf("?");
  const headers = headerLines.map((line) => {
    const colon = line.indexOf(":");
    return [line.slice(0, colon), line.slice(colon + 1)];
  });
  return {
    method,
    path: q < 0 ? target : target.slice(0, q),
    query: q < 0 ? "" : target.slice(q + 1),
    headers,
    body,
  };
}

const names = fs
  .readdirSync(vectors)
  .filter((n) => fs.existsSync(path.join(vectors, n, "header-signed-request.txt")));

test("the suite is there", () => {
  assert.ok(names.length >= 15, `only ${names.length} vectors in ${vectors}`);
});

for (const name of names) {
  test(`AWS vector ${name}`, async () => {
    const request = parse(fs.readFileSync(path.join(vectors, name, "header-signed-request.txt"), "utf8"));
    const authorization = request.headers.find(([n]) => n === "Authorization")[1];
    const expected = /SignedHeaders=([^,]+), Signature=([0-9a-f]{64})/.exec(authorization);
    const signed = await signRequest(request, credentials, scope, when);
    const ours = signed.headers.find(([n]) => n === "Authorization")[1];
    assert.match(ours, new RegExp(`SignedHeaders=${expected[1]},`));
    assert.equal(signed.signature, expected[2]);
  });
}

test("the get-vanilla intermediate steps", async () => {
  const dir = path.join(vectors, "get-vanilla");
  const request = parse(fs.readFileSync(path.join(dir, "header-signed-request.txt"), "utf8"));
  const signed = await signRequest(request, credentials, scope, when);
  for (const [file, value] of [
    ["header-canonical-request.txt", signed.canonicalRequest],
    ["header-string-to-sign.txt", signed.stringToSign],
  ]) {
    const p = path.join(dir, file);
    if (fs.existsSync(p)) assert.equal(value, fs.readFileSync(p, "utf8").replace(/\n$/, ""));
  }
});

test("a wire path is encoded once more, as botocore does for every service but S3", () => {
  assert.equal(canonicalUri("/domains/a%20b/profiles"), "/domains/a%2520b/profiles");
  assert.equal(canonicalUri("/a/./b/../c//d/"), "/a/c/d/");
  assert.equal(canonicalUri(""), "/");
});

test("a session token is signed", async () => {
  const request = { method: "GET", path: "/", query: "", headers: [["Host", "h"]], body: "" };
  const signed = await signRequest(request, { ...credentials, sessionToken: "tok" }, scope, when);
  assert.ok(signed.headers.some(([n, v]) => n === "X-Amz-Security-Token" && v === "tok"));
  assert.match(signed.headers.at(-1)[1], /SignedHeaders=host;x-amz-date;x-amz-security-token,/);
});
