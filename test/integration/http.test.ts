import { test } from "node:test";
import assert from "node:assert/strict";
import { encode } from "../../src/api/codec.js";
import type { StatusSnapshot } from "../../src/actors/window-status.js";
import { PeerMonitorClient } from "../../src/client/client.js";
import { hasChromium, launchBrowser } from "../helpers/browser.js";
import { AlertCollector, client, natsServer, publishMetric, startMonitor, waitUntil } from "../helpers/nats.js";

async function monitorWithHttp(t: Parameters<typeof natsServer>[0]) {
  const server = await natsServer(t);
  const monitor = await startMonitor(t, server, { http: { host: "127.0.0.1", port: 0 } });
  const port = monitor.httpPort!; // the system assigned it: nothing takes it between picking and binding
  const nc = await client(t, server);
  return { monitor, nc, base: `http://127.0.0.1:${port}` };
}

test("http - /metrics exposes counters, windows per state, alerts, the detection lag and the event loop", async (t) => {
  const { monitor, nc, base } = await monitorWithHttp(t);
  const alerts = await AlertCollector.start(t, nc);
  publishMetric(nc, { n: "ping", p: "P1", ttlMs: 0 });
  publishMetric(nc, { n: "ping", p: "P2", ttlMs: 60_000 });
  nc.publish("peermon.metrics.ping.P3", new Uint8Array([0x82]));
  await alerts.waitFor((a) => a.length === 1, "the firing alert");
  await waitUntil(() => monitor.stats.rejectedTotal() === 1, "the rejection");
  const res = await fetch(`${base}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /text\/plain/);
  const body = await res.text();
  for (const line of [
    /^peermon_metric_messages_received_total 3$/m,
    /^peermon_metric_messages_stored_total 2$/m,
    /^peermon_rejected_total\{reason="undecodable"\} 1$/m,
    /^peermon_windows\{name="ping",state="alerted"\} 1$/m,
    /^peermon_windows\{name="ping",state="healthy"\} 1$/m,
    /^peermon_alerts_total\{kind="firing"\} 1$/m,
    /^peermon_detection_lag_seconds_count 1$/m,
    /^peermon_nats_link_up 1$/m,
    /^peermon_checkpoint_failures_total 0$/m,
    /^peermon_metrics_stale_total 0$/m,
    /^peermon_info\{shard="all",prefix="peermon",version="[^"]+"\} 1$/m,
    /^nodejs_eventloop_lag_seconds \d/m,
  ]) {
    assert.match(body, line);
  }
  assert.doesNotMatch(body, /^peermon_metrics_(received|stored|ignored)_total /m, "no deprecated aliases in an unreleased version");
});

test("http - /events streams status snapshots: names, states per peer, troubled peers first", async (t) => {
  const { nc, base } = await monitorWithHttp(t);
  const alerts = await AlertCollector.start(t, nc);
  publishMetric(nc, { n: "ping", p: "A-live", v: "ok", ttlMs: 60_000 });
  publishMetric(nc, { n: "ping", p: "Z-dead", ttlMs: 0 });
  await alerts.waitFor((a) => a.length === 1, "Z-dead's alert");
  const controller = new AbortController();
  const res = await fetch(`${base}/events`, { signal: controller.signal });
  assert.equal(res.headers.get("content-type"), "text/event-stream");
  const reader = res.body!.getReader();
  let text = "";
  while (!text.includes("\n\n")) text += new TextDecoder().decode((await reader.read()).value);
  controller.abort();
  const snapshot = JSON.parse(text.slice("data: ".length, text.indexOf("\n\n"))) as StatusSnapshot;
  assert.deepEqual(snapshot.names.ping!.counts, { healthy: 1, expired: 0, alerted: 1 });
  assert.deepEqual(
    snapshot.names.ping!.peers.map((p) => [p.peer, p.state]),
    [
      ["Z-dead", "alerted"],
      ["A-live", "healthy"],
    ],
  );
});

test("http - the status page shows each name's peers and states, live, in a real browser", {
  skip: !hasChromium() && "install Debian's chromium (apt-get install chromium)",
}, async (t) => {
  const { nc, base } = await monitorWithHttp(t);
  const browser = await launchBrowser(t);
  const page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
  await page.goto(base);
  await page.waitForSelector("#empty");
  for (const p of ["P1", "P2", "P3"]) publishMetric(nc, { n: "freespace", p, v: `${p}-space`, ttlMs: 60_000 });
  nc.publish("peermon.metrics.ping.P9", encode({ n: "ping", p: "P9", d: true, l: 0 }));
  await page.waitForSelector('#matrix [data-peer="P3"] .h', { timeout: 10_000 });
  await page.waitForSelector('#matrix [data-peer="P9"] .a', { timeout: 10_000 });
  assert.match(await page.locator('[role=columnheader][data-name="freespace"]').innerText(), /3 healthy/);
  assert.match(await page.locator('#matrix [data-peer="P2"]').innerText(), /P2-space/);
  const shot = await page.screenshot({ fullPage: true });
  assert.ok(shot.length > 10_000, "a screenshot with real content");
  // The rendered pixels hold the alerted cell's red (#fde0e0 background) and the healthy green.
  const colors = (await page.evaluate("[...document.querySelectorAll('#matrix [role=cell]')].map((el) => getComputedStyle(el).backgroundColor)")) as string[];
  assert.ok(colors.includes("rgb(253, 224, 224)"), "an alerted cell is drawn");
  assert.ok(colors.includes("rgb(220, 245, 227)"), "healthy cells are drawn");
});

test("http - /metrics counts queries by endpoint and outcome with their durations, refused queries and the peerset size", async (t) => {
  const { monitor, nc, base } = await monitorWithHttp(t);
  const pm = new PeerMonitorClient(nc);
  const scrape = async () => (await fetch(`${base}/metrics`)).text();
  assert.match(await scrape(), /^peermon_peerset_known 0$/m, "no peerset yet");
  publishMetric(nc, { n: "ping", p: "P1", ttlMs: 60_000 });
  await waitUntil(() => monitor.stats.metricsStored === 1, "the metric stored");
  await pm.latest("ping");
  await pm.latest("ping");
  await assert.rejects(pm.latest("pnig"));
  await pm.latestForPeer("ping", "P1");
  await pm.names();
  nc.publish("peermon.latest.ping", undefined, { reply: "peermon.alerts.ping.P1" });
  await pm.setPeers(["P1", "P2", "P3"]);
  await waitUntil(() => monitor.stats.queriesRefused === 1 && monitor.supervisor.currentPeerSet?.peers.length === 3, "refused, and the peerset");

  const body = await scrape();
  for (const line of [
    /^peermon_queries_total\{endpoint="latest",outcome="ok"\} 2$/m,
    /^peermon_queries_total\{endpoint="latest",outcome="not_found"\} 1$/m,
    /^peermon_queries_total\{endpoint="peer",outcome="ok"\} 1$/m,
    /^peermon_queries_total\{endpoint="names",outcome="ok"\} 1$/m,
    /^peermon_query_duration_seconds_count\{endpoint="latest"\} 3$/m,
    /^peermon_query_duration_seconds_bucket\{le="2.5",endpoint="peer"\} 1$/m,
    /^peermon_queries_refused_total 1$/m,
    /^peermon_peerset_peers 3$/m,
    /^peermon_peerset_known 1$/m,
    /^peermon_metric_messages_received_total 1$/m,
    /^# HELP peermon_metric_messages_received_total Metric messages received from peers/m,
  ]) {
    assert.match(body, line);
  }
});
