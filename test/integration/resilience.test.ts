import { test } from "node:test";
import assert from "node:assert/strict";
import { pino } from "pino";
import { PeerMonitorClient } from "../../src/client/client.js";
import type { LinkReport } from "../../src/window/self-outage.js";
import { AlertCollector, cleanup, client, natsServer, publishMetric, quietPeriod, REPO_NATS_CONF, startMonitor, waitUntil } from "../helpers/nats.js";

test("shutdown - stopping twice (and concurrently) is fine", async (t) => {
  const server = await natsServer(t);
  const monitor = await startMonitor(t, server);
  await Promise.all([monitor.stop(), monitor.stop()]);
  await monitor.stop();
  assert.ok(monitor.nc.isClosed());
});

test("shutdown - a monitor whose server is gone still stops", async (t) => {
  const server = await natsServer(t);
  const monitor = await startMonitor(t, server);
  await server.kill();
  const started = Date.now();
  await monitor.stop();
  assert.ok(Date.now() - started < 10_000, "stop is bounded");
});

test("nats restart - no false alert for peers that kept publishing; a peer that died meanwhile is alerted once", async (t) => {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  const monitor = await startMonitor(t, server, { graceMs: 2_000 });
  const peers = await client(t, server, "peers");
  const watcher = await client(t, server, "watcher");
  const alerts = await AlertCollector.start(t, watcher);
  const live = Array.from({ length: 20 }, (_, i) => `live-${i}`);
  const ttlMs = 1_500;
  // Peers publish every ttl/3 (IPFS Cluster publishes every ttl/2).
  const publishAll = () => {
    for (const p of live) publishMetric(peers, { n: "ping", p, ttlMs });
  };
  publishAll();
  publishMetric(peers, { n: "ping", p: "doomed", ttlMs: 60_000 });
  const ticker = setInterval(publishAll, ttlMs / 3);
  cleanup(t, () => clearInterval(ticker));
  await waitUntil(() => monitor.supervisor.windowCount === 21, "21 windows");

  // The server goes away for longer than the ttl; everyone's deadline passes meanwhile.
  await server.kill();
  await waitUntil(() => monitor.health.impaired, "the monitor notices its outage");
  await quietPeriod(ttlMs * 2);
  await server.restart();
  await waitUntil(() => !monitor.health.impaired, "the monitor reconnects", 20_000);
  await waitUntil(() => !peers.isClosed() && peers.info !== undefined, "peers reconnect", 20_000);
  // The watcher follows live alerts: one published before its subscription is back on the server is
  // missed (as the contract says), so it must be back before the dead peer's alert can fire; and the
  // monitor must hear the live peers again before "doomed" says its last word.
  await waitUntil(() => !watcher.isClosed() && watcher.info !== undefined, "the watcher reconnects", 20_000);
  await watcher.flush();
  const heard = monitor.stats.metricsReceived;
  await waitUntil(() => monitor.stats.metricsReceived > heard, "the monitor hears the live peers again", 20_000);

  // "doomed" has a 60 s ttl but it is not the point; make it die now: its last metric had expired.
  publishMetric(peers, { n: "ping", p: "doomed", ttlMs: 100 });
  await alerts.waitFor((a) => a.some((x) => x.peer === "doomed"), "the dead peer's alert", 20_000);
  await quietPeriod(3_000); // past the grace: live peers must still be fine
  const firing = alerts.of("firing");
  assert.deepEqual(
    firing.map((a) => a.peer),
    ["doomed"],
    "exactly one alert, for the peer that stopped; none for peers that kept publishing",
  );
  assert.ok(monitor.stats.outages >= 1);
  const latest = await new PeerMonitorClient(watcher).latest("ping");
  assert.equal(latest.length, 20, "every live peer is in latest");
});

test("nats restart - a peer whose deadline passed during the outage is alerted after the grace", async (t) => {
  const server = await natsServer(t);
  const monitor = await startMonitor(t, server, { graceMs: 1_000 });
  const nc = await client(t, server);
  const alerts = await AlertCollector.start(t, nc);
  publishMetric(nc, { n: "ping", p: "P1", ttlMs: 800 });
  await waitUntil(() => monitor.supervisor.windowCount === 1, "window");
  await server.kill();
  await waitUntil(() => monitor.health.impaired, "outage noticed");
  await quietPeriod(1_200); // P1's deadline passes while the monitor is cut off
  assert.equal(monitor.stats.alertsFiring, 0, "no conviction while cut off");
  const back = Date.now();
  await server.restart();
  await alerts.waitFor((a) => a.length === 1, "P1 alerted after reconnect + grace", 20_000);
  assert.ok(Date.now() - back >= 900, "not before the grace");
  await quietPeriod(500);
  assert.equal(alerts.alerts.length, 1, "exactly once");
});

test("nats restart - the outage and its grace are visible: one log line each for start and end, status, page data and a gauge", async (t) => {
  const server = await natsServer(t);
  const lines: { msg: string; component?: string }[] = [];
  const log = pino({ level: "info" }, { write: (line: string) => lines.push(JSON.parse(line)) });
  const monitor = await startMonitor(t, server, { graceMs: 4_000, http: { host: "127.0.0.1", port: 0 } }, { log });
  const base = `http://127.0.0.1:${monitor.httpPort}`;
  await server.kill();
  await waitUntil(() => monitor.health.impaired, "outage noticed");
  const during = monitor.views.statusSnapshot(10).link;
  assert.ok(during.impaired.includes("disconnected") && during.impairedForMs !== null, "the page data says why and since when");
  await server.restart();
  await waitUntil(() => !monitor.health.impaired, "reconnected");
  const nc = await client(t, server);
  const stats: { link: LinkReport }[] = [];
  for await (const s of await nc.services.client().stats("peermon")) stats.push(s.endpoints?.find((e) => e.data)?.data as { link: LinkReport });
  assert.ok(stats[0]!.link.graceLeftMs > 0 && stats[0]!.link.graceLeftMs <= 4_000, "status shows the running grace");
  const scrape = await (await fetch(`${base}/metrics`)).text();
  const gauge = Number(/^peermon_grace_remaining_seconds (\S+)$/m.exec(scrape)?.[1]);
  assert.ok(gauge > 0 && gauge <= 4, `the gauge counts the grace down: ${gauge}`);
  await waitUntil(() => lines.some((l) => l.msg.startsWith("grace over")), "the end of the grace logged", 10_000);
  const said = (start: string) => lines.filter((l) => l.msg.startsWith(start)).length;
  assert.equal(said("connection to NATS impaired"), 1, "outage start, once");
  assert.equal(said("connection to NATS recovered"), 1, "outage end and grace start, once");
  assert.equal(said("grace over"), 1, "grace end, once");
  assert.equal(monitor.health.linkReport(Date.now()).graceLeftMs, 0);
});
