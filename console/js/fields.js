// What the console knows of the Profile shape (the model's Profile, UpdateProfileRequest and
// FieldSourceProfileIds members) and the pure helpers the views use. No DOM here.

export const builtInKeys = ["_fullName", "_email", "_phone", "_account", "_profileId"];

// Editable string members of a profile, in the order a person reads them.
export const textFields = [
  ["FirstName", "First name"], ["MiddleName", "Middle name"], ["LastName", "Last name"],
  ["EmailAddress", "Email"], ["PersonalEmailAddress", "Personal email"],
  ["BusinessEmailAddress", "Business email"], ["PhoneNumber", "Phone"],
  ["MobilePhoneNumber", "Mobile phone"], ["HomePhoneNumber", "Home phone"],
  ["BusinessPhoneNumber", "Business phone"], ["AccountNumber", "Account number"],
  ["BusinessName", "Business name"], ["BirthDate", "Birth date"], ["GenderString", "Gender"],
  ["PartyTypeString", "Party type"], ["AdditionalInformation", "Additional information"],
];

export const newProfileFields = [
  ["FirstName", "First name"], ["LastName", "Last name"], ["EmailAddress", "Email"],
  ["PhoneNumber", "Phone"], ["AccountNumber", "Account number"],
];

export const addressFields = [
  ["Address", "Address"], ["ShippingAddress", "Shipping address"],
  ["MailingAddress", "Mailing address"], ["BillingAddress", "Billing address"],
];

export const addressParts = [
  "Address1", "Address2", "Address3", "Address4", "City", "County", "State", "Province",
  "Country", "PostalCode",
];

// FieldSourceProfileIds members other than Attributes (a map, offered key by key).
const mergeable = [
  "FirstName", "MiddleName", "LastName", "AccountNumber", "AdditionalInformation", "PartyType",
  "BusinessName", "BirthDate", "Gender", "PhoneNumber", "MobilePhoneNumber", "HomePhoneNumber",
  "BusinessPhoneNumber", "EmailAddress", "PersonalEmailAddress", "BusinessEmailAddress",
  "Address", "ShippingAddress", "MailingAddress", "BillingAddress", "ProfileType",
  "EngagementPreferences",
];

export function get(obj, path) {
  return path.reduce((o, k) => (o == null ? undefined : o[k]), obj);
}

export function fullName(p) {
  return [p.FirstName, p.MiddleName, p.LastName].filter(Boolean).join(" ");
}

export function displayName(p) {
  return fullName(p) || p.BusinessName || p.EmailAddress || p.AccountNumber || p.ProfileId;
}

export function parseObject(text) {
  try {
    const v = JSON.parse(text);
    return v && typeof v === "object" && !Array.isArray(v) ? v : { value: v };
  } catch {
    return { value: text };
  }
}

export function showValue(value) {
  if (value === undefined || value === null) return "";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

function show(value) {
  if (value === undefined || value === null || value === "") return "";
  if (typeof value !== "object") return String(value);
  return Object.entries(value).map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : v}`).join(", ");
}

// [label, text] for every member the profile has, nested members as "Address.City".
export function flatten(profile) {
  const out = [];
  for (const [k, v] of Object.entries(profile)) {
    if (k === "FoundByItems") continue;
    if (v && typeof v === "object" && !Array.isArray(v)) {
      for (const [k2, v2] of Object.entries(v)) out.push([`${k}.${k2}`, show(v2)]);
    } else {
      out.push([k, show(v)]);
    }
  }
  return out;
}

export function prettyObject(text) {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

// The value at an object type field's Source ("_source.a.b") in a parsed object.
function sourceValue(object, source) {
  if (!source || !source.startsWith("_source.")) return undefined;
  return get(object, source.slice("_source.".length).split("."));
}

// [key name, value] pairs the profile can be found by: the built-in keys (as Profiled derives
// them, service/search_keys.cc) and each object's keys under its type's definition (keys of one
// field; a key over several fields is left out rather than guessed).
export function profileKeys(profile, perType) {
  const keys = [["_profileId", profile.ProfileId]];
  const name = fullName(profile);
  if (name) keys.push(["_fullName", name]);
  for (const m of ["EmailAddress", "PersonalEmailAddress", "BusinessEmailAddress"]) if (profile[m]) keys.push(["_email", profile[m]]);
  for (const m of ["PhoneNumber", "MobilePhoneNumber", "HomePhoneNumber", "BusinessPhoneNumber"]) if (profile[m]) keys.push(["_phone", profile[m]]);
  if (profile.AccountNumber) keys.push(["_account", profile.AccountNumber]);
  for (const { def, objects } of perType || []) {
    for (const [keyName, defs] of Object.entries(def.Keys || {})) {
      for (const d of defs) {
        if ((d.FieldNames || []).length !== 1) continue;
        const source = def.Fields?.[d.FieldNames[0]]?.Source;
        for (const o of objects) {
          let parsed;
          try { parsed = JSON.parse(o.Object); } catch { continue; }
          const v = sourceValue(parsed, source);
          if (v !== undefined && v !== null && v !== "") keys.push([keyName, String(v)]);
        }
      }
    }
  }
  const seen = new Set();
  return keys.filter(([k, v]) => {
    const id = `${k}\u0000${v}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

// The fields on which the profiles disagree: {id (a FieldSourceProfileIds member, or
// "Attributes.<key>"), label, show(profile) -> text}.
export function mergeConflicts(profiles) {
  const out = [];
  const differs = (values) => new Set(values.map((v) => JSON.stringify(v ?? null))).size > 1;
  for (const m of mergeable) {
    if (differs(profiles.map((p) => p[m]))) out.push({ id: m, label: m, show: (p) => show(p[m]) });
  }
  const attrKeys = new Set(profiles.flatMap((p) => Object.keys(p.Attributes || {})));
  for (const k of [...attrKeys].sort()) {
    if (differs(profiles.map((p) => p.Attributes?.[k]))) {
      out.push({ id: `Attributes.${k}`, label: `Attributes.${k}`, show: (p) => show(p.Attributes?.[k]) });
    }
  }
  return out;
}
