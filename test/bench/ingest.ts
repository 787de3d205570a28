/**
 * Ingest: metrics/s one monitor process sustains, against a bare nats.js subscriber that decodes
 * the same payloads and updates a Map (the baseline), under the same load on the same server.
 *
 * A publisher process sends `count` metrics of 10k peers x 5 names as fast as it can; the receiver
 * (a fresh process per run) is timed from the first to the last message it received. Every window
 * exists before the timed run (a warm-up pass sends each (name, peer) once), so the figure is the
 * steady state, not window creation. Runs alternate baseline / monitor / monitor without durable
 * windows, each on a fresh server; the best of each counts.
 * With --profile, the first run of each receiver writes ingest-<mode>.cpuprofile (timed phase only).
 */
import { connect } from "nats";
import { Child, fmtInt, profileFile, progress, round, withServer, type BenchOptions, type ScenarioResult } from "./common.js";

const PEERS = 10_000;
const NAMES = 5;

/**
 * baseline: bare subscriber; monitor: `Monitor.start` with the default config (as `peermon serve`
 * runs it); monitor-volatile: the same without durable windows (no JetStream stream capturing every
 * metric), which isolates the monitor process from the server's extra work.
 */
type Mode = "baseline" | "monitor" | "monitor-volatile";
const MODES: readonly Mode[] = ["baseline", "monitor", "monitor-volatile"];

interface RunResult {
  mode: Mode;
  sent: number;
  received: number;
  msgsPerS: number;
  publisherMsgsPerS: number;
  rejected: number;
  outages: number;
  streams: string[];
}

interface Timing {
  count: number;
  firstAt: number;
  lastAt: number;
}

export async function run(o: BenchOptions): Promise<ScenarioResult> {
  const count = o.quick ? 250_000 : 1_000_000;
  const repeats = o.quick ? 1 : 3;
  const runs: RunResult[] = [];
  for (let r = 0; r < repeats; r++) {
    for (const mode of MODES) {
      // A fresh server each run: nothing the previous receiver left there (streams, subscriptions) counts.
      const result = await withServer({}, (server) => measure(server.url, mode, count, r === 0 ? profileFile(o, `ingest-${mode}`) : undefined));
      progress(
        `ingest ${mode} run ${r + 1}/${repeats}: ${fmtInt(result.msgsPerS)} msgs/s ` +
          `(received ${fmtInt(result.received)}/${fmtInt(result.sent)}, publisher ${fmtInt(result.publisherMsgsPerS)} msgs/s` +
          (result.streams.length ? `, streams on the server: ${result.streams.join(" ")})` : ")"),
      );
      runs.push(result);
    }
  }
  return summarize(runs, count);
}

async function measure(url: string, mode: Mode, count: number, profile?: string): Promise<RunResult> {
  const publisher = await Child.start("publisher.ts", ["--nats", url, "--peers", String(PEERS), "--names", String(NAMES)]);
  const args = mode === "baseline" ? ["--mode", "baseline"] : ["--mode", "monitor"];
  if (mode === "monitor-volatile") args.push("--config", JSON.stringify({ durableWindows: false }));
  const receiver = await Child.start("receiver.ts", [...args, "--nats", url]);
  try {
    // Warm-up: every window exists and the receiver's code is compiled before the timed run.
    const warm = PEERS * NAMES;
    await receiver.call("expect", { n: warm });
    await publisher.call("publish", { count: warm });
    await receiver.next("done", 120_000);
    await receiver.call("expect", { n: count });
    if (profile) await receiver.call("profileStart");
    const published = await publisher.call<{ sent: number; ms: number }>("publish", { count });
    const timing = await waitReceived(receiver, count);
    if (profile) await receiver.call("profileStop", { file: profile });
    const stats = await receiver.call<{ counters?: { rejected: Record<string, number>; outages: number } }>("stats");
    const rejected = stats.counters ? Object.values(stats.counters.rejected).reduce((a, b) => a + b, 0) : 0;
    return {
      mode,
      sent: published.sent,
      received: timing.count,
      msgsPerS: timing.count > 1 ? ((timing.count - 1) / (timing.lastAt - timing.firstAt)) * 1000 : 0,
      publisherMsgsPerS: (published.sent / published.ms) * 1000,
      rejected,
      outages: stats.counters?.outages ?? 0,
      streams: await streamsOn(url),
    };
  } finally {
    await receiver.stop();
    await publisher.stop();
  }
}

/** JetStream streams on the server with their message counts: work the server did besides routing. */
async function streamsOn(url: string): Promise<string[]> {
  const nc = await connect({ servers: url, name: "bench-ingest-streams" });
  try {
    const jsm = await nc.jetstreamManager();
    const out: string[] = [];
    for await (const si of jsm.streams.list()) out.push(`${si.config.name}(${si.state.messages} msgs)`);
    return out;
  } catch {
    return [];
  } finally {
    await nc.close();
  }
}

/** Waits for `done`; if messages stop arriving before, returns what came (drops). */
async function waitReceived(receiver: Child, count: number): Promise<Timing> {
  let last = -1;
  for (;;) {
    try {
      return await receiver.next<Timing>("done", 3_000);
    } catch (err) {
      if (!receiver.running) throw err;
      const t = await receiver.call<Timing>("stats");
      if (t.count === last) {
        progress(`ingest: receiver stopped at ${t.count} of ${count} messages`);
        return t;
      }
      last = t.count;
    }
  }
}

function summarize(runs: RunResult[], count: number): ScenarioResult {
  const of = (mode: Mode) => runs.filter((r) => r.mode === mode);
  const best = (mode: Mode) => Math.max(...of(mode).map((r) => r.msgsPerS));
  const monitor = best("monitor");
  const volatile = best("monitor-volatile");
  const baseline = best("baseline");
  const ratio = monitor / baseline;
  const volatileRatio = volatile / baseline;
  const drops = runs.reduce((n, r) => n + (r.sent - r.received), 0);
  const rejected = runs.reduce((n, r) => n + r.rejected, 0);
  const publisher = (mode: Mode) => Math.max(...of(mode).map((r) => r.publisherMsgsPerS));
  return {
    rows: [
      { figure: "ingest: baseline (nats.js + decode + Map)", value: `${fmtInt(baseline)} msgs/s` },
      { figure: "ingest: peermon monitor (default config: durable windows)", value: `${fmtInt(monitor)} msgs/s` },
      { figure: "ingest_ratio (monitor / baseline)", value: round(ratio, 3).toFixed(3), target: ">= 0.8", met: ratio >= 0.8 },
      {
        figure: "ingest: monitor without durable windows, ratio",
        value: `${fmtInt(volatile)} msgs/s, ${round(volatileRatio, 3).toFixed(3)}`,
        target: ">= 0.8",
        met: volatileRatio >= 0.8,
      },
      {
        figure: "ingest: messages lost / rejected",
        value: `${drops} / ${rejected} (of ${fmtInt(count)} x ${runs.length} runs)`,
        target: "0 / 0",
        met: drops === 0 && rejected === 0,
      },
    ],
    json: {
      ingest_ratio: round(ratio, 3),
      ingest_msgs_per_s: Math.round(monitor),
      baseline_msgs_per_s: Math.round(baseline),
      ingest_ratio_volatile: round(volatileRatio, 3),
      ingest_volatile_msgs_per_s: Math.round(volatile),
      ingest_msgs_per_run: count,
      ingest_drops: drops,
      ingest_rejected: rejected,
      ingest_monitor_runs: of("monitor").map((r) => Math.round(r.msgsPerS)),
      ingest_volatile_runs: of("monitor-volatile").map((r) => Math.round(r.msgsPerS)),
      ingest_baseline_runs: of("baseline").map((r) => Math.round(r.msgsPerS)),
      ingest_publisher_msgs_per_s: {
        baseline: Math.round(publisher("baseline")),
        monitor: Math.round(publisher("monitor")),
        "monitor-volatile": Math.round(publisher("monitor-volatile")),
      },
      ingest_monitor_outages: runs.reduce((n, r) => n + r.outages, 0),
      ingest_monitor_streams: of("monitor")[0]?.streams ?? [],
    },
  };
}
