/**
 * Actor churn: windows created and stopped per second when the peerset turns over. Each cycle a
 * PeerSet of 10k new peers replaces the previous one (stopping the previous 10k windows and their
 * actors), then one metric of each new peer arrives as a message (creating 10k windows and actors).
 *
 * A Supervisor driven directly (no NATS), in a child process of its own with --expose-gc: the heap
 * after all cycles, minus the heap before, shows whether stopped windows are really freed.
 */
import { fileURLToPath } from "node:url";
import { setup } from "../helpers/supervisor.js";
import { Child, fmtBytes, fmtInt, metricPayloads, peerIds, round, serveParent, type BenchOptions, type ScenarioResult } from "./common.js";

const PEERS = 10_000;
const NAME = "ping";

interface ChurnReport {
  cycles: number;
  createMs: number[];
  stopMs: number[];
  heapBefore: number;
  heapAfter: number;
  windowsLeft: number;
}

export async function run(o: BenchOptions): Promise<ScenarioResult> {
  const cycles = o.quick ? 4 : 20;
  const child = await Child.start("churn.ts", ["--child"], ["--expose-gc"]);
  try {
    return summarize(await child.call<ChurnReport>("measure", { cycles }));
  } finally {
    await child.stop();
  }
}

function summarize(r: ChurnReport): ScenarioResult {
  // The first cycle warms the code up; the figures are the median of the others.
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const createMs = median(r.createMs.slice(1));
  const stopMs = median(r.stopMs.slice(1));
  const create = (PEERS / createMs) * 1000;
  const stop = (PEERS / stopMs) * 1000;
  const both = (PEERS / (createMs + stopMs)) * 1000;
  const leak = (r.heapAfter - r.heapBefore) / r.cycles;
  return {
    rows: [
      {
        figure: `churn: windows created / stopped per s (peersets of ${fmtInt(PEERS)} peers, ${r.cycles} cycles)`,
        value: `${fmtInt(create)} / ${fmtInt(stop)}`,
      },
      { figure: "churn: full turnover (create + stop) per s", value: `${fmtInt(both)} windows/s` },
      {
        figure: "churn: heap left after all cycles (per cycle)",
        value: `${fmtBytes(r.heapAfter - r.heapBefore)} (${fmtBytes(leak)}), ${r.windowsLeft} windows left`,
        target: "freed",
        met: r.windowsLeft === 0 && leak < PEERS * 100,
      },
    ],
    json: {
      churn_windows_per_s: Math.round(both),
      churn_create_per_s: Math.round(create),
      churn_stop_per_s: Math.round(stop),
      churn_cycles: r.cycles,
      churn_heap_growth_bytes_per_cycle: Math.round(leak),
      churn_create_ms: r.createMs.map((x) => round(x, 1)),
      churn_stop_ms: r.stopMs.map((x) => round(x, 1)),
    },
  };
}

// ---- the child ---------------------------------------------------------------------------------

function fullGc(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("churn.ts needs node --expose-gc");
  gc();
  gc();
}

function measure(arg: unknown): ChurnReport {
  const { cycles } = arg as { cycles: number };
  // The unit tests' Supervisor: ManualClock, a sink that accepts every alert, round trips answered.
  const { sup, intake } = setup();
  // An empty peerset first, so the heap before includes the supervisor's own structures.
  sup.applyPeerSet({ peers: [], id: "empty" });
  fullGc();
  const heapBefore = process.memoryUsage().heapUsed;
  const createMs: number[] = [];
  const stopMs: number[] = [];
  for (let c = 0; c < cycles; c++) {
    // Payloads outside the timing: distinct peers every cycle, as new peers joining.
    const peers = peerIds(PEERS, 1_000 + c);
    const { subjects, payloads } = metricPayloads([NAME], peers, 60_000, c);
    const t0 = performance.now();
    sup.applyPeerSet({ peers, id: `cycle-${c}` });
    const t1 = performance.now();
    for (let i = 0; i < subjects.length; i++) intake.receive(subjects[i]!, payloads[i]!);
    const t2 = performance.now();
    if (c > 0) stopMs.push(t1 - t0);
    createMs.push(t2 - t1);
  }
  const t0 = performance.now();
  sup.applyPeerSet({ peers: [], id: "empty-again" });
  stopMs.push(performance.now() - t0);
  const windowsLeft = sup.windowCount;
  sup.stop();
  fullGc();
  return { cycles, createMs, stopMs, heapBefore, heapAfter: process.memoryUsage().heapUsed, windowsLeft };
}

if (process.argv.includes("--child") && fileURLToPath(import.meta.url) === process.argv[1]) {
  serveParent({ measure, stop: () => undefined });
}
