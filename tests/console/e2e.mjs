// Drives the web console (/console/) in headless Chromium like a person: sign in (when the
// server wants signatures), create a domain and profiles, search, edit (set and remove fields),
// merge with a field-source picker, delete a profile and a domain; browse object types and
// segments. Screenshots go
// to SCREENSHOT_DIR. Run by tests/integration/test_console.py, which seeds a domain first and
// checks through boto3 afterwards what the console did; this script prints one JSON line
// "RESULT {...}" with the names and ids it made.
//
// Environment: PROFILED_URL (http://127.0.0.1:PORT), SCREENSHOT_DIR, CHROMIUM (default
// /usr/bin/chromium), SEEDED_DOMAIN (a domain with an object type and a segment definition),
// and for a signed server ACCESS_KEY_ID and SECRET_ACCESS_KEY.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";

const base = process.env.PROFILED_URL;
const shots = process.env.SCREENSHOT_DIR;
const seeded = process.env.SEEDED_DOMAIN;
const signed = !!process.env.ACCESS_KEY_ID;
const mode = signed ? "signed" : "open";
fs.mkdirSync(shots, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
let step = 0;
const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
const pageErrors = [];
page.on("pageerror", (e) => pageErrors.push(String(e)));
page.on("console", (m) => { if (m.type() === "error") pageErrors.push(m.text()); });
page.setDefaultTimeout(15000);

async function shot(name) {
  const file = path.join(shots, `${String(++step).padStart(2, "0")}-${mode}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`screenshot ${file}`);
}

// Waits until no spinner is left in the view (every section has answered).
async function settled() {
  await page.waitForFunction(() => !document.querySelector("#view .loading, #view .spinner"));
}

const dialog = page.locator("#form-dialog");

async function submitDialog(values) {
  for (const [name, value] of Object.entries(values)) {
    await dialog.locator(`[name="${name}"]`).fill(value);
  }
  await dialog.locator(`[name="${Object.keys(values).at(-1)}"]`).press("Enter");
  await dialog.waitFor({ state: "hidden" });
}

async function searchFor(domain, key, value) {
  await page.goto(`${base}/console/#/d/${encodeURIComponent(domain)}`);
  await page.locator("form.search [name=key]").fill(key);
  await page.locator("form.search [name=value]").fill(value);
  await page.locator("form.search [name=value]").press("Enter");
  await settled();
}

try {
  // The bare /console redirects to /console/.
  await page.goto(`${base}/console`);
  assert.match(page.url(), /\/console\/$/);
  await page.waitForSelector("body[data-ready=true]");

  if (signed) {
    const signIn = page.locator("#sign-in-dialog");
    await signIn.waitFor({ state: "visible" });
    // A wrong secret is refused by the server with AWS's error.
    await signIn.locator("[name=accessKeyId]").fill(process.env.ACCESS_KEY_ID);
    await signIn.locator("[name=secretAccessKey]").fill("not-the-secret");
    await signIn.locator("[name=secretAccessKey]").press("Enter");
    await signIn.locator(".error").waitFor({ state: "visible" });
    assert.match(await signIn.locator(".error").innerText(), /SignatureDoesNotMatch|InvalidSignature|signature/i);
    await shot("sign-in-refused");
    await signIn.locator("[name=secretAccessKey]").fill(process.env.SECRET_ACCESS_KEY);
    await signIn.locator("[name=secretAccessKey]").press("Enter");
    await signIn.waitFor({ state: "hidden" });
    assert.match(await page.locator("#identity").innerText(), new RegExp(process.env.ACCESS_KEY_ID));
  } else {
    assert.match(await page.locator("#identity").innerText(), /Open mode/);
  }

  // Create a domain through the UI (Enter submits the dialog).
  const domain = `console-${mode}-${Date.now().toString(36)}`;
  await page.locator("button", { hasText: "New domain" }).click();
  await submitDialog({ name: domain, days: "30" });
  await page.waitForURL(new RegExp(`#/d/${domain}`));

  // Esc closes a dialog without doing anything.
  await page.locator("button", { hasText: "New profile" }).click();
  await dialog.waitFor({ state: "visible" });
  await page.keyboard.press("Escape");
  await dialog.waitFor({ state: "hidden" });

  // Three profiles; creating one opens it.
  const ids = [];
  const people = [
    { FirstName: "Ada", LastName: "Lovelace", EmailAddress: "ada@example.com", PhoneNumber: "+15550100", AccountNumber: "ACC-1" },
    { FirstName: "Ada", LastName: "Lovelace", EmailAddress: "countess@example.com", PhoneNumber: "+15550199", AccountNumber: "ACC-2" },
    { FirstName: "Charles", LastName: "Babbage", EmailAddress: "charles@example.com" },
  ];
  for (const person of people) {
    await page.goto(`${base}/console/#/d/${encodeURIComponent(domain)}`);
    await page.locator("button", { hasText: "New profile" }).click();
    await submitDialog(person);
    await page.waitForURL(/#\/d\/[^/]+\/p\/[0-9a-f]{32}$/);
    ids.push(decodeURIComponent(page.url().split("/p/")[1]));
    await settled();
  }

  // Keyboard: a domain's page puts the focus on the search value; typing and Enter search.
  await page.goto(`${base}/console/#/d/${encodeURIComponent(domain)}`);
  await page.waitForFunction(() => document.activeElement?.name === "value");
  assert.equal(await page.locator("form.search [name=key]").inputValue(), "_fullName");
  await page.keyboard.type("Ada Lovelace");
  await page.keyboard.press("Enter");
  await settled();
  assert.equal(await page.locator(".results tbody tr").count(), 2);

  // Search by a built-in key: both Adas, and not Charles.
  await searchFor(domain, "_fullName", "Ada Lovelace");
  assert.equal(await page.locator(".results tbody tr").count(), 2);
  await searchFor(domain, "_email", "charles@example.com");
  assert.equal(await page.locator(".results tbody tr").count(), 1);
  await searchFor(domain, "_fullName", "Ada Lovelace");
  await shot("search");

  // Edit the first Ada: set a business name and an attribute, remove her account number.
  await page.goto(`${base}/console/#/d/${encodeURIComponent(domain)}/p/${ids[0]}`);
  await settled();
  await page.locator("button", { hasText: "Edit fields" }).click();
  await dialog.locator("[name=BusinessName]").fill("Analytical Engines Ltd");
  await dialog.locator("[name=AccountNumber]").fill("");
  await dialog.locator("button", { hasText: "Add attribute" }).click();
  await dialog.locator("[data-attr=name]").last().fill("tier");
  await dialog.locator("[data-attr=value]").last().fill("gold");
  await dialog.locator("[name=BusinessName]").press("Enter");
  await dialog.waitFor({ state: "hidden" });
  await settled();
  const fields = await page.locator("dl").innerText();
  assert.match(fields, /Analytical Engines Ltd/);
  assert.match(fields, /Attributes\.tier\s+gold/);
  assert.doesNotMatch(fields, /ACC-1/);

  // Merge the two Adas: the first stays, the email is taken from the second.
  await searchFor(domain, "_fullName", "Ada Lovelace");
  for (const id of ids.slice(0, 2)) {
    await page.locator(".results tr", { hasText: id }).locator("input[type=checkbox]").check();
  }
  await page.locator("button", { hasText: "Merge 2 profiles" }).click();
  await dialog.locator(`input[name=main][value="${ids[0]}"]`).check();
  await dialog.locator(`input[name="src:EmailAddress"][value="${ids[1]}"]`).check();
  await shot("merge-picker");
  await dialog.locator("button[type=submit]").click();
  await dialog.waitFor({ state: "hidden" });
  await page.waitForURL(new RegExp(`/p/${ids[0]}$`));
  await settled();
  assert.match(await page.locator("dl").innerText(), /countess@example\.com/);
  // Its history shows the records of what happened to it.
  assert.ok((await page.locator("section", { hasText: "History" }).locator("tbody tr").count()) >= 1);
  await shot("profile-after-merge");

  // Delete Charles.
  await page.goto(`${base}/console/#/d/${encodeURIComponent(domain)}/p/${ids[2]}`);
  await settled();
  await page.locator("button", { hasText: "Delete" }).click();
  await dialog.locator("button[type=submit]").click();
  await page.waitForURL(new RegExp(`#/d/${domain}$`));
  await searchFor(domain, "_email", "charles@example.com");
  assert.match(await page.locator(".results").innerText(), /No profile has/);

  // "/" brings the focus back to the search field from anywhere on the page.
  await page.locator("h1").click();
  await page.keyboard.press("/");
  assert.equal(await page.evaluate(() => document.activeElement?.name), "value");

  // Delete a domain: its name must be typed; a wrong one is refused in the dialog.
  const doomed = `doomed-${mode}-${Date.now().toString(36)}`;
  await page.goto(`${base}/console/#/`);
  await page.locator("button", { hasText: "New domain" }).click();
  await submitDialog({ name: doomed, days: "7" });
  await page.waitForURL(new RegExp(`#/d/${doomed}`));
  await page.locator("button", { hasText: "Delete domain" }).click();
  await dialog.locator("[name=confirm]").fill("not-its-name");
  await dialog.locator("[name=confirm]").press("Enter");
  await dialog.locator(".error").waitFor({ state: "visible" });
  assert.match(await dialog.locator(".error").innerText(), /NotConfirmed/);
  await shot("delete-domain-confirm");
  await submitDialog({ confirm: doomed });
  await page.waitForURL(/#\/$/);
  await settled();
  assert.doesNotMatch(await page.locator("#view").innerText(), new RegExp(doomed));

  // A missing domain shows AWS's error type and message.
  await page.goto(`${base}/console/#/d/no-such-domain-${mode}`);
  await page.locator(".error-box").first().waitFor();
  assert.match(await page.locator(".error-box").first().innerText(), /ResourceNotFoundException/);

  // The seeded domain: its object type with its keys, its segment with a count or "—".
  await page.goto(`${base}/console/#/d/${encodeURIComponent(seeded)}/types`);
  await settled();
  await page.locator("button.link", { hasText: "Order" }).click();
  await settled();
  assert.match(await page.locator(".detail").innerText(), /OrderId[\s\S]*UNIQUE/);
  await shot("object-types");
  await page.goto(`${base}/console/#/d/${encodeURIComponent(seeded)}/segments`);
  await settled();
  const count = (await page.locator("tbody tr td.num").first().innerText()).trim();
  assert.ok(/\d/.test(count) || count === "—", `segment count cell: ${count}`);
  await shot("segments");

  // The domains list with their stats; and the seeded profile's page for the README.
  await page.goto(`${base}/console/#/`);
  await settled();
  assert.ok((await page.locator("tbody tr").count()) >= 2);
  await shot("domains");
  await searchFor(seeded, "_fullName", "Grace Hopper");
  await page.locator(".results a").first().click();
  await settled();
  // Its objects per type, the keys they give, and its calculated attribute (12 + 30).
  assert.match(await page.locator("section", { hasText: "Objects" }).innerText(), /Order \(2\)[\s\S]*o-2/);
  assert.match(await page.locator("section", { hasText: "Search keys" }).innerText(), /OrderId\s+o-1/);
  assert.match(await page.locator("section", { hasText: "Calculated attributes" }).innerText(), /Total spend\s+42/);
  await shot("profile");

  // Small screens: one column, nothing wider than the viewport.
  await page.setViewportSize({ width: 390, height: 844 });
  await settled();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `page is ${overflow}px wider than a phone`);
  await shot("profile-phone");

  // A refused request (4xx, and 501 where an operation is not served) is logged by the browser.
  assert.deepEqual(pageErrors.filter((e) => !/status of (4\d\d|501)/.test(e)), []);
  console.log("RESULT " + JSON.stringify({ domain, ids, deleted: doomed }));
} catch (e) {
  await shot("failure").catch(() => {});
  console.error(e);
  process.exitCode = 1;
} finally {
  await browser.close();
}
