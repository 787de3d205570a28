/**
 * Bytes per window of each detector's state: N instances, each fed a few arrivals so that its
 * fields hold their final kinds of value, measured as heapUsed + ArrayBuffers after a full GC
 * minus before, per instance (as test/bench/memory.ts measures windows). Runs in a child with
 * --expose-gc.
 */
import { fileURLToPath } from "node:url";
import { detectorFactory, type Detector, type DetectorName } from "./detectors/mod.js";
import { Child, serveParent } from "../common.js";

export interface StateBytes {
  detector: DetectorName;
  instances: number;
  bytesPerWindow: number;
}

/** Instances measured per detector: 1M for the small states, fewer for φ's 1000-sample ring. */
const INSTANCES: Record<DetectorName, number> = {
  ttl: 1_000_000,
  "ipfs-tick": 1_000_000,
  "ttl+confirm": 1_000_000,
  rhythm: 1_000_000,
  chen: 1_000_000,
  phi: 20_000,
};

export async function measureStateBytes(quick: boolean): Promise<StateBytes[]> {
  const child = await Child.start("detection/state-memory.ts", ["--child"], ["--expose-gc"]);
  try {
    const out: StateBytes[] = [];
    for (const detector of ["rhythm", "ttl", "ipfs-tick", "chen", "phi"] as const) {
      const instances = quick ? Math.min(INSTANCES[detector], 100_000) : INSTANCES[detector];
      out.push(await child.call<StateBytes>("measure", { detector, instances }));
    }
    return out;
  } finally {
    await child.stop();
  }
}

// ---- the child ---------------------------------------------------------------------------------

function heap(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("state-memory.ts needs node --expose-gc");
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

function measure(arg: unknown): StateBytes {
  const { detector, instances } = arg as { detector: DetectorName; instances: number };
  const make = detectorFactory(detector);
  // The array that keeps them is allocated first: its slots are not the detectors' bytes.
  const kept: (Detector | null)[] = new Array<Detector | null>(instances).fill(null);
  const before = heap();
  for (let i = 0; i < instances; i++) {
    const d = make();
    // Twelve arrivals 15 s apart with a little jitter: every field takes its working value.
    for (let k = 0; k < 12; k++) d.observe(1.7e12 + k * 15_000 + ((i * 7 + k * 13) % 200), 1.7e12 + k * 15_000 + 30_000);
    kept[i] = d;
  }
  const after = heap();
  if (kept.length !== instances) throw new Error("instances lost");
  return { detector, instances, bytesPerWindow: Math.round(((after - before) / instances) * 10) / 10 };
}

if (process.argv.includes("--child") && fileURLToPath(import.meta.url) === process.argv[1]) {
  serveParent({ measure, stop: () => undefined });
}
