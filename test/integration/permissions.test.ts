/**
 * The hardened NATS configuration (deploy/secure/nats-secure.conf, whose accounts are `peermon auth`'s
 * output) on a real nats-server: every role is allowed what it needs and refused the rest. Peers
 * are the Ed25519 vectors of test/vectors/libp2p-nkeys.json, logged in with their nkey seeds. A refusal is proven by the server's own
 * "Permissions Violation" for that subject (the client's status events, or the subscription's
 * error), then by the monitor's counters after a later allowed message from the same connection
 * (NATS keeps one connection's messages in order, so anything let through would have arrived first).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { connect, ErrorCode, Events, nkeyAuthenticator, nkeys, type NatsConnection, type NatsError } from "nats";
import { pino } from "pino";
import { encode } from "../../src/api/codec.js";
import { partitionOf } from "../../src/api/subjects.js";
import { PeerMonitorClient } from "../../src/client/client.js";
import { resolveConfig, TEST_CONFIG, type ConfigInput } from "../../src/config.js";
import { Monitor } from "../../src/monitor.js";
import { sourceCli } from "../helpers/cli.js";
import { natsBlock, natsField, natsMappings, natsText, withIncludes } from "../helpers/deploy-artefacts.js";
import { ED25519_PEERS } from "../helpers/nkey-vectors.js";
import { AlertCollector, cleanup, natsServer, publishMetric, quietPeriod, REPO_NATS_CONF, waitUntil } from "../helpers/nats.js";

const SECURE_CONF = fileURLToPath(new URL("../../deploy/secure/nats-secure.conf", import.meta.url));
const ACCOUNTS_CONF = fileURLToPath(new URL("../../deploy/secure/peermon-accounts.conf", import.meta.url));
/** The example passwords whose bcrypt hashes the config holds. */
const password = (user: string) => `${user}-example-pw`;
/** The example peers: nkey users from their libp2p ids. */
const [P1, P2, P3] = ED25519_PEERS.map((v) => v.peer_id) as [string, string, string];
const seedOf = (peer: string) => ED25519_PEERS.find((v) => v.peer_id === peer)?.nkey_seed;
const ok = { v: "1", d: true, l: 60_000_000_000n };
const metric = (n: string, p: string, extra: Record<string, unknown> = {}) => encode({ n, p, ...ok, ...extra });

type Hooks = Parameters<typeof cleanup>[0];
type Op = "publish" | "subscription";

/** A user's connection and the permission violations the server reported to it. */
class Conn {
  readonly violations: { operation: Op; subject: string }[] = [];
  private wake: (() => void)[] = [];

  /** Watches an existing connection (the monitor's). */
  constructor(readonly nc: NatsConnection) {
    const events = nc.status();
    void nc.closed().then(() => (events as { stop?: () => void }).stop?.());
    void (async () => {
      for await (const s of events) {
        const ctx = (s as { permissionContext?: { operation: Op; subject: string } }).permissionContext;
        if (s.type === Events.Error && ctx) this.violations.push({ operation: ctx.operation, subject: ctx.subject });
        for (const w of this.wake) w();
      }
    })();
  }

  /** Connects as a role user (its example password) or as a peer (its nkey seed). */
  static async open(t: Hooks, url: string, user: string): Promise<Conn> {
    const seed = seedOf(user);
    const login = seed ? { authenticator: nkeyAuthenticator(new TextEncoder().encode(seed)) } : { user, pass: password(user) };
    const nc = await connect({ servers: url, ...login, name: user, maxReconnectAttempts: 0 });
    cleanup(t, () => nc.close());
    return new Conn(nc);
  }

  /** Publishes and resolves once the server refused it (it names the subject after mappings). */
  async refusedPublish(subject: string, data: Uint8Array = encode("x")): Promise<void> {
    this.nc.publish(subject, data);
    await this.refused(mapped(subject));
  }

  /** Resolves once the server refused a publish on `subject` from this connection. */
  refused(subject: string): Promise<void> {
    return waitUntil(
      () => this.violations.some((v) => v.operation === "publish" && v.subject === subject),
      `the server to refuse ${this.nc.info?.client_id} publishing on ${subject}`,
      15_000,
      (w) => this.wake.push(w),
    );
  }

  /** Subscribes and resolves with the error the server sent for it (rejects after 15 s without one). */
  refusedSubscribe(subject: string): Promise<NatsError> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the server did not refuse a subscription to ${subject}`)), 15_000);
      this.nc.subscribe(subject, { callback: (err) => err && (clearTimeout(timer), resolve(err)) });
    });
  }
}

/** The subject nats-server checks: the public metric and query subjects after nats.conf's mappings. */
function mapped(subject: string): string {
  const m = /^peermon\.(metrics|latest|peer)\.([^.]+)(\.[^.]+)?$/.exec(subject);
  if (!m || (m[1] !== "latest") !== (m[3] !== undefined)) return subject;
  return `peermon.part.${partitionOf(m[2]!, 32)}.${m[1]}.${m[2]}${m[3] ?? ""}`;
}

/** A server with the secure config, a monitor logged in as `monitor`, and the warnings it logged. */
async function secureSetup(t: Hooks, overrides: ConfigInput = {}) {
  const server = await natsServer(t, { configFile: SECURE_CONF, args: ["-m", "-1"] });
  const warnings: string[] = [];
  const log = pino({ level: "warn" }, { write: (line: string) => void warnings.push(JSON.parse(line).msg) });
  const config = resolveConfig({ ...TEST_CONFIG, ...overrides, nats: { servers: server.url, user: "monitor", password: password("monitor") } });
  const monitor = await Monitor.start(config, { log });
  cleanup(t, () => monitor.stop());
  const as = (user: string) => Conn.open(t, server.url, user);
  return { server, monitor, warnings, as };
}

test("secure config - nats-server accepts it: accounts with a system account, nats.conf's mappings, no top-level authorization", () => {
  const check = spawnSync("nats-server", ["-t", "-c", SECURE_CONF], { encoding: "utf8" });
  assert.equal(check.status, 0, check.stderr);
  const text = withIncludes(readFileSync(SECURE_CONF, "utf8"), dirname(SECURE_CONF));
  assert.deepEqual(natsMappings(natsBlock(natsBlock(text, "accounts"), "PEERMON")), natsMappings(natsText(readFileSync(REPO_NATS_CONF, "utf8"))));
  assert.equal(natsField(text, "system_account"), "SYS");
  assert.equal(natsBlock(natsBlock(text, "accounts"), "PEERMON").includes("no_auth_user"), false);
  assert.doesNotMatch(text.replace(natsBlock(text, "accounts"), ""), /^\s*(authorization|no_auth_user)\b/m, "CVE-2023-47090");
});

test("secure config - its accounts are exactly `peermon auth`'s output for the example peers and the example role hashes", () => {
  // The hashes are listed in nats-secure.conf's comments, `#   <user> <hash>`.
  const hash = (user: string) => new RegExp(`^#   ${user} +(\\S+)$`, "m").exec(readFileSync(SECURE_CONF, "utf8"))?.[1] ?? `no hash of ${user}`;
  const args = ["auth", ...ED25519_PEERS.map((v) => v.peer_id), "--monitor", hash("monitor"), "--peermgr", hash("peermgr")];
  args.push("--operator", hash("operator"), "--consumer", `repinner=${hash("repinner")}`, "--consumer", `allocator=${hash("allocator")}`, "--sys", hash("sys"));
  const run = spawnSync(process.execPath, [...sourceCli, ...args], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout, readFileSync(ACCOUNTS_CONF, "utf8"), `regenerate it: peermon ${args.join(" ")} --out deploy/secure/peermon-accounts.conf`);
});

test("authentication - a client without credentials, with a wrong password or an unknown nkey is refused", async (t) => {
  const { server } = await secureSetup(t);
  const stranger = { authenticator: nkeyAuthenticator(nkeys.createUser().getSeed()) };
  for (const opts of [{}, { user: "monitor", pass: "wrong" }, { user: "nobody", pass: password("nobody") }, stranger]) {
    await assert.rejects(connect({ servers: server.url, maxReconnectAttempts: 0, ...opts }), (err: NatsError) => {
      assert.equal(err.code, ErrorCode.AuthorizationViolation);
      return true;
    });
  }
});

test("peer - publishes its own metrics, public or partitioned; another peer's metric is refused by the server", async (t) => {
  const { monitor, warnings, as } = await secureSetup(t);
  const p1 = await as(P1);
  publishMetric(p1.nc, { n: "ping", p: P1, ttlMs: 60_000 });
  p1.nc.publish(`peermon.part.${partitionOf("freespace", 32)}.metrics.freespace.${P1}`, metric("freespace", P1));
  await waitUntil(() => monitor.stats.metricsStored === 2, "both own metrics stored");

  await p1.refusedPublish(`peermon.metrics.ping.${P2}`, metric("ping", P2));
  await p1.refusedPublish(`peermon.part.${partitionOf("ping", 32)}.metrics.ping.${P2}`, metric("ping", P2));
  publishMetric(p1.nc, { n: "marker", p: P1, ttlMs: 60_000 });
  await waitUntil(() => monitor.stats.metricsStored === 3, "the marker sent after the refused ones stored");
  assert.equal(monitor.stats.metricsReceived, 3, "nothing else reached the monitor");
  assert.equal(monitor.views.latestForPeer("ping", P2), undefined);
  assert.deepEqual(warnings, []);
});

test("peer - a payload naming another peer, or the wrong partition, on an allowed subject is rejected as subject_mismatch", async (t) => {
  const { monitor, as } = await secureSetup(t);
  const p1 = await as(P1);
  p1.nc.publish(`peermon.metrics.ping.${P1}`, metric("ping", P2));
  p1.nc.publish(`peermon.part.${(partitionOf("ping", 32) + 1) % 32}.metrics.ping.${P1}`, metric("ping", P1));
  await waitUntil(() => monitor.stats.rejected.subject_mismatch === 2, "two subject_mismatch rejections");
  assert.equal(monitor.stats.metricsStored, 0);
  assert.equal(monitor.supervisor.windowCount, 0);
});

test("peer - reads as an alert consumer does (queries, alerts live and from the log), as a cluster peer's PeerMonitor must", async (t) => {
  const { warnings, as } = await secureSetup(t);
  const [p1, p2] = await Promise.all([as(P1), as(P2)]);
  const reader = new PeerMonitorClient(p1.nc);
  const fromLog = reader.alerts({ fromStream: true });
  cleanup(t, () => fromLog.stop());
  const live = await AlertCollector.start(t, p1.nc, "peermon.alerts.>");
  publishMetric(p2.nc, { n: "freespace", p: P2, v: "42", ttlMs: 60_000 });
  publishMetric(p2.nc, { n: "ping", p: P2, ttlMs: 300 });
  await live.waitFor((a) => a.some((x) => x.kind === "firing" && x.peer === P2), "P2's ping firing, seen by P1");
  assert.deepEqual(
    (await reader.latest("freespace")).map((m) => [m.peer, m.value]),
    [[P2, "42"]],
  );
  assert.equal((await reader.latestForPeer("ping", P2)).peer, P2);
  assert.deepEqual(await reader.names(), ["freespace", "ping"]);
  assert.equal((await reader.history("ping", P2)).peer, P2);
  const first = await fromLog[Symbol.asyncIterator]().next();
  assert.equal(first.value?.id, live.alerts[0]!.id, "the alert log, through an ordered consumer");
  assert.deepEqual(warnings, []);
});

test("peer - cannot publish alerts, the alert log, peersets, internal subjects, replies, $SRV or other JetStream requests, nor read metrics", async (t) => {
  const { monitor, warnings, as } = await secureSetup(t);
  const p1 = await as(P1);
  const alert = encode({ n: "ping", p: P2, ...ok, r: 1n, i: "01J0000000000000000000FAKE", k: "firing" });
  await p1.refusedPublish(`peermon.alerts.ping.${P2}`, alert);
  await p1.refusedPublish(`peermon.alertlog.ping.${P2}`, alert);
  await p1.refusedPublish("peermon.peerset", encode({ s: [P1], i: "forged" }));
  await p1.refusedPublish("peermon.internal.names");
  // Forged windows (a checkpoint, a transfer) and reading a shard's windows are the monitor's alone.
  for (const subject of ["peermon.checkpoint.0.0", "peermon.internal.windows.all", "peermon.internal.checkpointed.all"]) {
    await p1.refusedPublish(subject, encode({ c: 1, s: [{ n: "ping", p: P2, t: 1 }] }));
  }
  await p1.refusedPublish("_INBOX.forged.reply", encode([]));
  for (const api of [
    "STREAM.DELETE.PEERMON_ALERTS",
    "STREAM.PURGE.PEERMON_ALERTS",
    "STREAM.INFO.PEERMON_WINDOWS",
    "CONSUMER.CREATE.PEERMON_WINDOWS",
    "CONSUMER.CREATE.KV_PEERMON_SILENCES",
  ]) {
    await p1.refusedPublish(`$JS.API.${api}`);
  }
  await p1.refusedPublish("$KV.PEERMON_SILENCES.forged");
  await p1.refusedPublish("$SRV.PING");
  await p1.refusedPublish("peermon.release.ping");
  for (const subject of ["peermon.metrics.>", `peermon.part.*.metrics.*.${P2}`, "peermon.peerset", "peermon.internal.windows.*", "$SRV.>", ">"]) {
    assert.equal((await p1.refusedSubscribe(subject)).code, ErrorCode.PermissionsViolation, subject);
  }
  publishMetric(p1.nc, { n: "marker", p: P1, ttlMs: 60_000 });
  await waitUntil(() => monitor.stats.metricsStored === 1, "the marker stored");
  assert.equal(monitor.supervisor.currentPeerSet, undefined, "no peerset applied");
  assert.equal(monitor.stats.rejectedTotal(), 0);
  const log = await (await monitor.nc.jetstreamManager()).streams.info("PEERMON_ALERTS");
  assert.equal(log.state.messages, 0, "nothing in the alert log");
  assert.deepEqual(warnings, []);
});

test("peer manager - sets the peerset (through JetStream and plainly) and nothing else", async (t) => {
  const { monitor, warnings, as } = await secureSetup(t);
  const pm = await as("peermgr");
  const peersets = new PeerMonitorClient(pm.nc);
  await peersets.setPeers([P1, P2]);
  await waitUntil(() => monitor.supervisor.currentPeerSet?.peers.join() === `${P1},${P2}`, "the stored peerset applied");
  await peersets.addPeer(P3);
  await waitUntil(() => monitor.supervisor.currentPeerSet?.peers.join() === `${P1},${P2},${P3}`, "add applied");
  pm.nc.publish("peermon.peerset", encode({ s: [P1], i: "plain" }));
  await waitUntil(() => monitor.supervisor.currentPeerSet?.id === "plain", "the plain publish applied");
  assert.deepEqual((await peersets.getPeerSet())?.peers, [P1]);

  await pm.refusedPublish(`peermon.metrics.ping.${P1}`, metric("ping", P1));
  await pm.refusedPublish(`peermon.alerts.ping.${P1}`);
  await pm.refusedPublish(`peermon.alertlog.ping.${P1}`);
  await pm.refusedPublish("peermon.latest.ping");
  for (const api of ["STREAM.DELETE", "STREAM.PURGE", "STREAM.CREATE"]) await pm.refusedPublish(`$JS.API.${api}.PEERMON_PEERSET`);
  await pm.refusedPublish("$JS.API.STREAM.MSG.GET.PEERMON_ALERTS");
  assert.equal((await pm.refusedSubscribe("peermon.alerts.>")).code, ErrorCode.PermissionsViolation);
  assert.equal(monitor.stats.metricsReceived, 0);
  assert.deepEqual(warnings, []);
});

test("consumer - gets alerts live and from the alert log, queries; publishes no metric, alert, log entry or peerset", async (t) => {
  const { monitor, warnings, as } = await secureSetup(t);
  const [p1, repinner, allocator] = await Promise.all([as(P1), as("repinner"), as("allocator")]);
  const live = await AlertCollector.start(t, repinner.nc, "peermon.alerts.>");
  publishMetric(p1.nc, { n: "freespace", p: P1, v: "42", ttlMs: 60_000 });
  publishMetric(p1.nc, { n: "ping", p: P1, ttlMs: 300 });
  await live.waitFor((a) => a.some((x) => x.kind === "firing" && x.name === "ping" && x.peer === P1), `ping ${P1} firing`);

  const queries = new PeerMonitorClient(allocator.nc);
  assert.deepEqual(
    (await queries.latest("freespace")).map((m) => [m.peer, m.value]),
    [[P1, "42"]],
  );
  assert.equal((await queries.latestForPeer("ping", P1)).peer, P1);
  assert.deepEqual(await queries.names(), ["freespace", "ping"]);
  assert.equal((await queries.history("freespace", P1)).peer, P1, "history is a query consumers may ask");
  const fromLog = new PeerMonitorClient(repinner.nc).alerts({ fromStream: true });
  const first = await fromLog[Symbol.asyncIterator]().next();
  fromLog.stop();
  assert.equal(first.value?.id, live.alerts[0]!.id, "the alert log holds the alert that was sent live");

  await allocator.refusedPublish(`peermon.metrics.ping.${P1}`, metric("ping", P1));
  await allocator.refusedPublish(`peermon.alerts.ping.${P1}`);
  await allocator.refusedPublish(`peermon.alertlog.ping.${P1}`);
  await allocator.refusedPublish("peermon.peerset", encode({ s: [], i: "forged" }));
  await allocator.refusedPublish("peermon.internal.names");
  await allocator.refusedPublish("peermon.checkpoint.0.0");
  await allocator.refusedPublish("peermon.internal.windows.all");
  for (const api of ["STREAM.DELETE.PEERMON_ALERTS", "STREAM.PURGE.PEERMON_ALERTS", "CONSUMER.CREATE.PEERMON_WINDOWS", "STREAM.DELETE.PEERMON_WINDOWS"]) {
    await allocator.refusedPublish(`$JS.API.${api}`);
  }
  assert.equal((await allocator.refusedSubscribe("peermon.metrics.>")).code, ErrorCode.PermissionsViolation);
  assert.equal((await allocator.refusedSubscribe("peermon.internal.windows.*")).code, ErrorCode.PermissionsViolation);
  assert.equal((await allocator.refusedSubscribe("peermon.peerset")).code, ErrorCode.PermissionsViolation);
  assert.equal(monitor.stats.metricsReceived, 2, `only ${P1}'s two metrics reached the monitor`);
  assert.equal(monitor.supervisor.currentPeerSet, undefined);
  assert.deepEqual(warnings, [], "the monitor did all of it without a permission error");
});

test("monitor - announces early suspicion under the secure config; consumers follow it; a peer cannot forge it", async (t) => {
  const { monitor, warnings, as } = await secureSetup(t, { suspicion: true });
  const [p1, repinner] = await Promise.all([as(P1), as("repinner")]);
  const stream = new PeerMonitorClient(repinner.nc).suspects({ name: "ping" });
  cleanup(t, () => stream.stop());
  await stream.ready;
  const kinds: string[] = [];
  void (async () => {
    for await (const e of stream) kinds.push(`${e.kind} ${e.peer}`);
  })();
  // 20 punctual metrics teach P1's rhythm (200 ms); then it stops and is suspect before its ttl (1 s).
  for (let i = 0; i < 20; i++) {
    publishMetric(p1.nc, { n: "ping", p: P1, ttlMs: 1_000 });
    await quietPeriod(200);
  }
  await waitUntil(() => kinds.includes(`suspect ${P1}`), `${P1} suspect`, 5_000);
  assert.equal(monitor.stats.suspicionsRaised, 1);
  await p1.refusedPublish(`peermon.suspects.ping.${P1}`);
  await p1.refusedPublish(`peermon.suspectlog.ping.${P1}`);
  assert.equal((await p1.refusedSubscribe("peermon.suspectlog.>")).code, ErrorCode.PermissionsViolation, "a peer reads events, not the log");
  assert.deepEqual(warnings, [], "the monitor created the suspicion log and appended to it without a permission error");
});

test("monitor - a query whose reply subject is a JetStream API cannot make it delete the alert log", async (t) => {
  const { monitor, as } = await secureSetup(t);
  const allocator = await as("allocator");
  // An unknown peer gets a 404 reply with an empty body: to the JetStream API, an empty request.
  // The monitor answers only inboxes: this query is dropped before anything is published.
  allocator.nc.publish("peermon.peer.ping.nobody", undefined, { reply: "$JS.API.STREAM.DELETE.PEERMON_ALERTS" });
  await waitUntil(() => monitor.stats.queriesRefused === 1, "the query dropped");
  const jsm = await monitor.nc.jetstreamManager();
  assert.equal((await jsm.streams.info("PEERMON_ALERTS")).config.name, "PEERMON_ALERTS", "the alert log is still there");
});

test("operator - silences and disruption release; no metric, alert, peerset, and no stream outside the silences bucket", async (t) => {
  const { monitor, warnings, as } = await secureSetup(t);
  const watched = new Conn(monitor.nc);
  const [operator, p1, repinner] = await Promise.all([as("operator"), as(P1), as("repinner")]);
  const ops = new PeerMonitorClient(operator.nc);
  const silence = await ops.addSilence({ peer: P1, forMs: 60_000, comment: "maintenance" });
  assert.deepEqual(
    (await ops.listSilences()).map((s) => s.id),
    [silence.id],
  );
  await waitUntil(() => monitor.controls.activeSilences() === 1, "the monitor follows the silence");
  const live = await AlertCollector.start(t, repinner.nc, "peermon.alerts.>");
  publishMetric(p1.nc, { n: "ping", p: P1, ttlMs: 300 });
  await live.waitFor((a) => a.length === 1, "the muted alert");
  assert.equal(live.alerts[0]!.muted, true);
  await ops.removeSilence(silence.id);
  await live.waitFor((a) => a.length === 2, "delivered once the silence is removed");
  await assert.rejects(ops.releaseDisruption("ping"), /no disruption of ping is open/, "the monitors answered the release request");
  assert.equal((await ops.history("ping", P1)).flaps, 0, "the operator may ask for a peer's history");

  await operator.refusedPublish(`peermon.metrics.ping.${P1}`, metric("ping", P1));
  await operator.refusedPublish(`peermon.alertlog.ping.${P1}`);
  await operator.refusedPublish("peermon.disruptionlog.ping");
  await operator.refusedPublish("peermon.peerset", encode({ s: [], i: "forged" }));
  for (const api of ["STREAM.DELETE.KV_PEERMON_SILENCES", "STREAM.PURGE.KV_PEERMON_SILENCES", "STREAM.CREATE.KV_OTHER", "CONSUMER.CREATE.PEERMON_ALERTS"]) {
    await operator.refusedPublish(`$JS.API.${api}`);
  }
  assert.equal((await operator.refusedSubscribe("peermon.alerts.>")).code, ErrorCode.PermissionsViolation);
  assert.deepEqual(watched.violations, [], "the monitor did its part without a permission error");
  assert.deepEqual(warnings, []);
});

test("monitor - keeps its windows across restarts under the secure config: from a sibling, from checkpoints, without a permission error", async (t) => {
  const server = await natsServer(t, { configFile: SECURE_CONF, args: ["-m", "-1"] });
  const warnings: string[] = [];
  const log = pino({ level: "warn" }, { write: (line: string) => void warnings.push(JSON.parse(line).msg) });
  const config = resolveConfig({ ...TEST_CONFIG, nats: { servers: server.url, user: "monitor", password: password("monitor") } });
  const start = async () => {
    const m = await Monitor.start(config, { log });
    cleanup(t, () => m.stop());
    return m;
  };
  const first = await start();
  const p1 = await Conn.open(t, server.url, P1);
  publishMetric(p1.nc, { n: "ping", p: P1, v: "7", ttlMs: 60_000 });
  await waitUntil(() => first.views.latestForPeer("ping", P1)?.value === "7", `${P1}'s metric stored`);
  const sibling = await start();
  assert.equal(sibling.views.latestForPeer("ping", P1)?.value, "7", "from the sibling");
  assert.ok(first.stats.transferBatches > 0);
  await first.stop();
  await sibling.stop();
  const later = await start();
  assert.equal(later.views.latestForPeer("ping", P1)?.value, "7", "from the checkpoint");
  assert.deepEqual(warnings, []);
});
