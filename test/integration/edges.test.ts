/**
 * The smaller edges of point 8 of issue 21 that need a monitor's life: the grace after a plain
 * restart is called that; during a grace, `status` counts a window past its deadline as overdue,
 * as `latest` leaves it out; a peer's availability is over its own time in the fleet.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { PeerMonitorClient } from "../../src/client/client.js";
import { runCli } from "../helpers/cli.js";
import { AlertCollector, client, natsServer, publishMetric, REPO_NATS_CONF, startMonitor, waitUntil } from "../helpers/nats.js";

const fromSources = { fromSources: true };

test("edges - after a plain restart, status says the grace follows the restart, and counts a window past its deadline as overdue, not healthy, as latest leaves it out (regression)", async (t) => {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  const nc = await client(t, server);
  const pm = new PeerMonitorClient(nc);
  const first = await startMonitor(t, server, { graceMs: 60_000 });
  publishMetric(nc, { n: "ping", p: "P1", ttlMs: 600_000 });
  publishMetric(nc, { n: "ping", p: "P2", ttlMs: 1_500 });
  await waitUntil(() => first.supervisor.windowCount === 2, "two windows");
  await first.stop();
  const second = await startMonitor(t, server, { graceMs: 60_000 });
  await waitUntil(() => second.views.latest("ping").length === 1, "P2 past its deadline, in the grace");
  assert.deepEqual(
    (await pm.latest("ping")).map((m) => m.peer),
    ["P1"],
  );
  const status = await runCli(t, ["status", "--nats", server.url], {}, 30_000, fromSources);
  assert.match(status.stdout, /link: ok, grace \S+ left: due deadlines wait for it \(the monitor restarted: peers get time to be heard again\)/);
  assert.match(status.stdout, /ping: healthy 1, overdue 1 \(past their deadline, not in latest; judged when the grace ends\), expired 0, alerted 0/);
  const json = JSON.parse((await runCli(t, ["status", "--json", "--nats", server.url], {}, 30_000, fromSources)).stdout);
  assert.deepEqual(json[0].states.ping, { healthy: 1, expired: 0, alerted: 0, overdue: 1 });
  assert.equal(json[0].link.graceAfter, "restart");
});

test("edges - a peer's availability is over its own time in the fleet, not the alert log's whole span (regression)", async (t) => {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  const monitor = await startMonitor(t, server, { graceMs: 100 });
  const nc = await client(t, server);
  const alerts = await AlertCollector.start(t, nc);
  const pm = new PeerMonitorClient(nc);
  publishMetric(nc, { n: "ping", p: "old", ttlMs: 600_000 });
  await waitUntil(() => monitor.supervisor.windowCount === 1, "the old peer's window");
  // The log's span starts before `joined` (its first alert); the new peer joins, fails once and comes back.
  publishMetric(nc, { n: "ping", p: "first-to-fail", ttlMs: 0 });
  await alerts.waitFor((a) => a.length === 1, "the log's first alert");
  const newcomerJoined = Date.now();
  publishMetric(nc, { n: "ping", p: "newcomer", ttlMs: 300 });
  await alerts.waitFor((a) => a.some((x) => x.peer === "newcomer" && x.kind === "firing"), "the newcomer fails");
  publishMetric(nc, { n: "ping", p: "newcomer", ttlMs: 600_000 });
  await alerts.waitFor((a) => a.some((x) => x.peer === "newcomer" && x.kind === "resolved"), "and comes back");
  await waitUntil(() => monitor.views.historyOf("ping", "newcomer")?.flaps === 1, "its flap in the history");
  const h = await pm.history("ping", "newcomer");
  assert.ok(h.sinceMs >= newcomerJoined - 50, `its span starts when it joined: ${h.sinceMs - newcomerJoined} ms`);
  assert.ok(h.sinceMs <= h.episodes[0]!.startMs);
});
