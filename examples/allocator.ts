/**
 * A reference consumer: the allocator role of IPFS Cluster's PinAllocator. Given k, it picks the k
 * current peers with the most `freespace` from the monitor's latest metrics:
 *
 *   - candidates are the peers in `client.latest(by)`: the monitor already keeps only valid, fresh
 *     metrics of the current peerset;
 *   - a candidate must also have a valid, fresh metric of every name in `allocateBy` (IPFS Cluster
 *     discards a peer that lacks any of the allocator's metrics), and a numeric value;
 *   - most free space first; ties by weight (higher first), then by peer id, so the choice is
 *     deterministic.
 *
 * Run it against a monitor (`npm start`) with:
 *   node --import tsx examples/allocator.ts <k> [--nats url] [--by freespace] [--allocate-by ping,numpin]
 * Outside this repository, import from "peermon" instead of "../src/mod.js".
 */
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { PeerMonitorClient, type Metric } from "../src/mod.js";
import { openConnection } from "../src/bus/connection.js";

export interface AllocateOptions {
  /** The metric to rank by; its value must be a non-negative decimal number. @default "freespace" */
  by?: string;
  /** Other metric names a candidate must currently have (valid and fresh). @default [] */
  allocateBy?: readonly string[];
}

/** One chosen peer: its ranking metric and the parsed value. */
export interface Allocation {
  peer: string;
  value: string;
  weight: bigint;
  metric: Metric;
}

/** Fewer candidates than asked for: IPFS Cluster refuses to allocate then, and so do we. */
export class NotEnoughPeersError extends Error {
  override name = "NotEnoughPeersError";
  constructor(
    readonly wanted: number,
    readonly candidates: Allocation[],
    by: string,
  ) {
    super(
      `cannot allocate ${wanted} peer(s): only ${candidates.length} current peer(s) have a valid, fresh, numeric ` +
        `\`${by}\` and every required metric; ask for fewer, or check \`peermon latest ${by}\``,
    );
  }
}

/** The k best peers by `by`, best first. Throws NotEnoughPeersError when fewer than k qualify. */
export async function allocate(client: PeerMonitorClient, k: number, options: AllocateOptions = {}): Promise<Allocation[]> {
  const { by = "freespace", allocateBy = [] } = options;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a whole number of peers, at least 1 (got ${k})`);
  const [ranked, ...required] = await Promise.all([client.latest(by), ...allocateBy.map((n) => client.latest(n))]);
  const holders = required.map((metrics) => new Set(metrics.map((m) => m.peer)));
  const candidates = ranked!
    .filter((m) => holders.every((peers) => peers.has(m.peer)))
    .filter((m) => parseAmount(m.value) !== undefined)
    .map((m) => ({ peer: m.peer, value: m.value, weight: m.weight, metric: m }))
    .sort(byMostFirst);
  if (candidates.length < k) throw new NotEnoughPeersError(k, candidates, by);
  return candidates.slice(0, k);
}

/** Most value first, then higher weight, then peer id. */
function byMostFirst(a: Allocation, b: Allocation): number {
  const byValue = compareAmounts(parseAmount(b.value)!, parseAmount(a.value)!);
  if (byValue !== 0) return byValue;
  if (a.weight !== b.weight) return a.weight > b.weight ? -1 : 1;
  return a.peer < b.peer ? -1 : a.peer > b.peer ? 1 : 0;
}

interface Amount {
  whole: bigint;
  fraction: string;
}

/**
 * A non-negative decimal number, kept exact: free space is a uint64 of bytes (IPFS Cluster sends it
 * as text), beyond what a JS number holds exactly. Anything else is not a candidate.
 */
export function parseAmount(value: string): Amount | undefined {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(value.trim());
  return match ? { whole: BigInt(match[1]!), fraction: (match[2] ?? "").replace(/0+$/, "") } : undefined;
}

function compareAmounts(a: Amount, b: Amount): number {
  if (a.whole !== b.whole) return a.whole < b.whole ? -1 : 1;
  const width = Math.max(a.fraction.length, b.fraction.length);
  const fa = a.fraction.padEnd(width, "0");
  const fb = b.fraction.padEnd(width, "0");
  return fa < fb ? -1 : fa > fb ? 1 : 0;
}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      nats: { type: "string", default: process.env.NATS_URL ?? "nats://127.0.0.1:4222" },
      by: { type: "string", default: "freespace" },
      "allocate-by": { type: "string", default: "" },
    },
  });
  const k = Number(positionals[0]);
  if (positionals.length !== 1 || !Number.isInteger(k) || k < 1) {
    throw new Error("usage: allocator.ts <k> [--nats url] [--by freespace] [--allocate-by name,name]; k is a number of peers, at least 1");
  }
  const allocateBy = values["allocate-by"].split(",").filter(Boolean);
  const nc = await openConnection({ servers: values.nats }, { name: "peermon-example allocator", finite: true });
  try {
    const chosen = await allocate(new PeerMonitorClient(nc), k, { by: values.by, allocateBy });
    const also = allocateBy.length ? ` (candidates also have ${allocateBy.join(", ")})` : "";
    console.log(`allocate ${k} peer(s) by most ${values.by}${also}:`);
    chosen.forEach((a, i) => console.log(`  ${i + 1}. ${a.peer} | ${values.by}: ${a.value} | weight: ${a.weight}`));
  } finally {
    await nc.drain();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(`allocator: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
