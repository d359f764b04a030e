// The console's client of the public API: the model's rest-json paths on the console's own
// origin, SigV4-signed (sigv4.js) when the server wants signatures. Errors come back as
// ApiError with AWS's error type and message.
import { signRequest } from "./sigv4.js";

export class ApiError extends Error {
  constructor(status, type, message) {
    super(message || type);
    this.status = status;
    this.type = type;
  }
}

// The error type of a rest-json error: x-amzn-ErrorType ("Type:uri" allowed), else the body's
// __type ("namespace#Type" allowed), else the HTTP status.
function errorType(response, body) {
  const header = response.headers.get("x-amzn-errortype");
  if (header) return header.split(":")[0];
  if (body && typeof body.__type === "string") return body.__type.split("#").pop();
  return `HTTP ${response.status}`;
}

export class Api {
  // config: { region, signatureRequired } from /console/config.json; credentials(): the key
  // typed into the console, or null.
  constructor(config, credentials) {
    this.config = config;
    this.credentials = credentials;
  }

  // method, path (each label already encoded with encodeURIComponent), query: an object of
  // strings (undefined members left out), body: an object sent as JSON.
  async call(method, path, { query, body } = {}) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query || {})) if (v !== undefined && v !== "") params.set(k, v);
    const queryText = params.toString().replace(/\+/g, "%20");
    const text = body === undefined ? "" : JSON.stringify(body);
    let headers = [["Content-Type", "application/json"]];
    const credentials = this.credentials();
    if (credentials) {
      const signed = await signRequest(
        { method, path, query: queryText, headers: [...headers, ["Host", location.host]], body: text },
        credentials,
        { region: this.config.region, service: "profile" },
      );
      // The browser sends Host itself (a script may not set it); it was signed as location.host.
      headers = signed.headers.filter(([n]) => n.toLowerCase() !== "host");
    }
    const init = { method, headers, cache: "no-store", credentials: "omit" };
    if (method !== "GET" && method !== "HEAD") init.body = text;
    let response;
    try {
      response = await fetch(path + (queryText ? "?" + queryText : ""), init);
    } catch (e) {
      throw new ApiError(0, "NetworkError", `The server did not answer: ${e.message}`);
    }
    const raw = await response.text();
    let parsed = null;
    try {
      parsed = raw ? JSON.parse(raw) : {};
    } catch {
      parsed = null;
    }
    if (!response.ok) {
      const message = (parsed && (parsed.message || parsed.Message)) || raw.slice(0, 300);
      throw new ApiError(response.status, errorType(response, parsed), message);
    }
    return parsed || {};
  }
}

export const enc = encodeURIComponent;
