/**
 * `peermon alerts` shows disruptions, and with --suspects early suspicion, as lines and in --json
 * (issue 21, point 5). Regression: it printed nothing while 12 of 20 peers were down and held.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { NatsConnection } from "nats";
import { PeerMonitorClient } from "../../src/client/client.js";
import { encodeAlert, encodeSuspicion } from "../../src/api/codec.js";
import type { SuspicionEvent } from "../../src/api/types.js";
import { spawnCli } from "../helpers/cli.js";
import { cleanup, client, natsServer, publishMetric, REPO_NATS_CONF, startMonitor, waitUntil } from "../helpers/nats.js";

const PEERS = Array.from({ length: 20 }, (_, i) => `P${String(i).padStart(2, "0")}`);
const fromSources = { fromSources: true };

function fleet(t: Parameters<typeof cleanup>[0], nc: NatsConnection, ttlMs: number) {
  const quiet = new Set<string>();
  const tick = () => PEERS.filter((p) => !quiet.has(p)).forEach((p) => publishMetric(nc, { n: "ping", p, ttlMs }));
  tick();
  const timer = setInterval(tick, ttlMs / 4);
  cleanup(t, () => clearInterval(timer));
  return { silence: (peers: string[]) => peers.forEach((p) => quiet.add(p)), back: (peers: string[]) => peers.forEach((p) => quiet.delete(p)) };
}

test("alerts - a disruption started and ended, as lines and as NDJSON (regression: nothing while 12 of 20 were held)", async (t) => {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  const monitor = await startMonitor(t, server, { disruptionThreshold: 0.5, disruptionMinPeers: 10 });
  const nc = await client(t, server);
  const human = spawnCli(t, ["alerts", "--nats", server.url], {}, fromSources);
  const json = spawnCli(t, ["alerts", "--json", "--nats", server.url], {}, fromSources);
  await human.waitForOutput(/following alerts/, "stderr", 30_000);
  await json.waitForOutput(/following alerts/, "stderr", 30_000);
  const peers = fleet(t, nc, 2_000);
  await waitUntil(() => monitor.supervisor.windowCount === 20, "20 windows");
  peers.silence(PEERS.slice(8));
  await human.waitForOutput(
    /DISRUPTION STARTED ping: 12 peers late or expired \(60% of 20\): their alerts are held; `peermon disruption release ping` fires them/,
  );
  await json.waitForOutput(/"event":"disruption"/);
  const started = JSON.parse(json.stdout.trim().split("\n").at(-1)!);
  assert.deepEqual(
    { ...started, id: undefined, triggered_at: undefined },
    {
      event: "disruption",
      name: "ping",
      kind: "started",
      fraction: 0.6,
      count: 12,
      id: undefined,
      triggered_at: undefined,
    },
  );
  await new PeerMonitorClient(nc).releaseDisruption("ping");
  await human.waitForOutput(/DISRUPTION ENDED +ping/);
  await human.waitForOutput(/FIRING +P19 \| ping/);
  await json.waitForOutput(/"event":"disruption".*"kind":"ended"/);
  await json.waitForOutput(/"event":"alert".*"kind":"firing"/);
});

test("alerts --suspects - early suspicion as lines and NDJSON, only with the flag", async (t) => {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  const nc = await client(t, server);
  const plain = spawnCli(t, ["alerts", "--nats", server.url], {}, fromSources);
  const human = spawnCli(t, ["alerts", "--suspects", "--nats", server.url], {}, fromSources);
  const json = spawnCli(t, ["alerts", "--suspects", "--json", "--nats", server.url], {}, fromSources);
  for (const p of [plain, human, json]) await p.waitForOutput(/following alerts/, "stderr", 30_000);
  // What a monitor with --suspicion on publishes (the command only follows the subject).
  const event = (kind: "suspect" | "cleared"): SuspicionEvent => ({
    name: "ping",
    peer: "P00",
    value: "ok",
    expire: 0n,
    valid: true,
    weight: 0n,
    partitionable: false,
    receivedAt: BigInt(Date.now()) * 1_000_000n,
    ttl: 2_000_000_000n,
    triggeredAt: BigInt(Date.now()) * 1_000_000n,
    id: `01J0000000000000000000000${kind === "suspect" ? "S" : "C"}`,
    kind,
  });
  nc.publish("peermon.suspects.ping.P00", encodeSuspicion(event("suspect")));
  await human.waitForOutput(/SUSPECT +P00 \| ping: ok/);
  await json.waitForOutput(/"event":"suspicion".*"kind":"suspect"/);
  nc.publish("peermon.suspects.ping.P00", encodeSuspicion(event("cleared")));
  await human.waitForOutput(/CLEARED +P00 \| ping/);
  // The plain follower got the same messages first (one connection each, in order): it printed none.
  nc.publish(
    "peermon.alerts.ping.P00",
    encodeAlert({ ...event("suspect"), kind: "firing", episode: "01J0000000000000000000000F", id: "01J0000000000000000000000F" }),
  );
  await plain.waitForOutput(/FIRING +P00/);
  assert.doesNotMatch(plain.stdout, /SUSPECT|CLEARED/, "without the flag: alerts and disruptions only");
});
