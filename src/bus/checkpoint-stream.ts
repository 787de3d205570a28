/**
 * The checkpoint stream `<PREFIX>_WINDOWS`: per partition, its windows' newest metrics in buckets
 * (`<prefix>.checkpoint.<partition>.<bucket>`, one window batch each, window-batch.ts), of which
 * the server keeps only the last message per subject. Written by checkpoint-writer.ts; read here
 * when a monitor starts.
 *
 * One clock: a restored metric's age is its age inside its batch (on the writer's clock) plus the
 * batch's own age on the server's clock (`serverTimeToMonitor`), counted back from the reader's now.
 */
import { DeliverPolicy, type JetStreamManager, type NatsConnection } from "nats";
import type { Subjects } from "../api/subjects.js";
import type { WireMetric } from "../api/validate.js";
import type { Clock } from "../clock.js";
import { TUNING } from "../config.js";
import { decodeWindowBatch, receivedAtOnReader } from "../window/window-batch.js";
import { ensureStream } from "./jetstream.js";
import { replayStream } from "./stream-replay.js";

/** The stream's size, bytes: about 3M windows of 170 B; the oldest buckets go first when full. */
const CHECKPOINT_STREAM_MAX_BYTES = 512 * 1024 ** 2;

export interface CheckpointStreamOptions {
  replicas: number;
  /** A bucket nobody rewrote for this long is dropped, ms. */
  retentionMs: number;
}

/** Creates the checkpoint stream when missing. */
export async function ensureCheckpointStream(jsm: JetStreamManager, subjects: Subjects, o: CheckpointStreamOptions): Promise<void> {
  await ensureStream(jsm, {
    name: subjects.stream("WINDOWS"),
    subjects: [subjects.checkpoint("*", "*")],
    max_msgs_per_subject: 1,
    max_age: o.retentionMs * 1_000_000,
    max_bytes: CHECKPOINT_STREAM_MAX_BYTES,
    num_replicas: o.replicas,
    description: "peermon: checkpoints of the windows (each window's newest metric, by partition and bucket) for restarts",
  });
}

/**
 * Where a restored metric goes, with its receive time and the time its batch was written (the
 * snapshot it comes from), both on this monitor's clock.
 */
export type RestoredSink = (m: WireMetric, receivedAtMs: number, snapshotAtMs: number) => void;

export interface CheckpointsRead {
  /** Buckets (messages) read. */
  batches: number;
  /** Metrics handed to the sink. */
  metrics: number;
  /** Entries or whole buckets that were not what a checkpoint holds: skipped. */
  rejected: number;
  /** Per partition, the buckets found in the stream (highest index + 1): a writer that uses fewer clears the rest. */
  stored: Map<number, number>;
}

/** Reads the checkpoints of `partitions` (undefined: all) into `apply`. */
export async function readCheckpoints(
  nc: NatsConnection,
  clock: Clock,
  subjects: Subjects,
  partitions: readonly number[] | undefined,
  apply: RestoredSink,
): Promise<CheckpointsRead> {
  const read: CheckpointsRead = { batches: 0, metrics: 0, rejected: 0, stored: new Map() };
  const filters = partitions ? partitions.map((k) => subjects.checkpoint(k, "*")) : [subjects.checkpoint("*", "*")];
  const stream = subjects.stream("WINDOWS");
  const onBatch = (subject: string, data: Uint8Array, storedAtMs: number) => {
    read.batches++;
    const place = bucketPlace(subject);
    if (place) read.stored.set(place.partition, Math.max(read.stored.get(place.partition) ?? 0, place.bucket + 1));
    try {
      const batch = decodeWindowBatch(data);
      read.rejected += batch.rejected;
      for (const m of batch.metrics) apply(m, receivedAtOnReader(batch, m, storedAtMs), storedAtMs);
      read.metrics += batch.metrics.length;
    } catch {
      read.rejected++;
    }
  };
  await Promise.all(filters.map((f) => replayStream(nc, clock, stream, f, DeliverPolicy.LastPerSubject, onBatch, TUNING.checkpointReadAhead)));
  return read;
}

/** Partition and bucket of a checkpoint subject (`<prefix>.checkpoint.<k>.<b>`). */
export function bucketPlace(subject: string): { partition: number; bucket: number } | undefined {
  const tokens = subject.split(".");
  const partition = Number(tokens[tokens.length - 2]);
  const bucket = Number(tokens[tokens.length - 1]);
  return Number.isInteger(partition) && Number.isInteger(bucket) ? { partition, bucket } : undefined;
}
