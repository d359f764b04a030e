// The Profiled web console: a client of the public API (api.js) like any SDK. Views are chosen
// by the URL's hash: #/ (domains), #/d/NAME[/types|/segments] (a domain), #/d/NAME/p/ID (a
// profile). Every value from the server reaches the page as text (h() never parses HTML).
import { Api, ApiError, enc } from "./api.js";
import * as F from "./fields.js";

const $ = (sel, root = document) => root.querySelector(sel);
const view = $("#view");
let config = { region: "us-east-1", signatureRequired: false };
let credentials = null;
const api = new Api(config, () => credentials);

// ---- DOM helpers --------------------------------------------------------------------------

// h("tag.class#id", {attrs, on*: handlers}, ...children): children are nodes or text.
function h(spec, attrs = {}, ...children) {
  const [, tag, rest] = /^([a-z0-9]+)(.*)$/.exec(spec);
  const el = document.createElement(tag);
  for (const part of rest.match(/[.#][^.#]+/g) || []) {
    if (part[0] === ".") el.classList.add(part.slice(1));
    else el.id = part.slice(1);
  }
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

function errorBox(e) {
  const type = e instanceof ApiError ? e.type : "Error";
  return h("div.error-box", { role: "alert" }, h("strong", {}, type), " ", e.message || String(e));
}

function loading(text = "Loading…") {
  return h("p.loading", { "aria-busy": "true" }, h("span.spinner", { "aria-hidden": "true" }), text);
}

// Fills `box` with what `load` builds, showing a spinner meanwhile and the error if it fails.
async function fill(box, load) {
  box.replaceChildren(loading());
  try {
    box.replaceChildren(...[await load()].flat().filter((c) => c !== null && c !== undefined && c !== false));
  } catch (e) {
    if (e instanceof ApiError && needsSignIn(e)) openSignIn(e.message);
    box.replaceChildren(errorBox(e));
  }
}

function needsSignIn(e) {
  return ["MissingAuthenticationTokenException", "MissingAuthenticationToken",
    "UnrecognizedClientException", "InvalidSignatureException"].includes(e.type);
}

function fmtDate(v) {
  if (v === undefined || v === null || v === "") return "";
  const d = typeof v === "number" ? new Date(v * 1000) : new Date(v);
  return isNaN(d) ? String(v) : d.toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
}

function fmtBytes(n) {
  if (n === undefined) return "";
  const units = ["B", "KiB", "MiB", "GiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${i ? n.toFixed(1) : n} ${units[i]}`;
}

function table(headers, rows, empty = "Nothing here yet.") {
  if (!rows.length) return h("p.muted.empty", {}, empty);
  return h("div.table-wrap", {},
    h("table", {}, h("thead", {}, h("tr", {}, headers.map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, rows)));
}

function crumbs(...items) {
  $("#crumbs").replaceChildren(...items.flatMap((it, i) => [
    ...(i ? [h("span.sep", { "aria-hidden": "true" }, "/")] : []),
    it.href ? h("a", { href: it.href }, it.text) : h("span", { "aria-current": "page" }, it.text),
  ]));
}

// ---- dialogs ------------------------------------------------------------------------------

// Opens the shared form dialog with `body` nodes; `submit(form)` runs on OK (Enter in a field
// submits; Esc closes). The dialog stays open with the error shown when submit throws.
function formDialog(title, body, submit, okText = "OK") {
  const dialog = $("#form-dialog");
  const form = $("form", dialog);
  $("#form-dialog-title").textContent = title;
  $(".body", dialog).replaceChildren(...body);
  $("button[type=submit]", dialog).textContent = okText;
  const err = $(".error", dialog);
  err.hidden = true;
  form.onsubmit = async (ev) => {
    ev.preventDefault();
    const ok = $("button[type=submit]", dialog);
    ok.disabled = true;
    ok.setAttribute("aria-busy", "true");
    try {
      await submit(form);
      dialog.close();
    } catch (e) {
      err.replaceChildren(h("strong", {}, e.type || "Error"), " ", e.message);
      err.hidden = false;
    } finally {
      ok.disabled = false;
      ok.removeAttribute("aria-busy");
    }
  };
  $("[data-close]", dialog).onclick = () => dialog.close();
  dialog.showModal();
  const first = $(".body input, .body select, .body textarea", dialog);
  (first || $("button[type=submit]", dialog)).focus();
}

function field(label, name, value = "", attrs = {}) {
  return h("label", {}, label, h("input", { name, value, spellcheck: "false", ...attrs }));
}

// ---- sign-in ------------------------------------------------------------------------------

function showIdentity() {
  const signing = config.signatureRequired;
  $("#identity").textContent = signing
    ? credentials ? `Key ${credentials.accessKeyId} · ${config.region}` : "Not signed in"
    : `Open mode (unsigned) · ${config.region}`;
  $("#sign-in").hidden = !signing || !!credentials;
  $("#sign-out").hidden = !signing || !credentials;
}

function openSignIn(message) {
  const dialog = $("#sign-in-dialog");
  const err = $(".error", dialog);
  err.textContent = message || "";
  err.hidden = !message;
  if (!dialog.open) dialog.showModal();
  $("input[name=accessKeyId]", dialog).focus();
}

$("#sign-in-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const form = ev.target;
  const candidate = {
    accessKeyId: form.accessKeyId.value.trim(),
    secretAccessKey: form.secretAccessKey.value,
    sessionToken: form.sessionToken.value.trim() || undefined,
  };
  const previous = credentials;
  credentials = candidate;
  try {
    await api.call("GET", "/domains", { query: { "max-results": "1" } });
  } catch (e) {
    credentials = previous;
    const err = $(".error", form);
    err.replaceChildren(h("strong", {}, e.type || "Error"), " ", e.message);
    err.hidden = false;
    return;
  }
  if (form.remember.checked) sessionStorage.setItem("profiled.credentials", JSON.stringify(candidate));
  else sessionStorage.removeItem("profiled.credentials");
  form.secretAccessKey.value = "";
  $("#sign-in-dialog").close();
  showIdentity();
  route();
});

$("#sign-in").addEventListener("click", () => openSignIn());
$("#sign-out").addEventListener("click", () => {
  credentials = null;
  sessionStorage.removeItem("profiled.credentials");
  showIdentity();
  route();
});

// ---- domains ------------------------------------------------------------------------------

async function listAll(method, path, itemsKey, opts = {}) {
  const items = [];
  let token;
  do {
    const page = await api.call(method, path, {
      ...opts,
      query: { ...(opts.query || {}), "next-token": token, "max-results": "100" },
    });
    items.push(...(page[itemsKey] || []));
    token = page.NextToken;
  } while (token && items.length < 1000);
  return items;
}

function viewDomains() {
  crumbs({ text: "Domains" });
  const list = h("div");
  const create = h("button.primary", {
    type: "button",
    onclick: () => formDialog("Create a domain", [
      field("Domain name", "name", "", { required: true, pattern: "[a-zA-Z0-9_\\-]+", maxlength: "64" }),
      field("Default expiration (days)", "days", "366", { type: "number", min: "1", max: "1098", required: true }),
    ], async (form) => {
      const name = form.name.value.trim();
      await api.call("POST", `/domains/${enc(name)}`, { body: { DefaultExpirationDays: Number(form.days.value) } });
      location.hash = `#/d/${enc(name)}`;
    }, "Create"),
  }, "New domain");
  view.replaceChildren(h("div.title-row", {}, h("h1", {}, "Domains"), create), list);
  fill(list, async () => {
    const names = (await listAll("GET", "/domains", "Items")).map((d) => d.DomainName);
    const domains = await Promise.all(names.map((n) =>
      api.call("GET", `/domains/${enc(n)}`).catch((e) => ({ DomainName: n, error: e }))));
    return table(["Domain", "Profiles", "Objects", "Size", "Expiration", "Created"], domains.map((d) =>
      h("tr", {},
        h("td", {}, h("a", { href: `#/d/${enc(d.DomainName)}` }, d.DomainName)),
        d.error ? h("td", { colspan: "5" }, errorBox(d.error)) : [
          h("td.num", {}, d.Stats?.ProfileCount ?? ""),
          h("td.num", {}, d.Stats?.ObjectCount ?? ""),
          h("td.num", {}, fmtBytes(d.Stats?.TotalSize)),
          h("td.num", {}, d.DefaultExpirationDays ? `${d.DefaultExpirationDays} d` : ""),
          h("td", {}, fmtDate(d.CreatedAt)),
        ])), "No domains yet: create one.");
  });
}

// ---- a domain -----------------------------------------------------------------------------

const tabs = [["profiles", "Profiles"], ["types", "Object types"], ["segments", "Segments"]];

function viewDomain(domain, tab) {
  crumbs({ text: "Domains", href: "#/" }, { text: domain });
  const stats = h("p.muted.stats");
  const panel = h("section.panel", { role: "tabpanel" });
  const tabBar = h("div.tabs", { role: "tablist" }, tabs.map(([id, label]) =>
    h("a.tab", { role: "tab", href: `#/d/${enc(domain)}/${id}`, "aria-selected": String(id === tab) }, label)));
  const remove = h("button.danger", { type: "button", onclick: () => deleteDomainDialog(domain) }, "Delete domain");
  view.replaceChildren(h("div.title-row", {}, h("h1", {}, domain), h("div.actions", {}, remove)),
    stats, tabBar, panel);
  api.call("GET", `/domains/${enc(domain)}`).then((d) => {
    stats.textContent = `${d.Stats?.ProfileCount ?? 0} profiles · ${d.Stats?.ObjectCount ?? 0} objects · ` +
      `${fmtBytes(d.Stats?.TotalSize ?? 0)} · expiration ${d.DefaultExpirationDays} days`;
  }, (e) => stats.replaceChildren(errorBox(e)));
  if (tab === "types") return viewObjectTypes(domain, panel);
  if (tab === "segments") return viewSegments(domain, panel);
  return viewSearch(domain, panel);
}

// DeleteDomain removes everything in the domain, so the name must be typed to confirm it.
function deleteDomainDialog(domain) {
  formDialog(`Delete the domain ${domain}?`, [
    h("p", {}, "Every profile, object, object type, key, calculated attribute and segment in it goes; ",
      "this cannot be undone."),
    field("Type the domain's name to confirm", "confirm", "", { required: true, autocomplete: "off" }),
  ], async (form) => {
    if (form.confirm.value !== domain) {
      throw new ApiError(0, "NotConfirmed", `Type “${domain}” exactly to delete it.`);
    }
    await api.call("DELETE", `/domains/${enc(domain)}`);
    lastSearch.delete(domain);
    location.hash = "#/";
  }, "Delete domain");
}

// The key names a search may use: the built-in ones and every object type's keys.
async function searchKeyNames(domain) {
  const names = new Set(F.builtInKeys);
  const types = await listAll("GET", `/domains/${enc(domain)}/object-types`, "Items").catch(() => []);
  const details = await Promise.all(types.map((t) =>
    api.call("GET", `/domains/${enc(domain)}/object-types/${enc(t.ObjectTypeName)}`).catch(() => ({}))));
  for (const d of details) for (const k of Object.keys(d.Keys || {})) names.add(k);
  return [...names];
}

const lastSearch = new Map();  // domain -> {key, value}: the search shown again on return

function viewSearch(domain, panel) {
  const remembered = lastSearch.get(domain) || { key: "_fullName", value: "" };
  const keyList = h("datalist#key-names");
  const form = h("form.search", { role: "search" },
    h("label", {}, "Search key", h("input", { name: "key", list: "key-names", value: remembered.key, required: true, spellcheck: "false" })),
    h("label.grow", {}, "Value", h("input", { name: "value", value: remembered.value, required: true, spellcheck: "false", type: "search", placeholder: "Press / to come back here", "aria-keyshortcuts": "/" })),
    h("button.primary", { type: "submit" }, "Search"),
    keyList);
  const results = h("div.results");
  const newProfile = h("button", { type: "button", onclick: () => createProfileDialog(domain) }, "New profile");
  const merge = h("button", { type: "button", disabled: true }, "Merge selected…");
  panel.replaceChildren(form, h("div.toolbar", {}, newProfile, merge), results);
  searchKeyNames(domain).then((names) => keyList.replaceChildren(...names.map((n) => h("option", { value: n }))));

  let found = [];
  const selected = new Set();
  const updateMerge = () => {
    merge.disabled = selected.size < 2;
    merge.textContent = selected.size >= 2 ? `Merge ${selected.size} profiles…` : "Merge selected…";
  };
  merge.onclick = () => mergeDialog(domain, found.filter((p) => selected.has(p.ProfileId)));

  const run = async (token) => {
    const key = form.key.value.trim();
    const value = form.value.value;
    lastSearch.set(domain, { key, value });
    if (!token) { found = []; selected.clear(); updateMerge(); }
    await fill(results, async () => {
      const page = await api.call("POST", `/domains/${enc(domain)}/profiles/search`, {
        query: { "max-results": "50", "next-token": token },
        body: { KeyName: key, Values: [value] },
      });
      found.push(...(page.Items || []));
      const rows = found.map((p) => h("tr", {},
        h("td", {}, h("input", {
          type: "checkbox", "aria-label": `Select ${F.displayName(p)}`, checked: selected.has(p.ProfileId),
          onchange: (ev) => { ev.target.checked ? selected.add(p.ProfileId) : selected.delete(p.ProfileId); updateMerge(); },
        })),
        h("td", {}, h("a", { href: `#/d/${enc(domain)}/p/${enc(p.ProfileId)}` }, F.displayName(p))),
        h("td", {}, p.EmailAddress || p.PersonalEmailAddress || p.BusinessEmailAddress || ""),
        h("td", {}, p.PhoneNumber || p.MobilePhoneNumber || p.HomePhoneNumber || p.BusinessPhoneNumber || ""),
        h("td", {}, p.AccountNumber || ""),
        h("td.mono", {}, p.ProfileId)));
      return [
        h("p.muted", {}, `${found.length} profile${found.length === 1 ? "" : "s"} with ${key} = “${value}”`),
        table(["", "Name", "Email", "Phone", "Account", "Profile ID"], rows, `No profile has ${key} = “${value}”.`),
        page.NextToken ? h("button", { type: "button", onclick: () => run(page.NextToken) }, "More") : null,
      ];
    });
  };
  form.addEventListener("submit", (ev) => { ev.preventDefault(); run(); });
  if (remembered.value) run();
  else results.replaceChildren(h("p.muted.empty", {}, "Search by any key: _fullName, _email, _phone, _account, _profileId, or a key of an object type."));
  form.value.focus();
}

function createProfileDialog(domain) {
  formDialog("New profile", F.newProfileFields.map(([name, label]) => field(label, name)), async (form) => {
    const body = {};
    for (const [name] of F.newProfileFields) if (form[name].value.trim()) body[name] = form[name].value.trim();
    const out = await api.call("POST", `/domains/${enc(domain)}/profiles`, { body });
    location.hash = `#/d/${enc(domain)}/p/${enc(out.ProfileId)}`;
  }, "Create");
}

function viewObjectTypes(domain, panel) {
  fill(panel, async () => {
    const types = await listAll("GET", `/domains/${enc(domain)}/object-types`, "Items");
    const detail = h("div.detail");
    const rows = types.map((t) => h("tr", {},
      h("td", {}, h("button.link", {
        type: "button",
        onclick: () => fill(detail, async () => {
          const d = await api.call("GET", `/domains/${enc(domain)}/object-types/${enc(t.ObjectTypeName)}`);
          return h("div.card", {}, h("h3", {}, d.ObjectTypeName),
            h("p.muted", {}, d.Description || ""),
            h("h4", {}, "Keys"),
            table(["Key", "Identifiers", "Fields"], Object.entries(d.Keys || {}).map(([k, defs]) => h("tr", {},
              h("td.mono", {}, k),
              h("td", {}, defs.flatMap((x) => x.StandardIdentifiers || []).join(", ")),
              h("td", {}, defs.flatMap((x) => x.FieldNames || []).join(", "))))),
            h("h4", {}, "Fields"),
            table(["Field", "Source", "Target", "Type"], Object.entries(d.Fields || {}).map(([f, x]) => h("tr", {},
              h("td.mono", {}, f), h("td.mono", {}, x.Source || ""), h("td.mono", {}, x.Target || ""),
              h("td", {}, x.ContentType || "")))));
        }),
      }, t.ObjectTypeName)),
      h("td", {}, t.Description || ""),
      h("td", {}, fmtDate(t.CreatedAt))));
    return [table(["Object type", "Description", "Created"], rows, "No object types in this domain."), detail];
  });
}

// A segment's size: an estimate of its query (CreateSegmentEstimate, then GetSegmentEstimate
// until it is done). "—" with the reason as a tooltip when the server cannot estimate.
async function segmentCount(domain, name, cell) {
  const dash = (why) => cell.replaceChildren(h("span.muted", { title: why }, "—"));
  try {
    const def = await api.call("GET", `/domains/${enc(domain)}/segment-definitions/${enc(name)}`);
    const query = def.SegmentSqlQuery ? { SegmentSqlQuery: def.SegmentSqlQuery } : { SegmentQuery: def.SegmentGroups };
    const started = await api.call("POST", `/domains/${enc(domain)}/segment-estimates`, { body: query });
    for (let i = 0; i < 30; i++) {
      const est = await api.call("GET", `/domains/${enc(domain)}/segment-estimates/${enc(started.EstimateId)}`);
      if (est.Status === "SUCCEEDED") { cell.textContent = est.Estimate ?? ""; return; }
      if (est.Status === "FAILED") { dash(est.Message || "The estimate failed"); return; }
      await new Promise((r) => setTimeout(r, 500));
    }
    dash("The estimate did not finish in 15 seconds");
  } catch (e) {
    dash(e.status === 501 ? `This server does not estimate segments yet (${e.type})` : `${e.type}: ${e.message}`);
  }
}

function viewSegments(domain, panel) {
  fill(panel, async () => {
    const items = await listAll("GET", `/domains/${enc(domain)}/segment-definitions`, "Items");
    return table(["Segment", "Display name", "Type", "Profiles", "Created"], items.map((s) => {
      const count = h("td.num", {}, h("span.spinner", { "aria-label": "estimating" }));
      segmentCount(domain, s.SegmentDefinitionName, count);
      return h("tr", {}, h("td.mono", {}, s.SegmentDefinitionName), h("td", {}, s.DisplayName || ""),
        h("td", {}, s.SegmentType || ""), count, h("td", {}, fmtDate(s.CreatedAt)));
    }), "No segment definitions in this domain.");
  });
}

// ---- a profile ----------------------------------------------------------------------------

async function getProfile(domain, id) {
  const out = await api.call("POST", `/domains/${enc(domain)}/profiles/search`, {
    body: { KeyName: "_profileId", Values: [id] },
  });
  if (!out.Items?.length) throw new ApiError(404, "ResourceNotFoundException", `No profile ${id} in ${domain}.`);
  return out.Items[0];
}

function section(title, body, extra, wide) {
  return h(wide ? "section.card.wide" : "section.card", {}, h("div.card-head", {}, h("h2", {}, title), extra), body);
}

function viewProfile(domain, id) {
  crumbs({ text: "Domains", href: "#/" }, { text: domain, href: `#/d/${enc(domain)}` }, { text: id });
  const head = h("div.title-row");
  const fieldsBox = h("div");
  const keysBox = h("div");
  const objectsBox = h("div");
  const historyBox = h("div");
  const calcBox = h("div");
  view.replaceChildren(head, h("div.grid", {},
    section("Fields", fieldsBox), section("Search keys", keysBox),
    section("Calculated attributes", calcBox), section("Objects", objectsBox, null, true),
    section("History", historyBox, null, true)));
  let profile = null;
  fill(fieldsBox, async () => {
    profile = await getProfile(domain, id);
    head.replaceChildren(h("h1", {}, F.displayName(profile)),
      h("div.actions", {},
        h("button.primary", { type: "button", onclick: () => editDialog(domain, profile) }, "Edit fields"),
        h("button.danger", { type: "button", onclick: () => deleteDialog(domain, profile) }, "Delete")));
    const rows = F.flatten(profile).map(([k, v]) => h("div.kv", {}, h("dt", {}, k), h("dd", {}, v)));
    return h("dl", {}, rows);
  }).then(() => profile && loadObjects(domain, profile, objectsBox, keysBox));
  fill(historyBox, async () => {
    const items = await listAll("POST", `/domains/${enc(domain)}/profiles/history-records`, "ProfileHistoryRecords", {
      body: { ProfileId: id },
    });
    return table(["When", "Action", "Object type", "By"], items.map((r) => h("tr", { title: `Record ${r.Id}` },
      h("td.nowrap", {}, fmtDate(r.CreatedAt)), h("td", {}, r.ActionType || ""),
      h("td", {}, r.ObjectTypeName || ""),
      h("td", { title: r.PerformedBy || "" }, (r.PerformedBy || "").split(/[:/]/).pop()))),
    "No history records.");
  });
  fill(calcBox, async () => {
    const items = await listAll("GET", `/domains/${enc(domain)}/profile/${enc(id)}/calculated-attributes`, "Items");
    return table(["Attribute", "Value", "Partial"], items.map((a) => h("tr", {},
      h("td", {}, a.DisplayName || a.CalculatedAttributeName), h("td.num", {}, a.Value ?? ""),
      h("td", {}, a.IsDataPartial || ""))), "No calculated attributes.");
  });
}

// Objects per type, and the profile's search keys: its built-in ones and those its objects
// give through their types' key definitions.
async function loadObjects(domain, profile, objectsBox, keysBox) {
  let perType = [];
  await fill(objectsBox, async () => {
    const types = await listAll("GET", `/domains/${enc(domain)}/object-types`, "Items");
    perType = await Promise.all(types.map(async (t) => {
      const [def, objects] = await Promise.all([
        api.call("GET", `/domains/${enc(domain)}/object-types/${enc(t.ObjectTypeName)}`),
        listAll("POST", `/domains/${enc(domain)}/profiles/objects`, "Items", {
          body: { ObjectTypeName: t.ObjectTypeName, ProfileId: profile.ProfileId },
        }),
      ]);
      return { type: t.ObjectTypeName, def, objects };
    }));
    const shown = perType.filter((t) => t.objects.length);
    if (!shown.length) return h("p.muted.empty", {}, "No objects.");
    // One table per type, a column per top-level member; the raw JSON one click away.
    return shown.map((t) => {
      const parsed = t.objects.map((o) => F.parseObject(o.Object));
      const columns = [...new Set(parsed.flatMap((o) => Object.keys(o)))].slice(0, 10);
      return h("details.objects", { open: true },
        h("summary", {}, `${t.type} (${t.objects.length})`),
        table(columns, parsed.map((o) => h("tr", {}, columns.map((c) => h("td", {}, F.showValue(o[c])))))),
        h("details.raw", {}, h("summary", {}, "JSON"), t.objects.map((o) => h("pre", {}, F.prettyObject(o.Object)))));
    });
  });
  fill(keysBox, async () => {
    const keys = F.profileKeys(profile, perType);
    const add = h("button", {
      type: "button",
      onclick: () => formDialog("Add a search key", [
        field("Key name", "key", "", { required: true }), field("Value", "value", "", { required: true }),
      ], async (form) => {
        await api.call("POST", `/domains/${enc(domain)}/profiles/keys`, {
          body: { ProfileId: profile.ProfileId, KeyName: form.key.value.trim(), Values: [form.value.value] },
        });
        route();
      }, "Add"),
    }, "Add key…");
    return [table(["Key", "Value"], keys.map(([k, v]) => h("tr", {},
      h("td.mono", {}, k),
      h("td", {}, h("a", { href: "#", onclick: (ev) => { ev.preventDefault(); lastSearch.set(domain, { key: k, value: v }); location.hash = `#/d/${enc(domain)}`; } }, v)))),
    "No keys."), add];
  });
}

function editDialog(domain, profile) {
  const inputs = [];
  const text = (label, path) => {
    const el = field(label, path.join("."), F.get(profile, path) ?? "");
    inputs.push({ path, input: $("input", el), before: F.get(profile, path) ?? "" });
    return el;
  };
  const attrRows = h("div.attr-rows");
  const addAttr = (k = "", v = "") => attrRows.append(h("div.attr-row", {},
    h("input", { "aria-label": "Attribute name", value: k, "data-attr": "name", spellcheck: "false" }),
    h("input", { "aria-label": "Attribute value", value: v, "data-attr": "value", spellcheck: "false" }),
    h("button.quiet", { type: "button", "aria-label": `Remove attribute ${k}`, onclick: (ev) => ev.target.closest(".attr-row").remove() }, "✕")));
  for (const [k, v] of Object.entries(profile.Attributes || {})) addAttr(k, v);
  const body = [
    h("p.muted", {}, "Clear a field to remove its value (it is sent as \"\", as UpdateProfile documents)."),
    h("div.form-grid", {}, F.textFields.map(([name, label]) => text(label, [name]))),
    ...F.addressFields.map(([name, label]) => h("details", { open: !!profile[name] }, h("summary", {}, label),
      h("div.form-grid", {}, F.addressParts.map((part) => text(part, [name, part]))))),
    h("fieldset", {}, h("legend", {}, "Attributes"), attrRows,
      h("button", { type: "button", onclick: () => addAttr() }, "Add attribute")),
  ];
  formDialog(`Edit ${F.displayName(profile)}`, body, async () => {
    const update = { ProfileId: profile.ProfileId };
    for (const { path, input, before } of inputs) {
      const now = input.value;
      if (now === before) continue;
      if (path.length === 1) update[path[0]] = now;
      else (update[path[0]] ||= {})[path[1]] = now;
    }
    const attrs = {};
    const kept = new Set();
    for (const row of attrRows.children) {
      const k = $("[data-attr=name]", row).value.trim();
      const v = $("[data-attr=value]", row).value;
      if (!k) continue;
      kept.add(k);
      if ((profile.Attributes || {})[k] !== v) attrs[k] = v;
    }
    for (const k of Object.keys(profile.Attributes || {})) if (!kept.has(k)) attrs[k] = "";
    if (Object.keys(attrs).length) update.Attributes = attrs;
    await api.call("PUT", `/domains/${enc(domain)}/profiles`, { body: update });
    route();
  }, "Save");
}

function deleteDialog(domain, profile) {
  formDialog("Delete this profile?", [
    h("p", {}, `${F.displayName(profile)} (${profile.ProfileId}) and its keys go; this cannot be undone.`),
  ], async () => {
    await api.call("POST", `/domains/${enc(domain)}/profiles/delete`, { body: { ProfileId: profile.ProfileId } });
    location.hash = `#/d/${enc(domain)}`;
  }, "Delete");
}

// MergeProfiles with a field-source picker: one row per field whose values differ, one choice
// per profile, each sent in FieldSourceProfileIds.
function mergeDialog(domain, profiles) {
  const label = (p) => `${F.displayName(p)} · …${p.ProfileId.slice(-6)}`;
  const mainChoice = h("fieldset", {}, h("legend", {}, "Main profile (it remains; the others are merged into it)"),
    profiles.map((p, i) => h("label.check", {}, h("input", { type: "radio", name: "main", value: p.ProfileId, checked: i === 0 }), label(p))));
  const conflicts = F.mergeConflicts(profiles);
  const picker = conflicts.length
    ? h("div.table-wrap", {}, h("table.picker", {},
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Field"), profiles.map((p) => h("th", { scope: "col" }, label(p))))),
      h("tbody", {}, conflicts.map((c) => h("tr", {}, h("th", { scope: "row" }, c.label),
        profiles.map((p, i) => h("td", {}, h("label.check", {},
          h("input", { type: "radio", name: `src:${c.id}`, value: p.ProfileId, checked: i === 0, dataset: { source: c.id } }),
          c.show(p) || h("span.muted", {}, "(empty)")))))))))
    : h("p.muted", {}, "The profiles do not disagree on any field.");
  formDialog(`Merge ${profiles.length} profiles`, [mainChoice, h("h3", {}, "Keep each field from"), picker], async (form) => {
    const main = form.querySelector("input[name=main]:checked").value;
    const sources = {};
    // Every field the profiles disagree on is named, the main profile's own choices too: left
    // out, the server would be free to fill an empty main field from another profile.
    for (const input of form.querySelectorAll("input[data-source]:checked")) {
      const id = input.dataset.source;
      if (id.startsWith("Attributes.")) (sources.Attributes ||= {})[id.slice(11)] = input.value;
      else sources[id] = input.value;
    }
    const body = { MainProfileId: main, ProfileIdsToBeMerged: profiles.map((p) => p.ProfileId).filter((x) => x !== main) };
    if (Object.keys(sources).length) body.FieldSourceProfileIds = sources;
    await api.call("POST", `/domains/${enc(domain)}/profiles/objects/merge`, { body });
    location.hash = `#/d/${enc(domain)}/p/${enc(main)}`;
  }, "Merge");
  // The main profile's own column starts chosen, so a merge keeps its values unless told.
  const syncDefaults = () => {
    const main = $("input[name=main]:checked", $("#form-dialog")).value;
    for (const c of conflicts) {
      const mainRadio = $(`input[name="src:${CSS.escape(c.id)}"][value="${CSS.escape(main)}"]`, $("#form-dialog"));
      if (mainRadio) mainRadio.checked = true;
    }
  };
  mainChoice.addEventListener("change", syncDefaults);
}

// ---- routing and start --------------------------------------------------------------------

function route() {
  const parts = location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  if (config.signatureRequired && !credentials) {
    crumbs({ text: "Sign in" });
    view.replaceChildren(h("div.card.center", {},
      h("h1", {}, "Sign in"),
      h("p", {}, "This server verifies SigV4 signatures. Sign in with an access key from its credentials file."),
      h("button.primary", { type: "button", onclick: () => openSignIn() }, "Sign in")));
    openSignIn();
    return;
  }
  if (parts[0] === "d" && parts[1]) {
    if (parts[2] === "p" && parts[3]) viewProfile(parts[1], parts[3]);
    else viewDomain(parts[1], parts[2] || "profiles");
  } else {
    viewDomains();
  }
  // Focus moves into the new view (a screen reader reads it), unless the view put it on a field.
  if (!view.contains(document.activeElement)) view.focus({ preventScroll: true });
}

// "/" puts the focus in the page's search field (as on GitHub), unless a field has it already.
document.addEventListener("keydown", (ev) => {
  if (ev.key !== "/" || ev.ctrlKey || ev.metaKey || ev.altKey) return;
  const active = document.activeElement;
  if (active && (active.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName))) return;
  if (document.querySelector("dialog[open]")) return;
  const target = $("form.search [name=value]");
  if (!target) return;
  ev.preventDefault();
  target.focus();
  target.select();
});

async function start() {
  try {
    const response = await fetch("config.json", { cache: "no-store" });
    Object.assign(config, await response.json());
  } catch {
    // An older server without config.json: assume open mode in the default region.
  }
  const saved = sessionStorage.getItem("profiled.credentials");
  if (saved && config.signatureRequired) {
    try { credentials = JSON.parse(saved); } catch { sessionStorage.removeItem("profiled.credentials"); }
  }
  showIdentity();
  window.addEventListener("hashchange", route);
  route();
  document.body.dataset.ready = "true";
}

start();
