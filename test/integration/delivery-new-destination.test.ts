/**
 * A destination added while alerts fire learns what is firing (issue 21, point 4): it gets the
 * firing alerts once, in one batch, and a resolution only for an episode it was sent. Regression:
 * a new destination's consumer started with new alerts only, so a webhook added while P1 was down
 * never heard of it, and then got P1's resolved alert.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { startDelivery } from "../helpers/delivery.js";
import { AlertCollector, client, natsServer, publishMetric, quietPeriod, startMonitor, waitUntil } from "../helpers/nats.js";
import { TestReceiver, webhookAlerts, type WebhookBody } from "../helpers/receiver.js";

async function firingFleet(t: Parameters<typeof natsServer>[0]) {
  const server = await natsServer(t);
  await startMonitor(t, server);
  const nc = await client(t, server);
  const alerts = await AlertCollector.start(t, nc);
  // P0 fails and comes back before any destination exists; P1-P5 fail and stay down.
  publishMetric(nc, { n: "ping", p: "P0", ttlMs: 200 });
  await alerts.waitFor((a) => a.some((x) => x.peer === "P0" && x.kind === "firing"), "P0 firing");
  publishMetric(nc, { n: "ping", p: "P0", ttlMs: 600_000 });
  await alerts.waitFor((a) => a.some((x) => x.peer === "P0" && x.kind === "resolved"), "P0 resolved");
  for (let i = 1; i <= 5; i++) publishMetric(nc, { n: "ping", p: `P${i}`, ttlMs: 200 });
  await alerts.waitFor((a) => a.filter((x) => x.kind === "firing").length === 6, "P1-P5 firing");
  return { server, nc, alerts };
}

test("delivery - a webhook added while alerts fire gets them once, in one batch, and a resolution only for what it was sent (regression)", async (t) => {
  const { server, nc, alerts } = await firingFleet(t);
  const receiver = await TestReceiver.start(t);
  await startDelivery(t, server, { webhookUrl: receiver.url });
  await receiver.waitFor((r) => r.length >= 1, "the catch-up");
  await quietPeriod(1_000);
  assert.equal(receiver.requests.length, 1, "one POST");
  const body = receiver.requests[0]!.json<WebhookBody>();
  assert.equal(body.status, "firing");
  assert.deepEqual(body.alerts.map((a) => a.labels.peer).sort(), ["P1", "P2", "P3", "P4", "P5"]);

  publishMetric(nc, { n: "ping", p: "P1", ttlMs: 600_000 });
  await receiver.waitFor((r) => r.length === 2, "P1's resolution");
  assert.deepEqual(
    receiver.requests[1]!.json<WebhookBody>().alerts.map((a) => `${a.status} ${a.labels.peer}`),
    ["resolved P1"],
  );
  await alerts.waitFor((a) => a.filter((x) => x.kind === "resolved").length === 2, "P1's resolved alert logged");
  await quietPeriod(1_000);
  const all = webhookAlerts(receiver.requests).map((a) => `${a.status} ${a.labels.peer}`);
  assert.deepEqual(all.sort(), ["firing P1", "firing P2", "firing P3", "firing P4", "firing P5", "resolved P1"], "never P0, whose episode it was not sent");
});

test("delivery - an Alertmanager added while alerts fire gets them at once, not at the next re-post (regression)", async (t) => {
  const { server } = await firingFleet(t);
  const am = await TestReceiver.start(t, "/");
  const started = Date.now();
  const delivery = await startDelivery(t, server, { alertmanagerUrls: [am.url.replace(/\/$/, "")], alertmanagerRepostMs: 600_000 });
  await am.waitFor((r) => r.length >= 1, "the catch-up");
  assert.ok(Date.now() - started < 5_000, "long before the 10 min re-post");
  const posted = am.requests[0]!.json<{ labels: { peer: string } }[]>();
  assert.deepEqual(posted.map((a) => a.labels.peer).sort(), ["P1", "P2", "P3", "P4", "P5"]);
  await waitUntil(() => delivery.status().sinks[0]!.counters.past === 1, "P0's old resolution skipped and counted");
});
