import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Msg } from "nats";
import { NOW_HEADER } from "../../src/api/subjects.js";
import { decodeMetric, decodeMetricList } from "../../src/api/validate.js";
import { PeerMonitorClient } from "../../src/client/client.js";
import { QueryError } from "../../src/errors.js";
import { client, natsServer, publishMetric, REPO_NATS_CONF, startMonitor, waitUntil } from "../helpers/nats.js";

// Every query test runs twice: on the repo's nats.conf (partition mappings) and on a plain server.
for (const [label, configFile] of [
  ["repo nats.conf", REPO_NATS_CONF],
  ["plain server", undefined],
] as const) {
  describe(`queries (${label})`, () => {
    test("latest - gives the latest metric per peer, per name; an unknown name is a 404 naming it", async (t) => {
      const server = await natsServer(t, { configFile });
      const monitor = await startMonitor(t, server);
      const nc = await client(t, server);
      const pm = new PeerMonitorClient(nc);
      publishMetric(nc, { n: "test", p: "P1", v: "0", ttlMs: 60_000 });
      publishMetric(nc, { n: "test", p: "P2", v: "1", ttlMs: 60_000 });
      publishMetric(nc, { n: "test", p: "P3", v: "2", ttlMs: 60_000 });
      for (const v of ["3", "4", "5", "6"]) publishMetric(nc, { n: "test2", p: "P3", v, ttlMs: 60_000 });
      await waitUntil(() => monitor.stats.metricsStored === 7, "7 stored metrics");

      await assert.rejects(pm.latest("testbad"), (e: unknown) => e instanceof QueryError && e.code === 404 && /no metric named testbad/.test(e.message));
      const test1 = await pm.latest("test");
      assert.deepEqual(
        test1.map((m) => [m.peer, m.value]),
        [
          ["P1", "0"],
          ["P2", "1"],
          ["P3", "2"],
        ],
      );
      const test2 = await pm.latest("test2");
      assert.equal(test2.length, 1);
      assert.equal(test2[0]!.value, "6");
      assert.equal(test2[0]!.valid, true);
      assert.equal(test2[0]!.ttl, 60_000_000_000n);
      assert.ok(test2[0]!.receivedAt > 0n, "receivedAt is set by the monitor");
    });

    test("latest - leaves out invalid and expired metrics", async (t) => {
      const server = await natsServer(t, { configFile });
      const monitor = await startMonitor(t, server);
      const nc = await client(t, server);
      const pm = new PeerMonitorClient(nc);
      publishMetric(nc, { n: "freespace", p: "fresh", v: "10", ttlMs: 60_000 });
      publishMetric(nc, { n: "freespace", p: "invalid", v: "0", d: false, ttlMs: 60_000 });
      publishMetric(nc, { n: "freespace", p: "expired", v: "5", e: 1n });
      await waitUntil(() => monitor.stats.metricsStored === 3, "3 stored metrics");
      assert.deepEqual(
        (await pm.latest("freespace")).map((m) => m.peer),
        ["fresh"],
      );
    });

    test("latest and peer - every answer carries Peermon-Now: the monitor's wall clock in Unix ns, from which each metric's remaining validity follows", async (t) => {
      const server = await natsServer(t, { configFile });
      const monitor = await startMonitor(t, server);
      const nc = await client(t, server);
      const expire = BigInt(Date.now() + 30_000) * 1_000_000n;
      publishMetric(nc, { n: "freespace", p: "P1", v: "10", ttlMs: 60_000 });
      publishMetric(nc, { n: "freespace", p: "P2", v: "20", e: expire });
      await waitUntil(() => monitor.stats.metricsStored === 2, "2 stored metrics");

      const nowOf = (m: Msg) => {
        const text = m.headers?.get(NOW_HEADER) ?? "";
        assert.match(text, /^[1-9][0-9]{18}$/, "decimal Unix nanoseconds");
        return BigInt(text);
      };
      const before = BigInt(Date.now()) * 1_000_000n;
      const latest = await nc.request("peermon.latest.freespace", undefined, { timeout: 5_000 });
      const peer = await nc.request("peermon.peer.freespace.P1", undefined, { timeout: 5_000 });
      const after = BigInt(Date.now()) * 1_000_000n;
      for (const reply of [latest, peer]) {
        const now = nowOf(reply);
        assert.ok(now >= before - 200_000_000n && now <= after + 200_000_000n, `${now} is this machine's time (${before}..${after})`);
      }
      const now = nowOf(latest);
      const [p1, p2] = decodeMetricList(latest.data);
      assert.ok(p1!.receivedAt <= now, "t and Peermon-Now are one clock: the metric was stamped before the answer");
      const ttlLeft = p1!.receivedAt + p1!.ttl! - now;
      assert.ok(ttlLeft > 55_000_000_000n && ttlLeft <= 60_000_000_000n, `t + l - now = ${ttlLeft} ns`);
      const expireLeft = p2!.expire - now;
      assert.ok(expireLeft > 25_000_000_000n && expireLeft <= 30_000_000_000n, `e - now = ${expireLeft} ns`);
      assert.ok(nowOf(peer) >= now, "a later answer, a later time");
      assert.equal(decodeMetric(peer.data).receivedAt, p1!.receivedAt);

      const notFound = await nc.request("peermon.peer.freespace.nobody", undefined, { timeout: 5_000 });
      assert.equal(notFound.headers?.get("Nats-Service-Error-Code"), "404");
      assert.equal(notFound.headers?.has(NOW_HEADER), false, "only successful answers carry it");
    });

    test("latest - an answer kept between changes still reads Peermon-Now when it answers, and a new metric replaces it", async (t) => {
      const server = await natsServer(t, { configFile });
      const monitor = await startMonitor(t, server);
      const nc = await client(t, server);
      for (const p of ["P1", "P2"]) publishMetric(nc, { n: "freespace", p, v: "10", ttlMs: 60_000 });
      await waitUntil(() => monitor.stats.metricsStored === 2, "2 stored metrics");
      const ask = () => nc.request("peermon.latest.freespace", undefined, { timeout: 5_000 });
      const first = await ask();
      await waitUntil(() => BigInt(Date.now()) * 1_000_000n > BigInt(first.headers!.get(NOW_HEADER)), "the wall clock to move on");
      const second = await ask();
      assert.deepEqual(second.data, first.data, "nothing changed: the same answer");
      assert.ok(BigInt(second.headers!.get(NOW_HEADER)) > BigInt(first.headers!.get(NOW_HEADER)), "its own time, not the kept answer's");
      publishMetric(nc, { n: "freespace", p: "P2", v: "20", ttlMs: 60_000 });
      await waitUntil(() => monitor.stats.metricsStored === 3, "the new metric stored");
      assert.deepEqual(
        decodeMetricList((await ask()).data).map((m) => m.value),
        ["10", "20"],
      );
    });

    test("peer - gives the latest metric of one peer even when expired, 404 when none", async (t) => {
      const server = await natsServer(t, { configFile });
      const monitor = await startMonitor(t, server);
      const nc = await client(t, server);
      const pm = new PeerMonitorClient(nc);
      publishMetric(nc, { n: "ping", p: "P1", v: "old", e: 5n });
      await waitUntil(() => monitor.stats.metricsStored === 1, "1 stored metric");
      const m = await pm.latestForPeer("ping", "P1");
      assert.equal(m.value, "old");
      assert.equal(m.expire, 5n);
      await assert.rejects(pm.latestForPeer("ping", "nobody"), (err: unknown) => {
        assert.ok(err instanceof QueryError);
        assert.equal(err.code, 404);
        assert.match(err.message, /no ping metric from peer nobody/);
        return true;
      });
    });

    test("names - lists every known metric name", async (t) => {
      const server = await natsServer(t, { configFile });
      const monitor = await startMonitor(t, server);
      const nc = await client(t, server);
      for (const n of ["ping", "freespace", "numpin"]) publishMetric(nc, { n, p: "P1", ttlMs: 60_000 });
      await waitUntil(() => monitor.stats.metricsStored === 3, "3 stored metrics");
      assert.deepEqual(await new PeerMonitorClient(nc).names(), ["freespace", "numpin", "ping"]);
    });
  });
}

test("services framework - $SRV.INFO shows the peermon service and its endpoints", async (t) => {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  await startMonitor(t, server);
  const nc = await client(t, server);
  const reply = await nc.request("$SRV.INFO.peermon", undefined, { timeout: 2_000 });
  const info = JSON.parse(new TextDecoder().decode(reply.data)) as {
    name: string;
    endpoints: { name: string; subject: string; queue_group: string }[];
  };
  assert.equal(info.name, "peermon");
  const subjects = info.endpoints.map((e) => e.subject).sort();
  assert.deepEqual(subjects, [
    "peermon.history.*.*",
    "peermon.latest.*",
    "peermon.names",
    "peermon.part.*.latest.*",
    "peermon.part.*.peer.*.*",
    "peermon.peer.*.*",
  ]);
  for (const e of info.endpoints) {
    assert.equal(e.queue_group, e.subject === "peermon.names" ? "peermon-names" : "peermon", `queue of ${e.subject}`);
  }
  const stats = await nc.request("$SRV.STATS.peermon", undefined, { timeout: 2_000 });
  assert.equal(JSON.parse(new TextDecoder().decode(stats.data)).name, "peermon");
});

test("partitioning - the server's partition() agrees with partitionOf, so metrics reach their partition", async (t) => {
  const { partitionOf } = await import("../../src/api/subjects.js");
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  const nc = await client(t, server);
  const seen = new Map<string, number>();
  const sub = nc.subscribe("peermon.part.*.metrics.>", {
    callback: (_, m) => {
      const tokens = m.subject.split(".");
      seen.set(tokens[4]!, Number(tokens[2]));
    },
  });
  t.after(() => sub.unsubscribe());
  await nc.flush();
  const names = ["ping", "freespace", "numpin", "pinqueue", "tag:group", "ünïcode", "日本", ...Array.from({ length: 40 }, (_, i) => `m${i}x`)];
  for (const n of names) publishMetric(nc, { n, p: "P1" });
  await waitUntil(() => seen.size === names.length, "every name seen on its partition");
  for (const n of names) assert.equal(seen.get(n), partitionOf(n, 32), `partition of ${n}`);
});

test("queries - a query whose reply subject is not an inbox is dropped: the monitor never publishes there", async (t) => {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  const monitor = await startMonitor(t, server);
  const nc = await client(t, server);
  let landed = 0;
  const sub = nc.subscribe("peermon.alertlog.ping.P1", { callback: () => landed++ });
  await nc.flush();
  nc.publish("peermon.latest.ping", undefined, { reply: "peermon.alertlog.ping.P1" });
  await waitUntil(() => monitor.stats.queriesRefused === 1, "the query refused");
  await nc.flush();
  sub.unsubscribe();
  assert.equal(landed, 0);
  await assert.rejects(new PeerMonitorClient(nc).latest("ping"), /no metric named ping/, "inbox replies still work");
});
