/**
 * Queries: `peermon.latest.<name>` answered by a monitor holding 10k peers of that name.
 *
 * First against the repo's nats.conf as is: does the reply fit the server's max_payload? Then the
 * timing, on a server whose max_payload lets the reply through: sequential requests (latency, the
 * target), the same through the SDK (PeerMonitorClient.latest: plus decoding and checking 10k
 * metrics on the client), and requests kept in flight concurrently (replies/s).
 * The baseline, in the same run and on the same server: a bare nats.js responder (another process)
 * answering with a prepared payload of the reply's size, i.e. what NATS and Node cost alone. The
 * sequential requests alternate between the two in blocks, so that both see the same machine load:
 * latest_ratio = monitor p99 / baseline p99 (<= 1.0: peermon adds nothing a bare responder does not).
 * Last, the sequential requests again while a publisher refreshes every window once a second
 * (10k msgs/s: each request finds the name changed and its reply rebuilt), latest_p99_under_ingest_ms.
 * With --profile, the monitor writes queries-monitor.cpuprofile over the concurrent requests (the
 * sequential latencies stay free of profiler overhead).
 * PEERMON_QUERIES_CONFIG='{...}' runs the monitor with other settings, PEERMON_QUERIES_NODE_FLAGS
 * with Node flags (e.g. "--trace-gc"), the baseline unchanged.
 */
import { connect, type NatsConnection } from "nats";
import { PeerMonitorClient } from "../../src/client/client.js";
import {
  Child,
  fmtBytes,
  fmtInt,
  metricPayloads,
  peerIds,
  percentile,
  pollUntil,
  profileFile,
  progress,
  round,
  withServer,
  yieldToIo,
  type BenchOptions,
  type BenchServerOptions,
  type ScenarioResult,
} from "./common.js";

const PEERS = 10_000;
const NAME = "freespace";
const SUBJECT = `peermon.latest.${NAME}`;
/** Enough for the reply of 10k peers (about 1.3 MB) and the largest max_payload nats-server advises. */
const RAISED_MAX_PAYLOAD = 8 * 1024 * 1024;
const CONCURRENCY = 8;

interface Latencies {
  sorted: number[];
  elapsedMs: number;
}

export async function run(o: BenchOptions): Promise<ScenarioResult> {
  const sizes = o.quick ? { seq: 500, sdk: 20, conc: 80, ingest: 200 } : { seq: 1_000, sdk: 200, conc: 1_000, ingest: 500 };
  const defaultCheck = await withMonitor({}, async (nc) => {
    const reply = await nc.request(SUBJECT, undefined, { timeout: 10_000 });
    const code = reply.headers?.get("Nats-Service-Error-Code");
    return {
      ok: !code,
      maxPayload: nc.info?.max_payload ?? 0,
      detail: code ? `${code} ${reply.headers?.get("Nats-Service-Error")}` : `${reply.data.length} bytes`,
    };
  });
  progress(`queries: with the repo's nats.conf (max_payload ${fmtBytes(defaultCheck.maxPayload)}): ${defaultCheck.detail}`);

  const profile = profileFile(o, "queries-monitor");
  return withMonitor({ maxPayload: RAISED_MAX_PAYLOAD }, async (nc, monitor) => {
    const first = await nc.request(SUBJECT, undefined, { timeout: 10_000 });
    const code = first.headers?.get("Nats-Service-Error-Code");
    if (code) throw new Error(`latest failed even with max_payload ${RAISED_MAX_PAYLOAD}: ${code} ${first.headers?.get("Nats-Service-Error")}`);
    const replyBytes = first.data.length;
    const client = new PeerMonitorClient(nc, { timeoutMs: 10_000 });
    const count = (await client.latest(NAME)).length;
    if (count !== PEERS) throw new Error(`latest returned ${count} metrics, expected ${PEERS}`);

    const raw = () => nc.request(SUBJECT, undefined, { timeout: 10_000 });
    const { seq, baseline } = await alongsideBaseline(nc, replyBytes, sizes.seq, raw);
    const sdk = await timed(sizes.sdk, 1, () => client.latest(NAME));
    if (profile) await monitor.call("profileStart");
    const conc = await timed(sizes.conc, CONCURRENCY, raw);
    if (profile) await monitor.call("profileStop", { file: profile });
    const underIngest = await underIngestOf(nc, sizes.ingest, raw);
    return summarize(defaultCheck, replyBytes, seq, sdk, conc, baseline, underIngest);
  });
}

/** Metrics a second while `latest` is timed under ingest: every one of the PEERS windows once a second. */
const INGEST_PER_S = PEERS;

/** `total` sequential requests while a publisher process refreshes every window of NAME once a second. */
async function underIngestOf(nc: NatsConnection, total: number, request: () => Promise<unknown>): Promise<Latencies> {
  const url = `nats://${nc.getServer()}`;
  const args = ["--nats", url, "--peers", String(PEERS), "--names", "1", "--period-ms", "1000", "--ttl-ms", String(60 * 60_000), "--seed", "31"];
  const publisher = await Child.start("steady-publisher.ts", args);
  try {
    await publisher.call("start");
    await timed(20, 1, request); // the publisher reaches its rate
    return await timed(total, 1, request);
  } finally {
    await publisher.stop();
  }
}

/** Sequential requests in blocks of this many, alternating between the monitor and the baseline. */
const BLOCK = 50;

/**
 * `total` sequential requests to the monitor and as many to a bare responder that answers `bytes`
 * bytes (the transport's own cost), alternating in blocks so that both see the same load.
 */
async function alongsideBaseline(nc: NatsConnection, bytes: number, total: number, monitor: () => Promise<unknown>) {
  const url = nc.getServer();
  const echo = await Child.start("receiver.ts", ["--mode", "echo", "--nats", `nats://${url}`, "--bytes", String(bytes)]);
  try {
    const request = () => nc.request("bench.echo", undefined, { timeout: 10_000 });
    await timed(20, 1, monitor); // warm-up
    await timed(20, 1, request);
    const seq: Latencies = { sorted: [], elapsedMs: 0 };
    const baseline: Latencies = { sorted: [], elapsedMs: 0 };
    for (let done = 0; done < total; done += BLOCK) {
      const n = Math.min(BLOCK, total - done);
      merge(seq, await timed(n, 1, monitor));
      merge(baseline, await timed(n, 1, request));
    }
    seq.sorted.sort((a, b) => a - b);
    baseline.sorted.sort((a, b) => a - b);
    return { seq, baseline };
  } finally {
    await echo.stop();
  }
}

function merge(into: Latencies, more: Latencies): void {
  into.sorted.push(...more.sorted);
  into.elapsedMs += more.elapsedMs;
}

/** A fresh server and monitor process holding PEERS windows of NAME; `fn` gets a client connection. */
async function withMonitor<T>(server: BenchServerOptions, fn: (nc: NatsConnection, monitor: Child) => Promise<T>): Promise<T> {
  return withServer(server, async ({ url }) => {
    const config = process.env.PEERMON_QUERIES_CONFIG ? ["--config", process.env.PEERMON_QUERIES_CONFIG] : [];
    const flags = process.env.PEERMON_QUERIES_NODE_FLAGS?.split(" ").filter(Boolean) ?? [];
    const monitor = await Child.start("receiver.ts", ["--mode", "monitor", "--nats", url, ...config], flags);
    const nc = await connect({ servers: url, name: "bench-queries" });
    try {
      const { subjects, payloads } = metricPayloads([NAME], peerIds(PEERS, 31), 60 * 60_000);
      for (let i = 0; i < subjects.length; i++) {
        nc.publish(subjects[i]!, payloads[i]);
        if (i % 2_000 === 0) await yieldToIo();
      }
      await nc.flush();
      await pollUntil(async () => (await monitor.call<{ windows: number }>("stats")).windows >= PEERS, `${PEERS} windows`, 60_000);
      return await fn(nc, monitor);
    } finally {
      await nc.close();
      await monitor.stop();
    }
  });
}

/** Runs `total` requests with `concurrency` in flight; latency of each in ms. */
async function timed(total: number, concurrency: number, request: () => Promise<unknown>): Promise<Latencies> {
  const latencies: number[] = [];
  let issued = 0;
  const started = performance.now();
  const worker = async () => {
    while (issued < total) {
      issued++;
      const t0 = performance.now();
      await request();
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { sorted: latencies.sort((a, b) => a - b), elapsedMs: performance.now() - started };
}

function summarize(
  check: { ok: boolean; maxPayload: number; detail: string },
  replyBytes: number,
  seq: Latencies,
  sdk: Latencies,
  conc: Latencies,
  baseline: Latencies,
  underIngest: Latencies,
): ScenarioResult {
  const p = (l: Latencies, q: number) => round(percentile(l.sorted, q), 2);
  const rate = (l: Latencies) => (l.sorted.length / l.elapsedMs) * 1000;
  const ratio = percentile(seq.sorted, 99) / percentile(baseline.sorted, 99);
  return {
    rows: [
      {
        figure: `queries: latest with 10k peers under the repo's nats.conf (max_payload ${fmtBytes(check.maxPayload)})`,
        value: check.ok ? "answered" : `fails: ${check.detail}`,
        target: "answered",
        met: check.ok,
      },
      {
        figure: `queries: latest, sequential, p50 / p99 (max_payload ${fmtBytes(RAISED_MAX_PAYLOAD)}, reply ${fmtBytes(replyBytes)})`,
        value: `${p(seq, 50)} / ${p(seq, 99)} ms, ${fmtInt(rate(seq))} replies/s`,
        target: "p99 <= 10 ms",
        met: p(seq, 99) <= 10,
      },
      {
        figure: `queries: baseline, a bare nats.js responder with a ${fmtBytes(replyBytes)} reply, p50 / p99`,
        value: `${p(baseline, 50)} / ${p(baseline, 99)} ms, ${fmtInt(rate(baseline))} replies/s`,
      },
      {
        figure: `queries: latest_ratio (latest p99 / baseline p99, ${seq.sorted.length} samples each, alternating)`,
        value: round(ratio, 3).toFixed(3),
        target: "<= 1.0",
        met: ratio <= 1,
      },
      {
        figure: "queries: latest via the SDK (decodes 10k metrics), p50 / p99",
        value: `${p(sdk, 50)} / ${p(sdk, 99)} ms`,
      },
      {
        figure: `queries: latest, ${CONCURRENCY} in flight, p50 / p99`,
        value: `${p(conc, 50)} / ${p(conc, 99)} ms, ${fmtInt(rate(conc))} replies/s`,
      },
      {
        figure: `queries: latest under a ${fmtInt(INGEST_PER_S)} msgs/s ingest of its windows (every reply rebuilt), p50 / p99 (${underIngest.sorted.length} samples)`,
        value: `${p(underIngest, 50)} / ${p(underIngest, 99)} ms`,
      },
    ],
    json: {
      latest_p99_ms: p(seq, 99),
      latest_ratio: round(ratio, 3),
      latest_samples: seq.sorted.length,
      latest_p50_ms: p(seq, 50),
      latest_max_ms: round(seq.sorted[seq.sorted.length - 1] ?? Number.NaN, 2),
      latest_replies_per_s: round(rate(seq), 1),
      latest_reply_bytes: replyBytes,
      latest_fits_default_max_payload: check.ok,
      latest_sdk_p50_ms: p(sdk, 50),
      latest_sdk_p99_ms: p(sdk, 99),
      latest_concurrent_p50_ms: p(conc, 50),
      latest_concurrent_p99_ms: p(conc, 99),
      latest_concurrent_replies_per_s: round(rate(conc), 1),
      latest_baseline_p50_ms: p(baseline, 50),
      latest_baseline_p99_ms: p(baseline, 99),
      latest_p50_under_ingest_ms: p(underIngest, 50),
      latest_p99_under_ingest_ms: p(underIngest, 99),
      latest_under_ingest_samples: underIngest.sorted.length,
    },
  };
}
