/**
 * Steady: a whole fleet at its steady rate for minutes, with the default config (durable windows
 * on), as IPFS Cluster runs: 100k peers x 10 names = 1M windows, each refreshed every 15 s with a
 * 30 s ttl (~67k msgs/s), for 5 minutes after a warm-up that fills every window (10 metrics: 150 s),
 * while 1,000 peers die (their 10 windows each must alert once). The publisher runs in its own
 * process, the monitor in another.
 *
 * Held means: the monitor received what the fleet sent (>= 99%), the fleet kept its schedule
 * (>= 97%), no outage was counted and no conviction deferred (so no grace held an alert; a stall
 * with the connection up starts none, and is reported), every dead window alerted exactly once
 * and nothing else did. Also: alert lag (arrival minus the deadline from the alert's
 * own fields, t + l, on this machine's clock), the monitor's RSS over time (flat), what the
 * server stores (the checkpoint stream) and writes per second, and the machine's load average.
 * Quick mode: 5k peers x 10 names, 5 s period, 10 s ttl, 30 s measured, 100 deaths.
 * With --profile, the monitor writes steady-monitor.cpuprofile over the measured phase.
 * PEERMON_STEADY_PEERS=N runs another fleet size (to find the largest that holds);
 * PEERMON_STEADY_CONFIG='{"durableWindows":false}' runs the monitor with other settings.
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { connect, type NatsConnection } from "nats";
import { decodeAlert } from "../../src/api/validate.js";
import {
  Child,
  METRIC_NAMES,
  delay,
  fmtBytes,
  fmtInt,
  peerIds,
  percentile,
  pollUntil,
  profileFile,
  progress,
  round,
  withServer,
  type BenchOptions,
  type BenchServer,
  type ScenarioResult,
} from "./common.js";

interface Plan {
  peers: number;
  periodMs: number;
  ttlMs: number;
  warmupMs: number;
  measureMs: number;
  deaths: number;
  /** Deaths happen in batches between these times into the measured phase, ms. */
  deathsFromMs: number;
  deathsToMs: number;
  sampleMs: number;
}

const NAMES = METRIC_NAMES.length;

function planFor(o: BenchOptions): Plan {
  const base: Plan = o.quick
    ? {
        peers: 5_000,
        periodMs: 5_000,
        ttlMs: 10_000,
        warmupMs: 20_000,
        measureMs: 30_000,
        deaths: 100,
        deathsFromMs: 2_000,
        deathsToMs: 12_000,
        sampleMs: 5_000,
      }
    : {
        peers: 100_000,
        periodMs: 15_000,
        ttlMs: 30_000,
        warmupMs: 150_000,
        measureMs: 300_000,
        deaths: 1_000,
        deathsFromMs: 30_000,
        deathsToMs: 240_000,
        sampleMs: 15_000,
      };
  const peers = Number(process.env.PEERMON_STEADY_PEERS);
  if (Number.isInteger(peers) && peers > 0) return { ...base, peers, deaths: Math.min(base.deaths, Math.floor(peers / 10)) };
  return base;
}

interface MonitorStats {
  windows: number;
  counters: {
    metricsReceived: number;
    outages: number;
    stalls: number;
    convictionsDeferred: number;
    checkpointBatches: number;
    checkpointBytes: number;
    checkpointFailures: number;
    alertsFiring: number;
    detectionLagCount: number;
    detectionLagSumMs: number;
    detectionLagMaxMs: number;
  };
  memory: { rss: number; heapUsed: number };
  /** The monitor's event loop delay since the last stats call. */
  loop: { p99Ms: number; maxMs: number };
}

interface Sample {
  atMs: number;
  received: number;
  sent: number;
  due: number;
  rss: number;
  heapUsed: number;
  checkpointBatches: number;
  checkpointBytes: number;
  storeBytes: number;
  /** The server's JetStream store directory on disk. */
  storeDiskBytes: number;
  serverRss: number;
  load1: number;
  /** The monitor's event loop delay since the previous sample, p99 and max (ms). */
  loopP99Ms: number;
  loopMaxMs: number;
  /** The most the fleet sent a metric after its time since the previous sample (ms). */
  publisherLateMs: number;
}

export async function run(o: BenchOptions): Promise<ScenarioResult> {
  const plan = planFor(o);
  const windows = plan.peers * NAMES;
  progress(
    `steady: ${fmtInt(windows)} windows, every ${plan.periodMs / 1000} s (${fmtInt((windows / plan.periodMs) * 1000)} msgs/s), load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(" ")}`,
  );
  return withServer({}, async (server) => {
    const config = process.env.PEERMON_STEADY_CONFIG ? ["--config", process.env.PEERMON_STEADY_CONFIG] : [];
    const monitor = await Child.start("receiver.ts", ["--mode", "monitor", "--nats", server.url, ...config], ["--max-old-space-size=16384"]);
    const nc = await connect({ servers: server.url, name: "bench-steady" });
    let publisher: Child | undefined;
    try {
      const alerts = await collectAlerts(nc);
      publisher = await Child.start("steady-publisher.ts", [
        "--nats",
        server.url,
        "--peers",
        String(plan.peers),
        "--names",
        String(NAMES),
        "--period-ms",
        String(plan.periodMs),
        "--ttl-ms",
        String(plan.ttlMs),
      ]);
      const ids = peerIds(plan.peers, 51);
      await publisher.call("start");
      await delay(plan.warmupMs);
      const warm = await monitor.call<MonitorStats>("stats");
      progress(`steady: warm-up over, ${fmtInt(warm.windows)} windows, RSS ${fmtBytes(warm.memory.rss)}`);
      alerts.reset();
      const profile = profileFile(o, "steady-monitor");
      if (profile) await monitor.call("profileStart");

      const doomed = Array.from({ length: plan.deaths }, (_, i) => Math.floor((i * plan.peers) / plan.deaths));
      const deadNames = new Set(doomed.map((i) => ids[i]!));
      const samples: Sample[] = [await sample(monitor, publisher, nc, server, 0)];
      const started = performance.now();
      const batches = 10;
      let killed = 0;
      while (performance.now() - started < plan.measureMs) {
        const elapsed = performance.now() - started;
        const batchDue = Math.min(batches, Math.floor(((elapsed - plan.deathsFromMs) / (plan.deathsToMs - plan.deathsFromMs)) * batches) + 1);
        for (; killed < batchDue && elapsed >= plan.deathsFromMs; killed++) {
          await publisher.call("kill", { peers: doomed.slice((killed * doomed.length) / batches, ((killed + 1) * doomed.length) / batches) });
        }
        const nextSample = samples.length * plan.sampleMs;
        await delay(Math.max(0, Math.min(nextSample - elapsed, 500)));
        if (performance.now() - started >= nextSample) {
          samples.push(await sample(monitor, publisher, nc, server, performance.now() - started));
          const s = samples[samples.length - 1]!;
          progress(`steady: ${Math.round(s.atMs / 1000)} s, RSS ${fmtBytes(s.rss)}, ${alerts.firing.size} alerts, load ${s.load1.toFixed(1)}`);
        }
      }
      samples.push(await sample(monitor, publisher, nc, server, performance.now() - started));
      if (profile) await monitor.call("profileStop", { file: profile });
      const expected = plan.deaths * NAMES;
      // Deaths late in the run fall due up to a ttl after it: wait for them, then for any stray alert.
      await pollUntil(() => alerts.firing.size >= expected, `${expected} alerts of dead windows`, plan.ttlMs + 30_000).catch((err) => progress(String(err)));
      await delay(2_000);
      const end = await monitor.call<MonitorStats>("stats");
      return summarize(plan, o.quick, samples, warm, end, alerts, deadNames);
    } finally {
      await publisher?.stop();
      await nc.close();
      await monitor.stop();
    }
  });
}

interface Alerts {
  /** `name/peer` -> lags of its firing alerts (ms past the deadline). */
  firing: Map<string, number[]>;
  resolved: number;
  reset(): void;
}

async function collectAlerts(nc: NatsConnection): Promise<Alerts> {
  const alerts: Alerts = {
    firing: new Map(),
    resolved: 0,
    reset() {
      this.firing.clear();
      this.resolved = 0;
    },
  };
  nc.subscribe("peermon.alerts.>", {
    callback: (err, m) => {
      const now = performance.timeOrigin + performance.now();
      if (err) return;
      const a = decodeAlert(m.data);
      if (a.kind !== "firing") return void alerts.resolved++;
      const key = `${a.name}/${a.peer}`;
      const lag = a.ttl === undefined ? Number.NaN : now - Number(a.receivedAt + a.ttl) / 1e6;
      alerts.firing.set(key, [...(alerts.firing.get(key) ?? []), lag]);
    },
  });
  await nc.flush();
  return alerts;
}

async function sample(monitor: Child, publisher: Child, nc: NatsConnection, server: BenchServer, atMs: number): Promise<Sample> {
  const m = await monitor.call<MonitorStats>("stats");
  const p = await publisher.call<{ sent: number; due: number; lateMaxMs: number }>("stats");
  return {
    atMs,
    received: m.counters.metricsReceived,
    sent: p.sent,
    due: p.due,
    rss: m.memory.rss,
    heapUsed: m.memory.heapUsed,
    checkpointBatches: m.counters.checkpointBatches,
    checkpointBytes: m.counters.checkpointBytes,
    storeBytes: await streamBytes(nc),
    storeDiskBytes: diskBytes(server.storeDir),
    serverRss: processRss(server.pid),
    load1: loadavg()[0]!,
    loopP99Ms: m.loop.p99Ms,
    loopMaxMs: m.loop.maxMs,
    publisherLateMs: p.lateMaxMs,
  };
}

async function streamBytes(nc: NatsConnection): Promise<number> {
  try {
    return (await (await nc.jetstreamManager()).streams.info("PEERMON_WINDOWS")).state.bytes;
  } catch {
    return 0;
  }
}

function processRss(pid: number | undefined): number {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return Number(kb) * 1024;
  } catch {
    return Number.NaN;
  }
}

/** Bytes on disk under `dir`. */
function diskBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? diskBytes(path) : statSync(path).size;
  }
  return total;
}

function summarize(plan: Plan, quick: boolean, samples: Sample[], warm: MonitorStats, end: MonitorStats, alerts: Alerts, dead: Set<string>): ScenarioResult {
  const first = samples[0]!;
  const last = samples[samples.length - 1]!;
  const seconds = (last.atMs - first.atMs) / 1000;
  const windows = plan.peers * NAMES;
  const target = (windows / plan.periodMs) * 1000;
  const sentRate = (last.sent - first.sent) / seconds;
  const receivedRate = (last.received - first.received) / seconds;
  const lags: number[] = [];
  let falseAlerts = 0;
  let duplicates = 0;
  for (const [key, list] of alerts.firing) {
    if (!dead.has(key.split("/")[1]!)) falseAlerts += list.length;
    else {
      lags.push(list[0]!);
      duplicates += list.length - 1;
    }
  }
  const expected = dead.size * NAMES;
  const missed = expected - lags.length;
  lags.sort((a, b) => a - b);
  const c = end.counters;
  const outages = c.outages - warm.counters.outages;
  const stalls = c.stalls - warm.counters.stalls;
  const deferred = c.convictionsDeferred - warm.counters.convictionsDeferred;
  const rss = samples.map((s) => s.rss);
  // Flat: the mean of the second half of the samples against the first (the heap's saw-tooth makes
  // two single samples differ by a tenth either way).
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const half = Math.floor(rss.length / 2);
  const drift = (mean(rss.slice(half)) - mean(rss.slice(0, half))) / mean(rss.slice(0, half));
  const checkpointBytesPerS = (last.checkpointBytes - first.checkpointBytes) / seconds;
  const checkpointWritesPerS = (last.checkpointBatches - first.checkpointBatches) / seconds;
  const held = receivedRate >= 0.99 * sentRate && sentRate >= 0.97 * target * (1 - plan.deaths / plan.peers) && outages === 0 && deferred === 0;
  const heapPerWindow = mean(samples.map((s) => s.heapUsed)) / windows;
  // The monitor's own part of the lag: the deadline to the alert handed to the bus (the rest is the alert log and the subscriber).
  const decided = c.detectionLagCount - warm.counters.detectionLagCount;
  const decidedMeanMs = decided > 0 ? (c.detectionLagSumMs - warm.counters.detectionLagSumMs) / decided : Number.NaN;
  const clean = falseAlerts === 0 && missed === 0 && duplicates === 0;
  const p = (q: number) => round(percentile(lags, q), 1);
  const measured = samples.slice(1);
  const loopP99 = Math.max(...measured.map((s) => s.loopP99Ms));
  const loopMax = Math.max(...measured.map((s) => s.loopMaxMs));
  const publisherLate = Math.max(...measured.map((s) => s.publisherLateMs));
  return {
    rows: [
      {
        figure: `steady: ${fmtInt(windows)} windows every ${plan.periodMs / 1000} s for ${Math.round(seconds)} s: msgs/s target / sent / received`,
        value: `${fmtInt(target)} / ${fmtInt(sentRate)} / ${fmtInt(receivedRate)}`,
        target: "held",
        met: held,
      },
      {
        figure: `steady: alert lag past the deadline, p50 / p99 / max (${lags.length} alerts of ${plan.deaths} dead peers)`,
        value: `${p(50)} / ${p(99)} / ${round(lags[lags.length - 1] ?? Number.NaN, 1)} ms`,
      },
      {
        figure: "steady: of which the monitor's own (deadline to the alert handed to the bus), mean / max",
        value: `${round(decidedMeanMs, 1)} / ${round(c.detectionLagMaxMs, 1)} ms`,
      },
      {
        figure: "steady: what makes arrivals late: monitor event loop delay p99 (worst sample) / max, fleet's send lateness max",
        value: `${round(loopP99, 1)} / ${round(loopMax, 1)} / ${round(publisherLate, 1)} ms`,
      },
      {
        figure: "steady: false alerts / missed / duplicated",
        value: `${falseAlerts} / ${missed} / ${duplicates}`,
        target: "0 / 0 / 0",
        met: clean,
      },
      {
        figure: "steady: outages / stalls (loop > 1 s late, connection up: no grace) / convictions deferred",
        value: `${outages} / ${stalls} / ${deferred}`,
        target: "0 / - / 0",
        met: outages === 0 && deferred === 0,
      },
      {
        figure: "steady: monitor heap per window (mean of the samples)",
        value: fmtBytes(heapPerWindow),
      },
      {
        figure: "steady: monitor RSS over the run (drift: mean of its second half against its first)",
        value: `${rss.map((x) => fmtBytes(x)).join(", ")} (drift ${round(drift * 100, 1)}%)`,
        // 30 s are too short: the heap still settles (a 4-minute run of the quick fleet is flat after a minute).
        target: quick ? "flat (< 5%), judged in full mode" : "flat (< 5%)",
        met: quick ? undefined : Math.abs(drift) < 0.05,
      },
      {
        figure: "steady: server stores (checkpoint stream, store on disk) / writes per s / bytes per s",
        value: `${fmtBytes(last.storeBytes)}, ${fmtBytes(last.storeDiskBytes)} / ${round(checkpointWritesPerS, 1)} / ${fmtBytes(checkpointBytesPerS)}`,
      },
      {
        figure: "steady: nats-server RSS, machine load average (1 min) over the run",
        value: `${fmtBytes(last.serverRss)}, ${samples.map((s) => s.load1.toFixed(1)).join(" ")}`,
      },
    ],
    json: {
      steady_windows: windows,
      steady_target_msgs_per_s: Math.round(target),
      steady_msgs_per_s: Math.round(receivedRate),
      steady_sent_msgs_per_s: Math.round(sentRate),
      steady_held: held,
      steady_seconds: Math.round(seconds),
      steady_alert_lag_p50_ms: p(50),
      steady_alert_lag_p99_ms: p(99),
      steady_alert_lag_max_ms: round(lags[lags.length - 1] ?? Number.NaN, 1),
      steady_alerts: lags.length,
      steady_false_alerts: falseAlerts,
      steady_missed_alerts: missed,
      steady_duplicate_alerts: duplicates,
      steady_resolved_alerts: alerts.resolved,
      steady_outages: outages,
      steady_stalls: stalls,
      steady_convictions_deferred: deferred,
      steady_rss_bytes: rss,
      steady_rss_drift_pct: round(drift * 100, 2),
      steady_heap_bytes: samples.map((s) => s.heapUsed),
      steady_heap_bytes_per_window: Math.round(heapPerWindow),
      steady_decided_lag_mean_ms: round(decidedMeanMs, 1),
      steady_decided_lag_max_ms: round(c.detectionLagMaxMs, 1),
      steady_monitor_loop_delay_p99_ms: round(loopP99, 1),
      steady_monitor_loop_delay_max_ms: round(loopMax, 1),
      steady_publisher_late_max_ms: round(publisherLate, 1),
      steady_store_bytes: last.storeBytes,
      steady_store_disk_bytes: last.storeDiskBytes,
      steady_checkpoint_writes_per_s: round(checkpointWritesPerS, 2),
      steady_checkpoint_bytes_per_s: Math.round(checkpointBytesPerS),
      steady_checkpoint_failures: c.checkpointFailures,
      steady_server_rss_bytes: last.serverRss,
      steady_load_avg: samples.map((s) => round(s.load1, 1)),
    },
  };
}
