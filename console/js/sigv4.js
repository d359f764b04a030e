// AWS Signature Version 4 in the browser (and in Node 18+), on WebCrypto: HMAC-SHA256 and
// SHA-256 from crypto.subtle, nothing else. The same canonical forms as botocore and Profiled's
// verifier (src/auth/sigv4.h): the wire path is normalised and percent-encoded once more; the
// query is decoded, strictly re-encoded and sorted; header values are trimmed and folded.
// Checked against AWS's SigV4 test suite (tests/console/sigv4.test.mjs).

const encoder = new TextEncoder();

function hex(buffer) {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");
}

export async function sha256Hex(data) {
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  return hex(await crypto.subtle.digest("SHA-256", bytes));
}

async function hmac(key, data) {
  const raw = typeof key === "string" ? encoder.encode(key) : key;
  const k = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, encoder.encode(data)));
}

// RFC 3986 unreserved characters stay; every other UTF-8 byte becomes %XX (upper case).
export function uriEncode(text, keepSlash) {
  let out = "";
  for (const byte of encoder.encode(text)) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-._~]/.test(c) || (keepSlash && c === "/")) out += c;
    else out += "%" + byte.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

function percentDecode(text) {
  // Decode %XX byte by byte ('+' stays '+'); malformed escapes are kept as they are.
  const bytes = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "%" && /^[0-9A-Fa-f]{2}$/.test(text.substr(i + 1, 2))) {
      bytes.push(parseInt(text.substr(i + 1, 2), 16));
      i += 2;
    } else {
      bytes.push(...encoder.encode(text[i]));
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

// The wire path with dot and empty segments removed, percent-encoded once more ('/' kept).
export function canonicalUri(rawPath) {
  if (rawPath === "") return "/";
  const out = [];
  for (const seg of rawPath.split("/")) {
    if (seg === "..") out.pop();
    else if (seg !== "" && seg !== ".") out.push(seg);
  }
  let path = (rawPath.startsWith("/") ? "/" : "") + out.join("/");
  if (rawPath.endsWith("/") && out.length > 0) path += "/";
  return uriEncode(path, true);
}

export function canonicalQuery(rawQuery) {
  if (!rawQuery) return "";
  const pairs = rawQuery
    .split("&")
    .filter((p) => p !== "")
    .map((p) => {
      const eq = p.indexOf("=");
      const name = eq < 0 ? p : p.slice(0, eq);
      const value = eq < 0 ? "" : p.slice(eq + 1);
      return [uriEncode(percentDecode(name), false), uriEncode(percentDecode(value), false)];
    });
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([n, v]) => `${n}=${v}`).join("&");
}

function trimAll(value) {
  return value.trim().replace(/\s+/g, " ");
}

// "20150830T123600Z" for a Date.
export function amzDate(date) {
  return date.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

// Signs a request and returns the headers to send with it (the given ones, plus X-Amz-Date,
// X-Amz-Security-Token when there is a session token, and Authorization).
//   request: { method, path (raw, as sent), query (raw, without '?'), headers: [[name, value]],
//              body (string or Uint8Array) }; headers must include Host.
//   credentials: { accessKeyId, secretAccessKey, sessionToken? }
//   scope: { region, service }
//   date: a Date (now when absent)
export async function signRequest(request, credentials, scope, date = new Date()) {
  const stamp = amzDate(date);
  const day = stamp.slice(0, 8);
  const headers = request.headers.filter(([n]) => n.toLowerCase() !== "authorization");
  if (!headers.some(([n]) => n.toLowerCase() === "x-amz-date")) headers.push(["X-Amz-Date", stamp]);
  if (credentials.sessionToken) headers.push(["X-Amz-Security-Token", credentials.sessionToken]);
  const names = [...new Set(headers.map(([n]) => n.toLowerCase()))].sort();
  const canonicalHeaders = names
    .map((name) => {
      const values = headers.filter(([n]) => n.toLowerCase() === name).map(([, v]) => trimAll(v));
      return `${name}:${values.join(",")}\n`;
    })
    .join("");
  const signedHeaders = names.join(";");
  const canonicalRequest = [
    request.method,
    canonicalUri(request.path),
    canonicalQuery(request.query || ""),
    canonicalHeaders,
    signedHeaders,
    await sha256Hex(request.body || ""),
  ].join("\n");
  const credentialScope = `${day}/${scope.region}/${scope.service}/aws4_request`;
  const stringToSign = [
    "AWS4-HMAC-SHA256",
    stamp,
    credentialScope,
    await sha256Hex(canonicalRequest),
  ].join("\n");
  let key = await hmac("AWS4" + credentials.secretAccessKey, day);
  key = await hmac(key, scope.region);
  key = await hmac(key, scope.service);
  key = await hmac(key, "aws4_request");
  const signature = hex(await hmac(key, stringToSign));
  headers.push([
    "Authorization",
    `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${credentialScope}, ` +
      `SignedHeaders=${signedHeaders}, Signature=${signature}`,
  ]);
  return { headers, signature, canonicalRequest, stringToSign };
}
