/**
 * Property-based fuzzing (fast-check) of metric intake: the pure decoder, then a running monitor
 * over a real nats-server with the repo's nats.conf. A few thousand inputs, for CI; `npm run fuzz`
 * (test/fuzz/run.ts) runs a million. The seed is fixed (override with FUZZ_SEED=<n>); fast-check
 * prints the seed and the failing input when a property fails.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { encode, MAX_MESSAGE_BYTES } from "../../src/api/codec.js";
import { Subjects } from "../../src/api/subjects.js";
import { checkMetric, decodeAlert, decodeMetricMessage, decodePeerSetMessage, MESSAGE_REJECT_REASONS, type RejectReason } from "../../src/api/validate.js";
import { PeerMonitorClient } from "../../src/client/client.js";
import { client, natsServer, REPO_NATS_CONF, startMonitor, waitUntil } from "../helpers/nats.js";
import { accountingErrors, counts, heapAfterGc, mib, settled, validWindowErrors } from "../fuzz/checks.js";
import { FuzzDriver, fuzzInput, metricSubject, token, validPool, validWire } from "../fuzz/inputs.js";

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_123);
const subjects = new Subjects("peermon");
const tail = { offset: -1, partition: -1 };
const anySubject = fc.oneof(
  fuzzInput(1).map((i) => ("subject" in i ? i.subject : "peermon.metrics.a.b")),
  fc.string({ unit: "binary", maxLength: 80 }),
);

test("validate - decodeMetricMessage never throws: any bytes, msgpack value or mutation, on any subject", () => {
  const payloads = fc.oneof(
    fuzzInput(1).map((i) => ("data" in i ? i.data : encode(validWire("a", "b", "v")))),
    fc.uint8Array({ maxLength: 600 }),
  );
  fc.assert(
    fc.property(payloads, anySubject, (data, subject) => {
      const { offset } = subjects.metricTail(subject, tail);
      const result = decodeMetricMessage(data, subject, offset);
      if (result.ok) {
        assert.equal(checkMetric(result.value), undefined);
        assert.equal(subject.endsWith(`.${result.value.n}.${result.value.p}`), true);
      } else {
        assert.ok((MESSAGE_REJECT_REASONS as readonly string[]).includes(result.reason), result.reason);
      }
      const peerset = decodePeerSetMessage(data);
      assert.ok(peerset.ok || (MESSAGE_REJECT_REASONS as readonly string[]).includes(peerset.reason));
      try {
        decodeAlert(data);
      } catch (err) {
        assert.ok(err instanceof TypeError, `decodeAlert throws only TypeError, got ${String(err)}`);
      }
    }),
    { seed: SEED, numRuns: 4_000 },
  );
});

test("validate - any valid name and peer (unicode, 255 bytes) is accepted on its own subject, up to exactly 64 KiB", () => {
  fc.assert(
    fc.property(token, token, (n, p) => {
      const subject = metricSubject(n, p);
      const result = decodeMetricMessage(encode(validWire(n, p, "1")), subject, subjects.metricTail(subject, tail).offset);
      assert.deepEqual(result.ok ? "ok" : result.reason, "ok");
    }),
    { seed: SEED, numRuns: 1_000 },
  );
  const sized = (bytes: number) => {
    const base = encode(validWire("ping", "P1", "")).length + 2; // + str16 header, value over 31 bytes
    return encode(validWire("ping", "P1", "x".repeat(bytes - base)));
  };
  const at = (bytes: number) => decodeMetricMessage(sized(bytes), "peermon.metrics.ping.P1", "peermon.metrics.".length);
  assert.equal(sized(MAX_MESSAGE_BYTES).length, MAX_MESSAGE_BYTES);
  assert.equal(at(MAX_MESSAGE_BYTES).ok, true, "exactly 64 KiB is accepted");
  assert.deepEqual(at(MAX_MESSAGE_BYTES + 1), { ok: false, reason: "too_large" });
});

test("fuzz - any valid name and peer, unicode included, is stored: peermon's partition agrees with nats-server's", async (t) => {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  const monitor = await startMonitor(t, server, { maxNames: 10_000 });
  const nc = await client(t, server);
  const pairs = fc.sample(fc.tuple(token, token), { seed: SEED, numRuns: 400 });
  for (const [n, p] of pairs) nc.publish(metricSubject(n, p), encode(validWire(n, p, "1")));
  await settled(monitor, pairs.length);
  assert.equal(monitor.stats.rejected.subject_mismatch, 0, "no partition disagreement");
  assert.equal(monitor.stats.metricsStored, pairs.length);
});

test("fuzz - hostile metric traffic: no crash, every message counted, valid traffic stored, memory bounded", async (t) => {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  const limits = { maxWindows: 3_000, maxNames: 200 };
  const monitor = await startMonitor(t, server, limits);
  const nc = await client(t, server);
  const driver = new FuzzDriver(nc, validPool(SEED));
  driver.warmUp();
  await settled(monitor, driver.sent);
  assert.equal(monitor.stats.metricsStored, driver.pool.length, "the valid pool is stored");
  const heapBefore = heapAfterGc();

  await fc.assert(
    fc.asyncProperty(fc.array(fuzzInput(driver.pool.length), { minLength: 50, maxLength: 150, size: "max" }), async (batch) => {
      const before = counts(monitor.stats);
      const sentBefore = driver.sent;
      for (const input of batch) driver.publish(input);
      await settled(monitor, before.received + batch.length, 15_000);
      assert.deepEqual(accountingErrors(before, counts(monitor.stats), driver.sent - sentBefore), []);
      assert.deepEqual(validWindowErrors(monitor, driver), []);
    }),
    { seed: SEED, numRuns: 40, endOnFailure: true },
  );

  const heapAfter = heapAfterGc();
  t.diagnostic(
    `${driver.sent} inputs ${JSON.stringify(driver.byKind)}; rejected ${JSON.stringify(nonZero(monitor.stats.rejected))}; ` +
      `windows ${monitor.supervisor.windowCount}; heap ${mib(heapBefore)} -> ${mib(heapAfter)} MiB`,
  );
  for (const reason of MESSAGE_REJECT_REASONS) assert.ok(monitor.stats.rejected[reason] > 0, `some input was rejected as ${reason}`);
  assert.ok(monitor.supervisor.windowCount <= limits.maxWindows);
  assert.ok(monitor.views.names().length <= limits.maxNames);
  assert.ok(heapAfter - heapBefore < 64 * 1_048_576, `heap grew by ${mib(heapAfter - heapBefore)} MiB`);
  assert.deepEqual(monitor.readiness(), { ready: true });
  // Alive and answering over NATS: `latest` lists only valid pool metrics, each the last one sent.
  const ping = driver.pool.flatMap((pair, i) => (pair.name === "ok-ping" ? [i] : []));
  const latest = await new PeerMonitorClient(nc).latest("ok-ping");
  for (const m of latest) {
    const pair = ping.find((i) => driver.pool[i]!.peer === m.peer);
    assert.ok(pair !== undefined, `${m.peer} is a pool peer`);
    assert.equal(m.value, driver.lastValue.get(pair));
  }
  await waitUntil(() => monitor.stats.alertsFiring > 0, "stale valid metrics to raise alerts", 15_000);
});

function nonZero(rejected: Record<RejectReason, number>): Partial<Record<RejectReason, number>> {
  return Object.fromEntries(Object.entries(rejected).filter(([, n]) => n > 0));
}
