import { test } from "node:test";
import assert from "node:assert/strict";
import { encode } from "../../src/api/codec.js";
import { REJECT_REASONS, type RejectReason } from "../../src/api/validate.js";
import { PeerMonitorClient } from "../../src/client/client.js";
import { client, natsServer, publishMetric, REPO_NATS_CONF, startMonitor, waitUntil } from "../helpers/nats.js";

const ok = { v: "1", d: true, l: 60_000_000_000n };

/** One message per rejection reason, as [subject, payload]. */
const BAD: Record<Exclude<RejectReason, "over_limit">, [string, Uint8Array][]> = {
  too_large: [["peermon.metrics.ping.P1", encode({ n: "ping", p: "P1", ...ok, v: "x".repeat(70_000) })]],
  undecodable: [
    ["peermon.metrics.ping.P1", new Uint8Array([0x82, 0xa1, 0x6e])],
    ["peermon.metrics.ping.P1", new TextEncoder().encode('{"n":"ping","p":"P1"}')],
  ],
  missing_field: [["peermon.metrics.ping.P1", encode({ p: "P1", ...ok })]],
  wrong_type: [
    ["peermon.metrics.ping.P1", encode({ n: "ping", p: "P1", ...ok, d: "yes" })],
    ["peermon.metrics.ping.P1", encode({ n: "ping", p: "P1", ...ok, l: 1.5 })],
    ["peermon.metrics.ping.P1", encode(["ping", "P1"])],
  ],
  bad_token: [["peermon.metrics.a b.P1", encode({ n: "a b", p: "P1", ...ok })]],
  subject_mismatch: [
    ["peermon.metrics.ping.P2", encode({ n: "ping", p: "P1", ...ok })],
    ["peermon.metrics.ping.P1.extra", encode({ n: "ping", p: "P1", ...ok })],
  ],
  out_of_range: [["peermon.metrics.ping.P1", encode({ n: "ping", p: "P1", ...ok, l: -1n })]],
};

test("bad input - every rejection reason is counted, nothing is stored, valid traffic continues", async (t) => {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  const monitor = await startMonitor(t, server);
  const nc = await client(t, server);
  let sent = 0;
  const shapes = REJECT_REASONS.filter((r) => r !== "over_limit");
  for (const reason of shapes) {
    for (const [subject, data] of BAD[reason]) {
      nc.publish(subject, data);
      publishMetric(nc, { n: "ping", p: `good-${sent++}`, ttlMs: 60_000 });
    }
  }
  await nc.flush();
  await waitUntil(() => monitor.stats.metricsStored === sent, "every valid metric stored");
  await waitUntil(() => monitor.stats.rejectedTotal() === sent, "every bad message rejected");
  for (const reason of shapes) {
    assert.equal(monitor.stats.rejected[reason], BAD[reason].length, `rejections counted as ${reason}`);
  }
  const latest = await new PeerMonitorClient(nc).latest("ping");
  assert.equal(latest.length, sent, "only the good peers are known");
  assert.ok(latest.every((m) => m.peer.startsWith("good-")));
});

test("bad input - a metric sent straight to the wrong partition is rejected", async (t) => {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  const monitor = await startMonitor(t, server);
  const nc = await client(t, server);
  const { partitionOf } = await import("../../src/api/subjects.js");
  const wrong = (partitionOf("ping", 32) + 1) % 32;
  nc.publish(`peermon.part.${wrong}.metrics.ping.P1`, encode({ n: "ping", p: "P1", ...ok }));
  await waitUntil(() => monitor.stats.rejected.subject_mismatch === 1, "rejected as subject_mismatch");
  assert.equal(monitor.stats.metricsStored, 0);
});

test("bad input - a bad peerset is rejected and the current one stays", async (t) => {
  const server = await natsServer(t);
  const monitor = await startMonitor(t, server);
  const nc = await client(t, server);
  nc.publish("peermon.peerset", encode({ s: ["P1"], i: "good" }));
  await waitUntil(() => monitor.supervisor.currentPeerSet?.id === "good", "good peerset applied");
  nc.publish("peermon.peerset", encode({ s: "P1" }));
  nc.publish("peermon.peerset", new Uint8Array([0xc1]));
  await waitUntil(() => monitor.stats.rejectedTotal() === 2, "two rejections");
  assert.deepEqual(monitor.supervisor.currentPeerSet, { peers: ["P1"], id: "good" });
});

test("bad input - past the limits on names and windows, new windows are rejected as over_limit, known ones go on", async (t) => {
  const server = await natsServer(t);
  const monitor = await startMonitor(t, server, { maxNames: 2, maxWindows: 3 });
  const nc = await client(t, server);
  for (const [n, p] of [
    ["ping", "P1"],
    ["ping", "P2"],
    ["freespace", "P1"],
    ["numpin", "P1"],
    ["ping", "P3"],
  ]) {
    publishMetric(nc, { n: n!, p: p!, ttlMs: 60_000 });
  }
  await waitUntil(() => monitor.stats.metricsStored + monitor.stats.rejectedTotal() === 5, "all handled");
  assert.equal(monitor.stats.rejected.over_limit, 2, "a third name and a fourth window");
  assert.deepEqual(monitor.views.names(), ["freespace", "ping"]);
  publishMetric(nc, { n: "ping", p: "P1", v: "again", ttlMs: 60_000 });
  await waitUntil(() => monitor.stats.metricsStored === 4, "a known window still takes metrics");
});
