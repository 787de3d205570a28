/**
 * Windows handed over between replicas of a shard: a replica that starts takes its shard's windows
 * from a live sibling — the state that sibling holds right now, as a Raft follower installs a
 * snapshot — rather than from checkpoints, which are up to an interval old. Requests go to
 * `<prefix>.internal.windows.<shard>` and one sibling answers each (a queue group); a replica
 * answers only once its own restore is over. With no sibling the server says so at once (no
 * responders) and the restore reads checkpoints instead.
 *
 * The starting replica pulls: first the window count of each partition, then every bucket of every
 * partition (`{ k, b, n }`: bucket b of n, window-batch.ts), a few requests in flight. A sibling
 * never sends more than was asked, and the requester never holds more than it applies. A sibling
 * keeps the split of a partition for the length of a transfer, so that it is not redone per bucket.
 * Each batch is placed on the requester's clock by the age of its metrics when the sibling wrote it.
 */
import { headers, type Msg, type NatsConnection, type NatsError, type Subscription } from "nats";
import { decode, encode } from "../api/codec.js";
import { partitionOf, type Subjects } from "../api/subjects.js";
import type { Clock, TimerHandle } from "../clock.js";
import { TUNING } from "../config.js";
import type { Logger } from "../log.js";
import type { MonitorStats } from "../stats.js";
import { bucketCount, splitIntoBuckets } from "../window/buckets.js";
import { msToNs } from "../window/deadline.js";
import type { MetricWindow } from "../window/metric-window.js";
import { BATCH_BYTES_PER_WINDOW, decodeWindowBatch, encodeWindowBatch, receivedAtOnReader } from "../window/window-batch.js";
import type { RestoredSink } from "./checkpoint-stream.js";
import type { WindowSource } from "./checkpoint-writer.js";
import { isInbox } from "./names.js";

/** Header of a sibling's refusal (a bucket that would not fit in a message, a bad request). */
const ERROR_HEADER = "Peermon-Error";

interface TransferRequest {
  /** Partition; absent: the window count of every partition. */
  k?: number;
  /** Bucket b of n. */
  b?: number;
  n?: number;
}

export interface TransferOptions {
  nc: NatsConnection;
  clock: Clock;
  subjects: Subjects;
  /** `all`, or `<index>-of-<count>`: siblings share it. */
  shardTag: string;
  partitions: number;
}

/** The sibling side: answers a starting replica's requests from this replica's windows. */
export class TransferResponder {
  private sub: Subscription | undefined;
  private readonly splits = new Map<string, MetricWindow[][]>();
  private sweep: TimerHandle | undefined;

  constructor(private readonly o: TransferOptions & { windows: WindowSource; stats: MonitorStats; log: Logger }) {}

  start(): void {
    const { nc, subjects, shardTag } = this.o;
    this.sub = nc.subscribe(subjects.windowTransfer(shardTag), {
      queue: `${subjects.prefix}-windows-${shardTag}`,
      callback: (err, m) => err || this.answer(m),
    });
  }

  stop(): void {
    this.sub?.unsubscribe();
    if (this.sweep !== undefined) this.o.clock.clearTimer(this.sweep);
    this.splits.clear();
  }

  private answer(m: Msg): void {
    // Only to an inbox: a reply subject could otherwise make this monitor publish anywhere it may.
    if (!isInbox(m.reply)) return;
    let req: TransferRequest;
    try {
      req = (decode(m.data) ?? {}) as TransferRequest;
    } catch {
      return refuse(m, "undecodable request");
    }
    if (req.k === undefined) {
      m.respond(encode({ w: this.counts() }));
      return;
    }
    if (!isCount(req.k) || !isCount(req.b) || !isCount(req.n) || req.n === 0 || req.b >= req.n) return refuse(m, "bad bucket");
    const bucket = this.split(req.k, req.n)[req.b]!;
    const data = encodeWindowBatch(bucket, msToNs(this.o.clock.wallNow())); // the clock of the windows' `t`
    if (data.length > (this.o.nc.info?.max_payload ?? Infinity)) return refuse(m, `bucket of ${data.length} bytes exceeds max_payload`);
    m.respond(data);
    this.o.stats.transferBatches++;
  }

  /** Windows per partition that has any. */
  private counts(): Record<number, number> {
    const out: Record<number, number> = {};
    for (const [name, windows] of this.o.windows.metricWindows()) {
      const k = partitionOf(name, this.o.partitions);
      let n = 0;
      for (const _ of windows) n++;
      out[k] = (out[k] ?? 0) + n;
    }
    return out;
  }

  /** Partition `k`'s windows in `n` buckets, kept for the length of a transfer. */
  private split(k: number, n: number): MetricWindow[][] {
    const key = `${k}/${n}`;
    let split = this.splits.get(key);
    if (!split) {
      const windows: MetricWindow[] = [];
      for (const [name, list] of this.o.windows.metricWindows()) if (partitionOf(name, this.o.partitions) === k) windows.push(...list);
      split = splitIntoBuckets(windows, n);
      this.splits.set(key, split);
      if (this.sweep !== undefined) this.o.clock.clearTimer(this.sweep);
      this.sweep = this.o.clock.setTimer(() => this.splits.clear(), TUNING.transferSplitKeepMs);
    }
    return split;
  }
}

export interface TransferResult {
  /** Partitions whose every bucket arrived. */
  complete: Set<number>;
  /** Partitions the sibling had windows in. */
  partitions: number[];
  batches: number;
  metrics: number;
  /** Why the transfer stopped short, when it did. */
  failure?: string;
}

/**
 * Takes this shard's windows from a live sibling into `apply`; undefined when no sibling answers.
 * A transfer that fails half-way reports what it completed; the rest is for checkpoints.
 */
export async function takeWindowsFromSibling(o: TransferOptions & { apply: RestoredSink }): Promise<TransferResult | undefined> {
  const subject = o.subjects.windowTransfer(o.shardTag);
  let counts: Record<string, number>;
  try {
    counts = (decode((await request(o.nc, subject, {})).data) as { w: Record<string, number> }).w;
  } catch (err) {
    if ((err as NatsError).code === "503") return undefined;
    throw err;
  }
  const target = Math.min(TUNING.windowBatchBytes, (o.nc.info?.max_payload ?? 1024 * 1024) / 4);
  const jobs: Required<TransferRequest>[] = [];
  const left = new Map<number, number>();
  for (const [key, windows] of Object.entries(counts)) {
    const k = Number(key);
    // Room for windows the sibling creates meanwhile: a bucket stays well under a message.
    const n = Math.max(1, bucketCount(windows, BATCH_BYTES_PER_WINDOW * 1.5, target));
    left.set(k, n);
    for (let b = 0; b < n; b++) jobs.push({ k, b, n });
  }
  const result: TransferResult = { complete: new Set(), partitions: [...left.keys()], batches: 0, metrics: 0 };
  const worker = async () => {
    for (let job = jobs.shift(); job && !result.failure; job = jobs.shift()) {
      try {
        const reply = await request(o.nc, subject, job);
        const refused = reply.headers?.get(ERROR_HEADER);
        if (refused) throw new Error(`the sibling refused: ${refused}`);
        const batch = decodeWindowBatch(reply.data);
        const at = o.clock.now();
        for (const m of batch.metrics) o.apply(m, receivedAtOnReader(batch, m, at), at);
        result.batches++;
        result.metrics += batch.metrics.length;
        const remaining = left.get(job.k)! - 1;
        left.set(job.k, remaining);
        if (remaining === 0) result.complete.add(job.k);
      } catch (err) {
        result.failure ??= (err as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: TUNING.transferConcurrency }, worker));
  return result;
}

/** One request, tried twice: the queue group may hand the second to another sibling. */
async function request(nc: NatsConnection, subject: string, body: TransferRequest): Promise<Msg> {
  const data = encode(body);
  try {
    return await nc.request(subject, data, { timeout: TUNING.transferTimeoutMs });
  } catch (err) {
    if ((err as NatsError).code === "503") throw err;
    return await nc.request(subject, data, { timeout: TUNING.transferTimeoutMs });
  }
}

function refuse(m: Msg, why: string): void {
  const h = headers();
  h.set(ERROR_HEADER, why);
  m.respond(new Uint8Array(0), { headers: h });
}

function isCount(x: unknown): x is number {
  return typeof x === "number" && Number.isInteger(x) && x >= 0;
}
