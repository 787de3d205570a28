/**
 * Regenerates docs/benchmarks.md from a run of the suite (`npm run bench -- --docs`): the machine,
 * the date, the table, the JSON line, each figure's method, and the issues' targets with a verdict.
 * The file keeps the last full run and the last quick run: a run replaces the section of its own
 * mode and keeps the other's. A target is judged on the full run's figure when it has one, else on
 * the quick run's (marked so).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, release, totalmem, type } from "node:os";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";

export interface DocsInput {
  quick: boolean;
  /** The code measured, from `revision()` when the run started. */
  revision: string;
  table: string;
  line: Record<string, unknown>;
  durations: Record<string, number>;
  profile: string | undefined;
  /** The machine's load average (1, 5, 15 min) when the run started. */
  load?: string;
  /** The scenarios run, when not all of them (`--only`): named in the section's heading. */
  only?: string[];
}

const DOC = fileURLToPath(new URL("../../docs/benchmarks.md", import.meta.url));

/** How each figure is obtained, two lines each. */
const METHODS = `
**ingest_msgs_per_s, baseline_msgs_per_s, ingest_ratio** (\`ingest.ts\`)
- A publisher process sends 1M msgpack metrics of 10k peers x 5 names (250k in quick mode) as fast as it can, after a warm-up pass that creates every window; a fresh receiver process on a fresh server is timed from the first to the last message; best of 3 alternating runs.
- Baseline: a bare nats.js callback subscriber on \`peermon.part.*.metrics.>\` decoding with peermon's codec into a Map keyed by name+peer; monitor: \`Monitor.start\` with the default config (and once more without durable windows); same server config (repo nats.conf + max_pending 2 GB); received must equal sent.

**detect_p50_ms, detect_p99_ms** (\`detect.ts\`)
- A monitor process holds 100k live windows (10 min ttl, refreshed at 10k msgs/s meanwhile) and gets 2000 metrics whose ttls put their deadlines 2-5 s ahead (25k live / 300 in quick mode).
- A subscriber on \`peermon.alerts.>\` takes each firing alert's arrival time minus its deadline from the alert's own fields (\`t\` + \`l\`, same machine clock); valid only with 0 deferred convictions, outages and stalls (grace 500 ms).

**windows, bytes_per_window, rss_bytes_per_window, RSS steady** (\`memory.ts\`)
- A Supervisor driven directly (no NATS) in a process with --expose-gc builds 100k peers x 10 names = 1M windows (100k quick), each full (10 metrics, the first as a decoded message) and past its first deadline check (a healthy window has no actor: it starts with its first episode).
- bytes_per_window = (heapUsed + ArrayBuffers) after a full GC minus before, per window (heap and RSS also alone); then rounds of one more metric into every window must leave RSS flat.

**latest_p99_ms, latest_ratio** (\`queries.ts\`)
- A monitor process holds 10k peers of one name; one request first against the repo's nats.conf as is (does the 1.3 MB reply fit max_payload?), then the timing on a server with max_payload 8 MB.
- 1000 sequential raw requests on \`peermon.latest.<name>\` (time until the reply arrived; 500 quick) alternate in blocks of 50 with as many to a bare nats.js responder of the same reply size (another process): latest_ratio = the monitor's p99 / the responder's p99 (the monitor process with \`peermon serve\`'s V8 settings, src/cli/v8-settings.ts; the responder with Node's defaults); then 200 through the SDK (decoding 10k metrics), 1000 with 8 in flight (replies/s).

**restart_answer_ms** (\`restart.ts\`)
- \`peermon serve\` processes on the build in dist/ hold 10k peers x 10 names = 100k windows (20k quick), each published twice; after two checkpoint rounds the only one is SIGKILLed and a new one started: restart_answer_ms = its process start to the first \`latest\` answer listing every peer with its newest value (every earlier answer counted as wrong).
- Then a second replica starts beside it (windows from the live sibling): process start to serving; its answers are checked by SIGKILLing the first.

**steady_*** (\`steady.ts\`)
- A publisher process sends 100k peers x 10 names = 1M windows, each every 15 s with a 30 s ttl (67k msgs/s), to a monitor process with the default config, 150 s of warm-up (every window full) then 5 minutes measured (quick: 50k windows every 5 s, 20 s + 30 s), while 1,000 peers (100 quick) stop publishing in 10 batches. The fleet's metrics are packed in one buffer (a million simulated peers in one process must not pause together in its garbage collections, as no real fleet does); what makes arrivals late is reported: the monitor's event loop delay and the fleet's own send lateness.
- Held = received >= 99% of sent, sent >= 97% of the schedule, no outage, no conviction deferred (a stall with the connection up starts no grace: counted, not judged); alert lag = arrival minus t + l from the alert; every dead window alerted once, nothing else; RSS sampled every 15 s (drift: mean of the second half against the first; judged in full mode); what the checkpoint stream holds and the server writes.

**churn_windows_per_s** (\`churn.ts\`)
- A Supervisor driven directly; per cycle a PeerSet of 10k new peers replaces the previous one (timed: stopping 10k windows and actors), then one metric message per new peer (timed: creating 10k windows and actors).
- Medians over cycles 2..20 (2..4 quick); churn_windows_per_s = 10k / (create + stop time); the heap after all cycles, GC'd, shows that stopped windows are freed.

**history_*, page_render_ms** (\`history.ts\`)
- The alert log is filled with 10k peers' closed failure episodes (32 each, the 64 alerts per pair it keeps at most; 3 in quick mode); a monitor started on it is timed until its episode index holds them all (the replay); the index's heap is measured alone beforehand (full GCs).
- 1000 sequential \`history\` queries through the SDK for random peers (200 quick), the same lookup in memory, the page's snapshot and render with 10k peers, and for comparison a client reading one peer's alerts from the log with an ordered consumer per query (200, 50 quick).

**ipfs_cluster_*** (\`ipfs-cluster.ts\`, go/internal/sidebyside)
- The same cluster of IPFS Cluster peers (its own Go code, CRDT, libp2p on loopback, its IPFS mock, repinning on, replication 2; 7 peers quick, 12 full) runs once with pubsubmon and once with peermon (nats-server + \`peermon serve --disruption-min-peers 4\`), intervals divided by 15: a ping every 1 s with a 2 s ttl, pubsubmon checking every 1 s, informers every 1 s.
- Punctual peers die one at a time (4, 8 full), each at a seeded random phase after one of its pings (the same phases for both): the mean over live peers of death to the alert on Alerts(), and death to its first pin moved (ipfs_cluster_detect_ratio).
- In a second cluster, 1% of the metrics lost at random for 40 s (240 s full), no peer down: alerts per peer on Alerts(); then peers that lost metrics moments before die as above (ipfs_cluster_lossy_*: with \`--confirm auto\` peermon waits longer for a peer that loses metrics). Then a fresh cluster loses 5 of 8 (6 of 10) at once: pins re-allocated over the next ttl + 8 s.

**failover_*** (\`failover.ts\`)
- deploy/local's cluster (3 nats-servers, 2 shards x 2 replicas, streams R3), 50 peers x 5 names every 300 ms (ttl 1.5 s); one replica of each shard is SIGKILLed as 10 peers go silent, then one nats-server as 10 more do.
- Alert delay = arrival minus the deadline from the alert's own fields; every (name, peer) must alert exactly once; SDK \`latest\` queries run during the replica kill; reconnect = until all 4 monitors answer \`$SRV.PING\`.

**delivery_*** (\`delivery.ts\`)
- A monitor process (\`Monitor.start\` with \`webhookUrl\`: default delivery settings, 10 ms batch window) and a bare node:http webhook receiver in the bench process; lone alerts (one metric every 200 ms, ttl 500 ms; 100, 20 quick), then 1,000 metrics with ttl 1 s published at once, then 5,000 (2,000 quick).
- Lag = the receiver's arrival time minus the alert's startsAt (its deadline, t + l, to the ms); "of which" = arrival minus the alert's arrival on \`peermon.alerts.>\` (published once logged): consumer fetch, batch window, POST; alerts/s = alerts / (last arrival - first arrival).

**detection_*, confirm_*** (\`detection.ts\`, \`detection/\`)
- Synthetic heartbeat traces (7 scenarios x intervals 1 s, 15 s, 30 s; 7 simulated days per peer, 2 quick) replayed through the six detectors (rhythm and expiry confirmation in src/window/detectors, the others in test/bench/detection/detectors) and peermon's deadline code, no NATS, no clock: Chen-Toueg-Aguilera's detection time, false suspicions, mistakes and query accuracy.
- Rows: the chosen detector on the mixed fleet, \`ttl+confirm\` on burst-loss, the issues' targets, the rhythm's bytes per window (1M instances); confirm_false_ratio_vs_tick_* is \`ttl+confirm\`'s false expiries over IPFS Cluster's tick's (worst of burst-loss and mixed), confirm_td_ratio_vs_tick_* its mean detection time over the tick's (worst scenario); \`npm run bench:detection -- --docs\` adds the sweeps and rewrites docs/detection.md.
`;

/** Remarks that follow from the figures of this run. */
function notes(l: Record<string, unknown>, profiled: boolean): string[] {
  const out: string[] = [];
  if (Array.isArray(l.ingest_monitor_runs)) {
    const runs = (k: string) => (l[k] as number[] | undefined)?.join(", ") ?? "-";
    out.push(
      `- Ingest runs, msgs/s: monitor ${runs("ingest_monitor_runs")}; monitor without durable windows ${runs("ingest_volatile_runs")}; ` +
        `baseline ${runs("ingest_baseline_runs")}. Publisher rates (best): ${JSON.stringify(l.ingest_publisher_msgs_per_s)}. ` +
        "Publisher, nats-server and receiver share the machine's cores, so runs differ by up to ~20%.",
    );
  }
  const publisherRates = l.ingest_publisher_msgs_per_s as Record<string, number> | undefined;
  if (publisherRates && publisherRates.monitor! < 1.1 * num(l, "ingest_msgs_per_s")) {
    out.push(
      `- In the monitor runs the publisher itself managed only ${publisherRates.monitor} msgs/s (against ${publisherRates.baseline} in the baseline runs): ` +
        "the server took messages no faster than it could also store them, so that figure is bounded by the server, not by the monitor process.",
    );
  }
  if (Array.isArray(l.ingest_monitor_streams) && l.ingest_monitor_streams.some((s) => String(s).includes("METRICS"))) {
    out.push(
      `- With the default config the server also stores every metric in JetStream (streams after a monitor run: ${(l.ingest_monitor_streams as string[]).join(", ")}), ` +
        "on the same cores: that work is in the monitor's figure, not in the baseline's; the run without durable windows leaves it out.",
    );
  }
  if (profiled) out.push("- This run was profiled: the first ingest run of each receiver and the concurrent query phase ran under the CPU profiler (slower).");
  if (num(l, "ingest_monitor_outages") > 0) {
    out.push(
      `- During ingest the monitor's own link probe (PING/PONG, 2 s timeout) timed out ${l.ingest_monitor_outages} times: the PONG waited behind the ` +
        "backlog the server had queued for the saturated monitor, so it counted an outage (and would have deferred convictions by the grace).",
    );
  }
  if (l.latest_fits_default_max_payload === false) {
    out.push(
      `- With 10k peers the \`latest\` reply (${l.latest_reply_bytes} B) is larger than nats-server's default max_payload (1 MB), which the repo's ` +
        "nats.conf keeps: the query fails (500 MAX_PAYLOAD_EXCEEDED). The timing uses a server with max_payload 8 MB.",
    );
  }
  return out;
}

interface Target {
  what: string;
  target: string;
  /** The figure the verdict rests on: the full run's when it has it, else the quick run's. */
  key: string;
  figure: (l: Record<string, unknown>) => string;
  met: (l: Record<string, unknown>) => boolean | undefined;
}

const num = (l: Record<string, unknown>, k: string) => (typeof l[k] === "number" ? (l[k] as number) : Number.NaN);

const TARGETS: Target[] = [
  {
    what: "Ingest: the actor layer costs at most 20%",
    key: "ingest_ratio",
    target: "ingest_ratio >= 0.8",
    figure: (l) => `${l.ingest_ratio} (${l.ingest_msgs_per_s} vs ${l.baseline_msgs_per_s} msgs/s)`,
    met: (l) => num(l, "ingest_ratio") >= 0.8,
  },
  {
    what: "Ingest, monitor without durable windows",
    key: "ingest_ratio_volatile",
    target: "ingest_ratio >= 0.8",
    figure: (l) => `${l.ingest_ratio_volatile} (${l.ingest_volatile_msgs_per_s} msgs/s)`,
    met: (l) => num(l, "ingest_ratio_volatile") >= 0.8,
  },
  {
    what: "Detection lag with 100k live windows",
    key: "detect_p99_ms",
    target: "p99 <= 50 ms",
    figure: (l) => `p50 ${l.detect_p50_ms} ms, p99 ${l.detect_p99_ms} ms, max ${l.detect_max_ms} ms`,
    met: (l) => num(l, "detect_p99_ms") <= 50 && l.detect_alerts === l.detect_expected,
  },
  {
    what: "Memory per window, 1M full windows",
    key: "bytes_per_window",
    target: "<= 6 KiB (6144 B)",
    figure: (l) => `${l.bytes_per_window} B heap+buffers, ${l.rss_bytes_per_window} B RSS`,
    met: (l) => num(l, "bytes_per_window") <= 6144 && num(l, "rss_bytes_per_window") <= 6144,
  },
  {
    what: "RSS flat after steady state",
    key: "memory_rss_steady_drift_pct",
    target: "drift < 5%",
    figure: (l) => `${l.memory_rss_steady_drift_pct}%`,
    met: (l) => Math.abs(num(l, "memory_rss_steady_drift_pct")) < 5,
  },
  {
    what: "`latest` with 10k peers",
    key: "latest_p99_ms",
    target: "p99 <= 10 ms",
    figure: (l) =>
      `p99 ${l.latest_p99_ms} ms (p50 ${l.latest_p50_ms} ms)` +
      (l.latest_fits_default_max_payload === false ? `; fails under the repo's nats.conf (reply ${l.latest_reply_bytes} B > max_payload 1 MB)` : ""),
    met: (l) => num(l, "latest_p99_ms") <= 10 && l.latest_fits_default_max_payload !== false,
  },
  {
    what: "`latest` with 10k peers against a bare responder of the same reply size",
    key: "latest_ratio",
    target: "latest_ratio <= 1.0",
    figure: (l) => `${l.latest_ratio} (${l.latest_samples} samples each)`,
    met: (l) => num(l, "latest_ratio") <= 1,
  },
  {
    what: "Restart at 100k windows: process start to the first correct `latest`",
    key: "restart_answer_ms",
    target: "<= 2 s, never an older answer",
    figure: (l) =>
      `${l.restart_answer_ms} ms from checkpoints (restore ${l.restart_restore_ms} ms, ${l.restart_wrong_answers} wrong answers); ` +
      `${l.restart_answer_sibling_ms} ms from a sibling`,
    met: (l) => num(l, "restart_answer_ms") <= 2_000 && l.restart_wrong_answers === 0 && num(l, "restart_windows") >= 100_000,
  },
  {
    what: "Steady scale: 1M windows every 15 s (67k msgs/s), 1,000 peers dying",
    key: "steady_windows",
    target: "held, 0 false alerts, 0 outages, 0 deferred, RSS flat",
    figure: (l) =>
      `${l.steady_windows} windows, ${l.steady_msgs_per_s} of ${l.steady_target_msgs_per_s} msgs/s, lag p50/p99/max ${l.steady_alert_lag_p50_ms}/${l.steady_alert_lag_p99_ms}/${l.steady_alert_lag_max_ms} ms, ` +
      `false/missed ${l.steady_false_alerts}/${l.steady_missed_alerts}, outages/stalls/deferred ${l.steady_outages}/${l.steady_stalls}/${l.steady_convictions_deferred}, RSS drift ${l.steady_rss_drift_pct}%`,
    met: (l) =>
      l.steady_held === true &&
      l.steady_false_alerts === 0 &&
      l.steady_missed_alerts === 0 &&
      Math.abs(num(l, "steady_rss_drift_pct")) < 5 &&
      num(l, "steady_windows") >= 1_000_000,
  },
  {
    what: "Steady: a garbage collection is not an outage (issue 20)",
    key: "steady_alert_lag_p99_ms",
    target: "0 convictions deferred, alert lag p99 <= 1 s (aim 100 ms), RSS drift < 5%",
    figure: (l) =>
      `${l.steady_convictions_deferred} deferred (${l.steady_stalls} stalls), lag p99 ${l.steady_alert_lag_p99_ms} ms, RSS drift ${l.steady_rss_drift_pct}%, ` +
      `heap ${l.steady_heap_bytes_per_window} B per window (${l.steady_windows} windows)`,
    met: (l) => num(l, "steady_convictions_deferred") === 0 && num(l, "steady_alert_lag_p99_ms") <= 1_000 && Math.abs(num(l, "steady_rss_drift_pct")) < 5,
  },
  {
    what: "`latest` under a 10k msgs/s ingest of its own windows (every reply rebuilt)",
    key: "latest_p99_under_ingest_ms",
    target: "(reported, no target)",
    figure: (l) => `p50 ${l.latest_p50_under_ingest_ms} ms, p99 ${l.latest_p99_under_ingest_ms} ms (${l.latest_under_ingest_samples} samples)`,
    met: () => undefined,
  },
  {
    what: "Deadline -> webhook receiver, lone alert",
    key: "delivery_lone_p99_ms",
    target: "p99 <= 100 ms",
    figure: (l) => `p50 ${l.delivery_lone_p50_ms} ms, p99 ${l.delivery_lone_p99_ms} ms (delivery path alone: p50 ${l.delivery_lone_path_p50_ms} ms)`,
    met: (l) => (l.delivery_lone_p99_ms === undefined ? undefined : num(l, "delivery_lone_p99_ms") <= 100),
  },
  {
    what: "IPFS Cluster: a punctual peer's death to the alert on Alerts(), peermon / pubsubmon",
    key: "ipfs_cluster_detect_ratio",
    target: "ratio <= 0.6",
    figure: (l) =>
      `${l.ipfs_cluster_detect_ratio} (${l.ipfs_cluster_alert_ms_peermon} vs ${l.ipfs_cluster_alert_ms_pubsubmon} ms; ` +
      `after the ping expired: ${l.ipfs_cluster_after_expiry_ms_peermon} vs ${l.ipfs_cluster_after_expiry_ms_pubsubmon} ms)`,
    met: (l) => (l.ipfs_cluster_detect_ratio === undefined ? undefined : num(l, "ipfs_cluster_detect_ratio") <= 0.6),
  },
  {
    what: "IPFS Cluster: the death of a peer that lost metrics moments before, peermon / pubsubmon",
    key: "ipfs_cluster_lossy_detect_ratio",
    target: "(reported: the price of fewer false alerts)",
    figure: (l) =>
      `${l.ipfs_cluster_lossy_detect_ratio} (${l.ipfs_cluster_lossy_alert_ms_peermon} vs ${l.ipfs_cluster_lossy_alert_ms_pubsubmon} ms; ` +
      `false alerts while 1% was lost: ${l.ipfs_cluster_loss_alerts_peermon} vs ${l.ipfs_cluster_loss_alerts_pubsubmon} per peer)`,
    met: () => undefined,
  },
  {
    what: "IPFS Cluster: repins when most peers die at once, peermon (pubsubmon)",
    key: "ipfs_cluster_storm_repins_peermon",
    target: "peermon 0",
    figure: (l) => `${l.ipfs_cluster_storm_repins_peermon} (${l.ipfs_cluster_storm_repins_pubsubmon})`,
    met: (l) => (l.ipfs_cluster_storm_repins_peermon === undefined ? undefined : num(l, "ipfs_cluster_storm_repins_peermon") === 0),
  },
  {
    what: "Actor churn",
    key: "churn_windows_per_s",
    target: "(reported, no target)",
    figure: (l) => `${l.churn_create_per_s} created/s, ${l.churn_stop_per_s} stopped/s, ${l.churn_windows_per_s} turned over/s`,
    met: () => undefined,
  },
];

/** The code measured: the commit, and whether src/ had uncommitted changes (or PEERMON_BENCH_REVISION). */
export function revision(): string {
  if (process.env.PEERMON_BENCH_REVISION) return process.env.PEERMON_BENCH_REVISION;
  const root = fileURLToPath(new URL("../../", import.meta.url));
  try {
    const git = (...args: string[]) => execFileSync("git", args, { cwd: root, encoding: "utf8" }).trim();
    const head = git("rev-parse", "--short", "HEAD");
    return git("status", "--porcelain", "--", "src") ? `${head} with uncommitted changes in src/` : head;
  } catch {
    return "unknown (not a git checkout)";
  }
}

function machine(code: string): string[] {
  const list = cpus();
  let nats = "unknown";
  try {
    nats = execFileSync("nats-server", ["--version"], { encoding: "utf8" }).trim();
  } catch {
    // reported as unknown
  }
  return [
    `- CPU: ${list.length} cores (os.cpus()), ${list[0]?.model.trim() ?? "unknown model"}`,
    `- Memory: ${Math.round(totalmem() / 1024 ** 3)} GiB`,
    `- OS: ${type()} ${release()}`,
    `- Node: ${process.version}`,
    `- nats-server: ${nats.replace(/^nats-server:\s*/, "")}`,
    `- Code: ${code}`,
  ];
}

/** The section of a run of `mode` in the current file, and its JSON line; undefined when there is none. */
function keptRun(mode: "full" | "quick"): { text: string; line: Record<string, unknown> } | undefined {
  if (!existsSync(DOC)) return undefined;
  const old = readFileSync(DOC, "utf8");
  const start = old.search(new RegExp(`^## Run of .* \\(${mode} mode`, "m"));
  if (start < 0) return undefined;
  const end = old.indexOf("\n## ", start + 1);
  const text = old.slice(start, end < 0 ? undefined : end).trimEnd();
  const json = /```json\n(.*)\n```/.exec(text)?.[1];
  try {
    return { text, line: json ? (JSON.parse(json) as Record<string, unknown>) : {} };
  } catch {
    return { text, line: {} };
  }
}

export function writeDocs(input: DocsInput): string {
  const { line } = input;
  const date = new Date().toISOString().slice(0, 10);
  const mode = input.quick ? "quick" : "full";
  const kept = keptRun(input.quick ? "full" : "quick");
  const full = input.quick ? (kept?.line ?? {}) : line;
  const quick = input.quick ? line : (kept?.line ?? {});
  const verdict = (m: boolean | undefined) => (m === undefined ? "-" : m ? "met" : "**missed**");
  const judged = (t: Target) => {
    const l = full[t.key] !== undefined && full[t.key] !== null ? full : quick;
    const from = l === full ? "" : " (quick run)";
    return `| ${t.what} | ${t.target} | ${t.figure(l)}${from} | ${verdict(t.met(l))} |`;
  };
  const targets = ["| target | wanted | measured | verdict |", "|---|---|---|---|", ...TARGETS.map(judged)];
  const section = [
    `## Run of ${date} (${mode} mode${input.only ? `: ${input.only.join(", ")}` : ""})`,
    "",
    ...machine(input.revision),
    `- Load average (1 min) when it started: ${input.load ?? "not recorded"}`,
    `- Duration: ${Object.entries(input.durations)
      .map(([k, v]) => `${k} ${v} s`)
      .join(", ")}`,
    "",
    input.table,
    "",
    "The JSON line of the run (the last line of the bench's stdout):",
    "",
    "```json",
    JSON.stringify(line),
    "```",
  ].join("\n");
  const runs = input.quick ? [kept?.text, section] : [section, kept?.text];
  const doc = [
    "# Benchmarks",
    "",
    "Generated by `npm run bench -- --docs` (test/bench/run.ts); do not edit by hand, run it again.",
    "`npm run bench -- --quick` runs every scenario smaller in under a minute; `--only ingest,queries` picks",
    "scenarios; `--profile DIR` profiles the receiving processes over the timed phase and lists their hottest functions.",
    "Each scenario starts its own nats-server (never the one on 4222) and processes, and stops them even on failure.",
    "The file keeps the last full run and the last quick run (`--docs` replaces the section of its own mode).",
    "",
    ...runs.filter((r): r is string => r !== undefined).flatMap((r) => [r, ""]),
    "## Targets (issues 4, 10 and 20)",
    "",
    ...targets,
    "",
    ...(notes(line, input.profile !== undefined).length ? ["## Notes on this run", "", ...notes(line, input.profile !== undefined), ""] : []),
    "## Method",
    METHODS,
    ...(input.profile ? ["## CPU profile", "", "```", input.profile, "```", ""] : []),
  ];
  mkdirSync(dirname(DOC), { recursive: true });
  writeFileSync(DOC, doc.join("\n"));
  return DOC;
}
