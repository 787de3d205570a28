import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnCli } from "../helpers/cli.js";
import { AlertCollector, client, natsServer, publishMetric } from "../helpers/nats.js";
import { TestReceiver, webhookAlerts } from "../helpers/receiver.js";
import { verifySignature } from "../../src/delivery/signature.js";

const SECRET = "e2e-s3cret-value";

test("delivery e2e - serve SIGKILLed while alerts are undelivered: delivered after the restart, each once, signed", async (t) => {
  const server = await natsServer(t);
  const receiver = await TestReceiver.start(t);
  let up = false;
  receiver.respond = () => (up ? { status: 200 } : { status: 503, body: "receiver down" });
  // All 10 peers fall silent at once: per-peer delivery is what is tested, not a disruption (off).
  const args = ["serve", "--nats", server.url, "--webhook", receiver.url, "--delivery-ack-wait", "2s", "--grace", "1s", "--disruption-threshold", "0"];
  const env = { PEERMON_WEBHOOK_SECRET: SECRET };
  const first = spawnCli(t, args, env);
  await first.waitForOutput(/delivering alerts to people/, "stderr");
  await first.waitForOutput(/peermon monitor serving/, "stderr");
  const nc = await client(t, server);
  const published = await AlertCollector.start(t, nc);
  for (let i = 0; i < 10; i++) publishMetric(nc, { n: "ping", p: `P${i}`, ttlMs: 200 });
  await published.waitFor((a) => a.length === 10, "10 firing alerts on NATS");
  await receiver.waitFor((r) => r.length > 0, "a first, refused attempt");
  const killed = await first.stop("SIGKILL");
  assert.equal(killed.signal, "SIGKILL");
  assert.equal(receiver.accepted.length, 0, "nothing delivered before the kill");

  up = true;
  const second = spawnCli(t, args, env);
  await second.waitForOutput(/peermon monitor serving/, "stderr");
  const delivered = () => webhookAlerts(receiver.accepted).map((a) => a.annotations.alert_id!);
  await receiver.waitFor(() => new Set(delivered()).size === 10, "the 10 alerts after the restart", 30_000);
  assert.deepEqual(new Set(delivered()), new Set(published.alerts.map((a) => a.id)));
  assert.equal(delivered().length, 10, "each once");
  for (const r of receiver.accepted) assert.ok(verifySignature(r.raw, SECRET, r.headers["x-peermon-signature"] as string));
  assert.equal(published.alerts.length, 10, "the restarted monitor raised no alert again");
  const result = await second.stop("SIGTERM");
  assert.equal(result.code, 0);
  assert.ok(!(first.stderr + second.stderr).includes(SECRET), "the secret is in no log line");
});
