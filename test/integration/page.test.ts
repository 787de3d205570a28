/**
 * The operator page in a real headless Chromium, against a monitor on a real nats-server with
 * 1,000 peers x 4 names: the first paint is rendered on the server (measured, at most 1 s), works
 * without JavaScript, stays live through server-sent events, and falls back to polling when a
 * proxy buffers them. Screenshots go to a temporary directory named in the test's diagnostics.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { hasChromium, launchBrowser } from "../helpers/browser.js";
import { PeerMonitorClient } from "../../src/client/client.js";
import { AlertCollector, cleanup, client, natsServer, publishMetric, publishPeerSet, startMonitor, waitUntil } from "../helpers/nats.js";

const NAMES = ["freespace", "numpin", "ping", "pinqueue"];
const PEERS = Array.from({ length: 1_000 }, (_, i) => `P${String(i).padStart(4, "0")}`);
/** The last three members report ping only: never seen for the other names. */
const PING_ONLY = new Set(PEERS.slice(-3));
const FIRST_PAINT_BUDGET_MS = 1_000;
const skip = !hasChromium() && "install Debian's chromium (apt-get install chromium)";

/** A monitor holding 1,000 peers x 4 names: five alerted, one that flapped twice, three never seen for three names. */
async function fleet(t: Parameters<typeof natsServer>[0]) {
  const server = await natsServer(t);
  const monitor = await startMonitor(t, server, { http: { host: "127.0.0.1", port: 0 } });
  const port = monitor.httpPort!; // the system assigned it: nothing takes it between picking and binding
  const nc = await client(t, server);
  const alerts = await AlertCollector.start(t, nc);
  publishPeerSet(nc, PEERS);
  await waitUntil(() => monitor.supervisor.currentPeerSet?.peers.length === PEERS.length, "the peerset applied");
  for (const p of PEERS) {
    for (const n of NAMES) if (n === "ping" || !PING_ONLY.has(p)) publishMetric(nc, { n, p, v: `${n}-${p}`, ttlMs: 120_000 });
  }
  await waitUntil(() => monitor.supervisor.windowCount === PEERS.length * 4 - 9, "every window", 30_000);
  for (let flap = 1; flap <= 2; flap++) {
    publishMetric(nc, { n: "ping", p: "P0005", ttlMs: 200 });
    await alerts.waitFor((a) => a.filter((x) => x.kind === "firing" && x.peer === "P0005").length === flap, `P0005 fired (${flap})`);
    publishMetric(nc, { n: "ping", p: "P0005", ttlMs: 120_000 });
    await alerts.waitFor((a) => a.filter((x) => x.kind === "resolved" && x.peer === "P0005").length === flap, `P0005 back (${flap})`);
  }
  for (const p of PEERS.slice(0, 5)) publishMetric(nc, { n: "ping", p, ttlMs: 0 });
  await alerts.waitFor((a) => a.filter((x) => x.kind === "firing" && x.id === x.episode).length === 7, "five peers alerted");
  await waitUntil(() => monitor.views.historyOf("ping", "P0005")?.flaps === 2, "P0005's flaps in the history");
  return { nc, alerts, base: `http://127.0.0.1:${port}/` };
}

/** Screenshots of this test, in a fresh temporary directory named in the diagnostics. */
function shots(t: { diagnostic(message: string): void }) {
  const dir = mkdtempSync(join(tmpdir(), "peermon-page-"));
  t.diagnostic(`screenshots in ${dir}`);
  return (name: string) => join(dir, `${name}.png`);
}

interface Timing {
  /** First contentful paint, ms after navigation start; null when the browser recorded none. */
  fcp: number | null;
  /** DOMContentLoaded: the whole server-rendered matrix parsed. */
  dcl: number;
  response: number;
  bytes: number;
}

/** The load's timing, once the browser has recorded its first contentful paint (or after 5 s without one). */
function timingOf(page: Page): Promise<Timing> {
  return page.evaluate(`new Promise((resolve) => {
    const done = () => {
      const nav = performance.getEntriesByType("navigation")[0];
      const fcp = performance.getEntriesByName("first-contentful-paint")[0];
      resolve({ fcp: fcp ? fcp.startTime : null, dcl: nav.domContentLoadedEventEnd, response: nav.responseEnd, bytes: nav.encodedBodySize });
    };
    if (performance.getEntriesByName("first-contentful-paint").length > 0) return done();
    new PerformanceObserver(done).observe({ type: "paint", buffered: true });
    setTimeout(done, 5000);
  })`) as Promise<Timing>;
}

async function open(browser: Browser, url: string, javaScriptEnabled = true) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, javaScriptEnabled });
  const page = await context.newPage();
  return { context, page, response: await page.goto(url, { waitUntil: "load" }) };
}

test("page - 1,000 peers x 4 names: the first paint is rendered on the server within 1 s, then stays live", { skip }, async (t) => {
  const { nc, alerts, base } = await fleet(t);
  const browser = await launchBrowser(t);
  const shot = shots(t);
  // Three loads, each its own first paint: the median stands for the page, not for a moment when
  // the shared machine was busy elsewhere.
  const loads: Timing[] = [];
  let page!: Page;
  for (let i = 0; i < 3; i++) {
    if (page) await page.context().close();
    ({ page } = await open(browser, base));
    loads.push(await timingOf(page));
  }
  for (const [i, l] of loads.entries()) {
    t.diagnostic(
      `load ${i + 1}: first contentful paint ${l.fcp?.toFixed(0)} ms, whole matrix parsed (DOMContentLoaded) ${l.dcl.toFixed(0)} ms, ` +
        `response ${l.response.toFixed(0)} ms, ${(l.bytes / 1024).toFixed(0)} KiB of HTML`,
    );
  }
  await page.screenshot({ path: shot("first-paint") });
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[1]!;
  const fcp = median(loads.map((l) => l.fcp ?? Infinity));
  assert.ok(fcp <= FIRST_PAINT_BUDGET_MS, `first paint ${fcp} ms (median of 3)`);
  assert.ok(median(loads.map((l) => l.dcl)) <= FIRST_PAINT_BUDGET_MS, "the whole matrix within the budget");

  assert.equal(await page.locator("#matrix .chunk [role=row]").count(), PEERS.length, "one row per peer");
  assert.deepEqual(
    await page.locator("#matrix .chunk [role=rowheader]").evaluateAll((ths) => ths.slice(0, 8).map((th) => th.textContent)),
    ["P0000", "P0001", "P0002", "P0003", "P0004", "P0997", "P0998", "P0999"],
    "alerted peers first, then the never-seen ones",
  );
  const alerted = page.locator('[data-peer="P0000"] .a');
  assert.match(await alerted.innerText(), /^silent for \d+s$/, "silent for, not a negative expiry");
  assert.equal(await page.locator('[data-peer="P0999"] .n').count(), 3, "never seen for three names");
  assert.match(await page.locator('[role=columnheader][data-name="ping"]').innerText(), /5 alerted/);
  assert.match(await page.locator('[role=columnheader][data-name="freespace"]').innerText(), /3 never seen/);
  assert.match((await page.locator('[data-peer="P0005"] .hist').getAttribute("title")) ?? "", /ping: \d+(\.\d)?% available, 2 flaps/);
  assert.match(await page.locator("#meta").innerText(), /shard all · NATS link ok · 3991 windows, 4 names · 1000 peers in the peerset/);
  assert.match(await page.locator("#disruption").innerText(), /Disruption/);
  assert.match(await page.locator("#silences").innerText(), /Silences/);

  await page.waitForFunction(`document.getElementById("live").textContent === "live"`, undefined, { timeout: 10_000 });
  publishMetric(nc, { n: "numpin", p: "P0500", ttlMs: 0 });
  await alerts.waitFor((a) => a.some((x) => x.peer === "P0500"), "P0500 alerted");
  await page.waitForSelector('[data-peer="P0500"] .a', { state: "attached", timeout: 10_000 });
  await page.screenshot({ path: shot("live") });
});

test("page - works without JavaScript: the server-rendered matrix, reloaded every 10 s", { skip }, async (t) => {
  const { base } = await fleet(t);
  const browser = await launchBrowser(t);
  const shot = shots(t);
  const { page } = await open(browser, base, false);
  assert.equal(await page.locator("#matrix .chunk [role=row]").count(), PEERS.length);
  assert.equal(await page.locator("#matrix .chunk .a").count(), 5, "the five alerted cells");
  assert.equal(await page.locator('meta[http-equiv="refresh"]').count(), 1, "a reload stands in for the live updates");
  await page.screenshot({ path: shot("no-javascript") });
});

test("page - behind a proxy that buffers server-sent events, it polls and stays live", { skip }, async (t) => {
  const { nc, alerts, base } = await fleet(t);
  const browser = await launchBrowser(t);
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.route("**/live", () => {}); // never answered: what a buffering proxy looks like to the page
  const page = await context.newPage();
  await page.goto(base);
  publishMetric(nc, { n: "pinqueue", p: "P0600", ttlMs: 0 });
  await alerts.waitFor((a) => a.some((x) => x.peer === "P0600"), "P0600 alerted");
  await page.waitForSelector('[data-peer="P0600"] .a', { state: "attached", timeout: 15_000 });
  assert.equal(await page.locator("#live").innerText(), "live (polling)");
  await page.screenshot({ path: shots(t)("polling") });
});

test("page - the disruption and silence panels show what the monitor holds", { skip }, async (t) => {
  const server = await natsServer(t);
  const monitor = await startMonitor(t, server, { http: { host: "127.0.0.1", port: 0 }, disruptionThreshold: 0.5, disruptionMinPeers: 10 });
  const port = monitor.httpPort!; // the system assigned it: nothing takes it between picking and binding
  const nc = await client(t, server);
  const peers = Array.from({ length: 20 }, (_, i) => `Q${String(i).padStart(2, "0")}`);
  const quiet = new Set<string>();
  const tick = () => peers.filter((p) => !quiet.has(p)).forEach((p) => publishMetric(nc, { n: "ping", p, ttlMs: 2_000 }));
  tick();
  const timer = setInterval(tick, 500);
  cleanup(t, () => clearInterval(timer));
  await waitUntil(() => monitor.supervisor.windowCount === 20, "20 windows");
  const pm = new PeerMonitorClient(nc);
  await pm.addSilence({ peer: "Q19", forMs: 2 * 3_600_000, comment: "kernel update" });
  for (const p of peers.slice(8)) quiet.add(p);
  await waitUntil(() => monitor.disruptions.held === 12, "12 alerts held by the disruption", 15_000);

  const browser = await launchBrowser(t);
  const { page } = await open(browser, `http://127.0.0.1:${port}/`);
  const disruption = await page.locator("#disruption").innerText();
  assert.match(disruption, /ping\s+60\.0% of its peers late or expired \(12\)\s+for \d+s\s+12 alerts held/);
  assert.match(await page.locator("#silences").innerText(), /Q19\s+all names\s+ends in 2h\s+kernel update/);
  assert.equal(await page.locator("#disruption.alarm").count(), 1, "an open disruption stands out");
  await page.screenshot({ path: shots(t)("panels") });
});
