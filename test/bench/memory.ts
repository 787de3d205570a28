/**
 * Memory: heap and RSS per window with 1M full windows (100k peers x 10 names, 10 metrics each,
 * each past its first deadline check, as a running monitor holds them: a window's actor starts with
 * its first episode, so a healthy one has none), then RSS while the same windows keep receiving
 * metrics (it must stay flat: the window is a ring buffer).
 *
 * Runs a Supervisor directly (no NATS) in a child process of its own with --expose-gc and a large
 * heap. The first metric of each window arrives as a message (`receive`: decoded name, peer and
 * value strings, as in production); the other nine through `ingest` with fresh value strings.
 * Per window = (after - before) / windows, both measured after a full GC.
 */
import { fileURLToPath } from "node:url";
import { encode } from "../../src/api/codec.js";
import { DEFAULT_CONFIG } from "../../src/config.js";
import { setup } from "../helpers/supervisor.js";
import {
  Child,
  METRIC_NAMES,
  NS_PER_MS,
  fmtBytes,
  fmtInt,
  metricMap,
  metricSubject,
  peerIds,
  progress,
  round,
  serveParent,
  type BenchOptions,
  type ScenarioResult,
} from "./common.js";

const TTL_MS = 10 * 60_000;
/** Metrics per window: the windowCapacity of the unit tests' Supervisor (test/helpers/supervisor.ts). */
const CAPACITY = 10;

interface Usage {
  rss: number;
  heapUsed: number;
  arrayBuffers: number;
}

interface MemoryReport {
  windows: number;
  full: boolean;
  buildMs: number;
  before: Usage;
  after: Usage;
  steady: { round: number; rss: number; heapUsed: number; heapAfterGc: number }[];
}

export async function run(o: BenchOptions): Promise<ScenarioResult> {
  const peers = o.quick ? 10_000 : 100_000;
  const rounds = o.quick ? 2 : 6;
  const child = await Child.start("memory.ts", ["--child"], ["--expose-gc", "--max-old-space-size=16384"]);
  try {
    const report = await child.call<MemoryReport>("measure", { peers, rounds });
    return summarize(report);
  } finally {
    await child.stop();
  }
}

function summarize(r: MemoryReport): ScenarioResult {
  const heap = (r.after.heapUsed - r.before.heapUsed) / r.windows;
  const buffers = (r.after.arrayBuffers - r.before.arrayBuffers) / r.windows;
  const perWindow = heap + buffers;
  const rss = (r.after.rss - r.before.rss) / r.windows;
  const steadyRss = r.steady.map((s) => s.rss);
  // Flatness: growth from the first steady round to the last, relative to the memory the windows use.
  const drift = (steadyRss[steadyRss.length - 1]! - steadyRss[0]!) / (r.after.rss - r.before.rss);
  const heapDrift = (r.steady[r.steady.length - 1]!.heapAfterGc - r.after.heapUsed) / r.windows;
  return {
    rows: [
      {
        figure: `memory: heap + buffers per window (${fmtInt(r.windows)} full windows)`,
        value: `${fmtBytes(perWindow)} (heap ${fmtBytes(heap)}, ArrayBuffers ${fmtBytes(buffers)})`,
        target: "<= 6 KiB",
        met: perWindow <= 6 * 1024 && r.full,
      },
      { figure: "memory: RSS per window", value: fmtBytes(rss), target: "<= 6 KiB", met: rss <= 6 * 1024 },
      {
        figure: `memory: RSS over ${r.steady.length} steady rounds (1 metric per window each)`,
        value: `${steadyRss.map((x) => fmtBytes(x)).join(", ")} (drift ${round(drift * 100, 1)}%)`,
        target: "flat (< 5%)",
        met: Math.abs(drift) < 0.05,
      },
    ],
    json: {
      windows: r.windows,
      bytes_per_window: Math.round(perWindow),
      heap_bytes_per_window: Math.round(heap),
      arraybuffer_bytes_per_window: Math.round(buffers),
      rss_bytes_per_window: Math.round(rss),
      memory_windows_full: r.full,
      memory_build_windows_per_s: Math.round((r.windows / r.buildMs) * 1000),
      memory_rss_steady_bytes: steadyRss,
      memory_rss_steady_drift_pct: round(drift * 100, 2),
      memory_heap_drift_bytes_per_window: Math.round(heapDrift),
    },
  };
}

// ---- the child ---------------------------------------------------------------------------------

function usage(): Usage {
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers };
}

function fullGc(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("memory.ts needs node --expose-gc");
  gc();
  gc();
}

function measure(arg: unknown): MemoryReport {
  const { peers: peerCount, rounds } = arg as { peers: number; rounds: number };
  const peers = peerIds(peerCount, 21);
  const names = METRIC_NAMES;
  // The unit tests' Supervisor: ManualClock, a sink that accepts every alert, round trips answered.
  const { clock, sup, units, intake } = setup({ confirmation: DEFAULT_CONFIG.confirm === "auto" }); // a rhythm per window, as by default
  const ttl = BigInt(TTL_MS) * NS_PER_MS;
  let value = 1e12;
  /** One more metric in every window, with a fresh value string. */
  const ingestRound = () => {
    const expire = BigInt(Math.round(clock.now() + TTL_MS)) * NS_PER_MS;
    for (const p of peers) {
      for (const n of names) sup.ingest({ n, p, v: String(value++), e: expire, d: true, w: 7, l: ttl });
    }
  };

  fullGc();
  const before = usage();
  const started = performance.now();
  for (const p of peers) {
    for (const n of names) intake.receive(metricSubject(n, p), encode(metricMap(n, p, TTL_MS, value++, clock.now())));
  }
  for (let k = 1; k < CAPACITY; k++) ingestRound();
  const buildMs = performance.now() - started;
  // Pass every window's first deadline check (with a fresh metric just before, so that none is
  // due), so that every window is measured as a running monitor holds it after one ttl.
  clock.advance(TTL_MS - 1_000);
  ingestRound();
  clock.advance(1_000);
  fullGc();
  const after = usage();
  const windows = sup.windowCount;
  const full = units.views.history(names[0]!, peers[0]!).length === CAPACITY && units.views.history(names[9]!, peers[peers.length - 1]!).length === CAPACITY;
  progress(`memory: ${fmtInt(windows)} windows built in ${Math.round(buildMs)} ms`);

  const steady: MemoryReport["steady"] = [];
  for (let r = 1; r <= rounds; r++) {
    clock.advance(1_000);
    ingestRound();
    const rss = process.memoryUsage().rss;
    const heapUsed = process.memoryUsage().heapUsed;
    fullGc();
    steady.push({ round: r, rss, heapUsed, heapAfterGc: process.memoryUsage().heapUsed });
  }
  sup.stop();
  return { windows, full, buildMs, before, after, steady };
}

if (process.argv.includes("--child") && fileURLToPath(import.meta.url) === process.argv[1]) {
  serveParent({ measure, stop: () => undefined });
}
