/**
 * The page with a real fleet's peer ids (issue 21, point 6): 20 libp2p ids (`12D3KooW…`, 52
 * characters), a silence and a disruption, at 1400 x 1000. Each row shows the end of its id (the
 * part that tells peers apart), the whole id on hover (title) and when copied (the cell's text);
 * the `silenced` badge is not cut off; no panel overflows; "1 name", not "1 names". The screenshot
 * goes to a temporary directory named in the test's diagnostics.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hasChromium, launchBrowser } from "../helpers/browser.js";
import { realLibp2pIds } from "../helpers/peer-ids.js";
import { PeerMonitorClient } from "../../src/client/client.js";
import { cleanup, client, natsServer, publishMetric, startMonitor, waitUntil } from "../helpers/nats.js";

const skip = !hasChromium() && "install Debian's chromium (apt-get install chromium)";

/** Where an element or a character is drawn (a DOMRect, as far as this test reads it). */
interface Box {
  left: number;
  right: number;
  width: number;
}

test("page - 20 libp2p ids, a silence and a disruption at 1400 x 1000: ends of ids, whole ids on hover and copy, the badge shown, nothing overflows", {
  skip,
}, async (t) => {
  const server = await natsServer(t);
  const monitor = await startMonitor(t, server, { http: { host: "127.0.0.1", port: 0 }, disruptionThreshold: 0.5, disruptionMinPeers: 10 });
  const nc = await client(t, server);
  const peers = realLibp2pIds(20).sort();
  const quiet = new Set<string>();
  const tick = () => peers.filter((p) => !quiet.has(p)).forEach((p) => publishMetric(nc, { n: "ping", p, v: "ok", ttlMs: 2_000 }));
  tick();
  const timer = setInterval(tick, 500);
  cleanup(t, () => clearInterval(timer));
  await waitUntil(() => monitor.supervisor.windowCount === 20, "20 windows");
  const pm = new PeerMonitorClient(nc);
  const silenced = peers[3]!;
  await pm.addSilence({ peer: silenced, forMs: 2 * 3_600_000, comment: "kernel update, back after the reboot of rack 12 (ticket OPS-4711)" });
  for (const p of peers.slice(8)) quiet.add(p);
  await waitUntil(() => monitor.disruptions.held === 12, "12 alerts held by the disruption", 15_000);

  const browser = await launchBrowser(t);
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  // tsx names the functions of a test (esbuild's keepNames); evaluated in the page they call its __name.
  await context.addInitScript("globalThis.__name = (f) => f;");
  const page = await context.newPage();
  await page.goto(`http://127.0.0.1:${monitor.httpPort}/`, { waitUntil: "load" });
  const dir = mkdtempSync(join(tmpdir(), "peermon-page-"));
  t.diagnostic(`screenshot: ${join(dir, "libp2p-1400x1000.png")}`);
  await page.screenshot({ path: join(dir, "libp2p-1400x1000.png") });

  assert.match(await page.locator("#meta").innerText(), /20 windows, 1 name ·/, '"1 name", not "1 names"');
  const layout = (await page.evaluate(`(() => {
    const overflowing = [...document.querySelectorAll(".panel, .panel table, #matrix")].filter((el) => el.scrollWidth > el.clientWidth + 1).map((el) => el.id || el.tagName);
    return { page: document.documentElement.scrollWidth, overflowing };
  })()`)) as { page: number; overflowing: string[] };
  assert.ok(layout.page <= 1400, `the page is ${layout.page} px wide`);
  assert.deepEqual(layout.overflowing, [], "no panel or table wider than its box");

  for (const peer of [peers[0]!, silenced, peers[19]!]) {
    const header = page.locator(`[data-peer="${peer}"] [role=rowheader]`);
    // In the page: DOM types are not in the tests' compiler settings, hence the `any`s.
    // biome-ignore lint/suspicious/noExplicitAny: the page's DOM, untyped here
    const seen = await header.evaluate((cell: any, id: string) => {
      // biome-ignore lint/suspicious/noExplicitAny: the page's DOM, untyped here
      const page = globalThis as any;
      const box = cell.getBoundingClientRect();
      const text = cell.querySelector(".pid");
      // Where the id's characters are drawn: its end must be inside the cell, the shared middle not.
      const charBox = (i: number) => {
        const walker = page.document.createTreeWalker(text, page.NodeFilter.SHOW_TEXT);
        let at = i;
        let node = walker.nextNode();
        while (node && at >= (node.textContent ?? "").length) {
          at -= (node.textContent ?? "").length;
          node = walker.nextNode();
        }
        const range = page.document.createRange();
        range.setStart(node, at);
        range.setEnd(node, at + 1);
        return range.getBoundingClientRect() as Box;
      };
      const inside = (r: Box) => r.width > 0 && r.left >= box.left - 0.5 && r.right <= box.right + 0.5;
      const badge = cell.querySelector(".muted")?.getBoundingClientRect();
      return {
        text: text.textContent,
        title: cell.getAttribute("title"),
        lastSix: Array.from({ length: 6 }, (_, k) => inside(charBox(id.length - 1 - k))).every(Boolean),
        middle: inside(charBox(10)),
        head: inside(charBox(0)),
        badge: badge ? { inside: inside(badge), width: badge.width } : null,
      };
    }, peer);
    assert.equal(seen.text, peer, "the cell's text is the whole id: what a copy gets");
    assert.equal(seen.title, peer, "the whole id on hover");
    assert.ok(seen.lastSix && seen.head, `the id's kind and its end are shown: ${JSON.stringify(seen)}`);
    assert.equal(seen.middle, false, "the part every libp2p id shares is what gives way");
    if (peer === silenced)
      assert.deepEqual(seen.badge && { inside: seen.badge.inside, shown: seen.badge.width > 20 }, { inside: true, shown: true }, "the silenced badge is whole");
  }
  const silenceRow = await page.locator("#silences tr").first().innerText();
  assert.match(silenceRow, /12D3/);
  assert.equal(await page.locator("#silences td").first().getAttribute("title"), silenced);
  assert.match(await page.locator("#disruption").innerText(), /ping\s+60\.0% of its peers late or expired \(12\)/);
});
