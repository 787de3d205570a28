/**
 * History with 10k peers: what the `history.<name>.<peer>` query and the status page cost, and
 * what the alternative — each client reading the alert log itself — would cost.
 *
 * The alert log is filled first with 10k peers' failure episodes (3 each in quick mode; 32 in full
 * mode, the 64 alerts per pair the log keeps at most). A monitor (in this process) then starts on
 * it: timed until its episode index holds every episode (the replay of the log). Then: sequential
 * `history` queries through the SDK for random peers (latency), the same lookup in memory
 * (`views.historyOf`, no NATS), the status page's render with 10k peers x 1 name, and, for the
 * comparison, a client that reads one peer's alerts from the log with an ordered consumer per query.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { DeliverPolicy, connect, type NatsConnection } from "nats";
import { ulid } from "ulid";
import { encodeAlert } from "../../src/api/codec.js";
import { Subjects } from "../../src/api/subjects.js";
import type { Alert } from "../../src/api/types.js";
import { ensureAlertStream } from "../../src/bus/alert-stream.js";
import { PeerMonitorClient } from "../../src/client/client.js";
import { resolveConfig, TUNING } from "../../src/config.js";
import { renderSections } from "../../src/http/page-render.js";
import { EpisodeIndex, alertFact } from "../../src/window/history.js";
import { Monitor } from "../../src/monitor.js";
import {
  fmtBytes,
  fmtInt,
  metricPayloads,
  peerIds,
  percentile,
  pollUntil,
  prng,
  progress,
  round,
  withServer,
  yieldToIo,
  type BenchOptions,
  type ScenarioResult,
} from "./common.js";

const PEERS = 10_000;
const NAME = "ping";
const HOUR_MS = 3_600_000;
/** The episodes lie in this span after the log was created (history never reaches before the log). */
const SPAN_MS = 2_000;
const NS = 1_000_000n;

export async function run(o: BenchOptions): Promise<ScenarioResult> {
  const episodes = o.quick ? 3 : 32;
  const queries = o.quick ? 200 : 1_000;
  const direct = o.quick ? 50 : 200;
  const peers = peerIds(PEERS, 41);
  // Measured first, while nothing else runs in this process.
  const indexBytes = indexHeap(peers, episodes);
  return withServer({ maxPayload: 8 * 1024 * 1024 }, async ({ url }) => {
    const nc = await connect({ servers: url, name: "bench-history" });
    let monitor: Monitor | undefined;
    try {
      const alerts = await fillAlertLog(nc, peers, episodes);
      progress(`history: alert log holds ${fmtInt(alerts.count)} alerts (${fmtBytes(alerts.bytes)})`);

      const started = performance.now();
      monitor = await Monitor.start(resolveConfig({ nats: { servers: url }, logLevel: "silent", durableWindows: false }));
      const index = monitor.history;
      const last = peers[peers.length - 1]!;
      await pollUntil(
        () => index.episodes(NAME, last).length === episodes && index.episodes(NAME, last)[episodes - 1]!.endMs !== null,
        "the replay",
        600_000,
        20,
      );
      const replayMs = performance.now() - started;
      progress(`history: replayed into ${fmtInt(index.size)} pairs in ${round(replayMs / 1_000, 2)} s`);

      const { subjects, payloads } = metricPayloads([NAME], peers, HOUR_MS);
      for (let i = 0; i < subjects.length; i++) {
        nc.publish(subjects[i]!, payloads[i]);
        if (i % 2_000 === 0) await yieldToIo();
      }
      await pollUntil(() => monitor!.supervisor.windowCount === PEERS, "10k windows", 60_000);

      const rand = prng(5);
      const pick = () => peers[Math.floor(rand() * peers.length)]!;
      const client = new PeerMonitorClient(nc, { timeoutMs: 10_000 });
      for (let i = 0; i < 20; i++) await client.history(NAME, pick()); // warm-up
      const query = await timed(queries, async () => {
        const h = await client.history(NAME, pick());
        if (h.episodes.length !== episodes) throw new Error(`history has ${h.episodes.length} episodes, expected ${episodes}`);
      });
      const views = monitor.views;
      const lookupUs = inMemory(() => views.historyOf(NAME, pick()), 10_000) * 1_000;
      const page = inMemory(() => renderSections(views.statusSnapshot(TUNING.pagePeersPerName)), 20);
      const events = inMemory(() => JSON.stringify(views.statusSnapshot(TUNING.statusPeersPerName)), 20);
      const fromLog = await timed(direct, () => readFromLog(nc, pick(), episodes * 2));
      return summarize({ episodes, alerts, replayMs, heapGrowth: indexBytes, query, lookupUs, page, events, fromLog, pairs: index.size });
    } finally {
      await monitor?.stop();
      await nc.close();
    }
  });
}

/** Writes `episodes` closed failure episodes per peer into the alert log, spread over SPAN_MS after its creation. */
async function fillAlertLog(nc: NatsConnection, peers: string[], episodes: number) {
  const subjects = new Subjects("peermon");
  await ensureAlertStream(await nc.jetstreamManager(), subjects, { replicas: 1, retentionMs: 24 * HOUR_MS });
  await new Promise((resolve) => setTimeout(resolve, SPAN_MS + 100));
  const now = Date.now();
  let count = 0;
  let bytes = 0;
  for (const peer of peers) {
    for (let e = 0; e < episodes; e++) {
      const slot = SPAN_MS / (episodes + 1);
      const start = now - SPAN_MS + (e + 0.5) * slot;
      const firing = alert(peer, start, start + 1, "firing");
      const resolved = { ...alert(peer, start + slot / 2, start + slot / 2, "resolved"), episode: firing.id };
      for (const a of [firing, resolved]) {
        const data = encodeAlert(a);
        nc.publish(subjects.alertLog(NAME, peer), data);
        bytes += data.length;
        count++;
      }
    }
    if (count % 2_000 < episodes * 2) await yieldToIo();
  }
  const jsm = await nc.jetstreamManager();
  await pollUntil(async () => (await jsm.streams.info(subjects.stream("ALERTS"))).state.messages === count, "the alert log stored", 600_000, 200);
  return { count, bytes };
}

/** An alert whose metric's deadline is `deadlineMs`, decided at `atMs`. */
function alert(peer: string, deadlineMs: number, atMs: number, kind: Alert["kind"]): Alert {
  const ttl = 30_000n * NS;
  // Flat, as a decoded alert's id is: ulid() builds a rope that the index's comparisons would flatten (and shrink).
  const id = Buffer.from(ulid(Math.round(atMs))).toString();
  const receivedAt = BigInt(Math.round(deadlineMs)) * NS - ttl;
  return {
    name: NAME,
    peer,
    value: "",
    expire: 0n,
    valid: true,
    weight: 0n,
    partitionable: false,
    receivedAt,
    ttl,
    triggeredAt: BigInt(Math.round(atMs)) * NS,
    id,
    kind,
    episode: id,
  };
}

/** Heap held by an episode index of `episodes` closed episodes for each of `peers`, after full GCs. */
function indexHeap(peers: string[], episodes: number): number {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  const now = Date.now();
  const facts = peers.flatMap((peer) =>
    Array.from({ length: episodes }, (_, e) => {
      const firing = alert(peer, now + e * 10, now + e * 10 + 1, "firing");
      return [firing, { ...alert(peer, now + e * 10 + 5, now + e * 10 + 5, "resolved"), episode: firing.id }].map(alertFact);
    }).flat(),
  );
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  const index = new EpisodeIndex({ sinceMs: 0, retentionMs: Infinity });
  for (const f of facts) index.record(f);
  gc();
  gc();
  const bytes = process.memoryUsage().heapUsed - before;
  // Both stay referenced after the second measure: V8 collects what nothing uses any more.
  if (index.size !== peers.length || facts.length !== peers.length * episodes * 2) throw new Error("the index lost pairs");
  return bytes;
}

/** What a client reading the log itself does per history: an ordered consumer on one pair's subject, read to the end. */
async function readFromLog(nc: NatsConnection, peer: string, expected: number): Promise<void> {
  const consumer = await nc.jetstream().consumers.get("PEERMON_ALERTS", {
    filterSubjects: `peermon.alertlog.${NAME}.${peer}`,
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: 1,
  });
  const messages = await consumer.consume();
  let n = 0;
  for await (const m of messages) {
    n++;
    if (m.info.pending === 0) break;
  }
  messages.stop();
  if (n !== expected) throw new Error(`read ${n} alerts of ${peer}, expected ${expected}`);
}

/** Sequential runs of `fn`: latencies in ms, ascending. */
async function timed(total: number, fn: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < total; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out.sort((a, b) => a - b);
}

/** Mean ms per call of `fn` over `n` calls, after a warm-up. */
function inMemory(fn: () => unknown, n: number): number {
  for (let i = 0; i < Math.min(n, 5); i++) fn();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) fn();
  return (performance.now() - t0) / n;
}

interface Figures {
  episodes: number;
  alerts: { count: number; bytes: number };
  replayMs: number;
  heapGrowth: number;
  query: number[];
  lookupUs: number;
  page: number;
  events: number;
  fromLog: number[];
  pairs: number;
}

function summarize(f: Figures): ScenarioResult {
  const p = (l: number[], q: number) => round(percentile(l, q), 2);
  return {
    rows: [
      {
        figure: `history: replay of the alert log at start (${fmtInt(f.alerts.count)} alerts, ${f.episodes} episodes x ${fmtInt(PEERS)} peers)`,
        value: `${round(f.replayMs / 1_000, 2)} s; the index holds ${fmtBytes(f.heapGrowth)} (${fmtBytes(f.heapGrowth / (f.pairs * f.episodes))} per episode)`,
      },
      { figure: "history: query through the SDK, 10k peers", value: `p50 ${p(f.query, 50)} ms, p99 ${p(f.query, 99)} ms` },
      { figure: "history: the same lookup in memory (views.historyOf)", value: `${round(f.lookupUs, 1)} us` },
      { figure: "history: a client reading one peer's alerts from the log instead", value: `p50 ${p(f.fromLog, 50)} ms, p99 ${p(f.fromLog, 99)} ms` },
      { figure: "page: snapshot + render, 10k peers x 1 name (2,000 rows listed)", value: `${round(f.page, 1)} ms` },
      { figure: "/events: snapshot as JSON, 10k peers x 1 name (200 listed)", value: `${round(f.events, 1)} ms` },
    ],
    json: {
      history_replay_s: round(f.replayMs / 1_000, 2),
      history_query_p50_ms: p(f.query, 50),
      history_query_p99_ms: p(f.query, 99),
      history_lookup_us: round(f.lookupUs, 1),
      history_from_log_p50_ms: p(f.fromLog, 50),
      page_render_ms: round(f.page, 1),
    },
  };
}
