/**
 * The one msgpack codec: plain maps (no msgpackr record extension) that any msgpack library reads,
 * int64 for every integer field, keys as IPFS Cluster's codec tags. Instances are built once.
 */
import { Packr, Unpackr } from "msgpackr";
import type { Alert, DisruptionEvent, Metric, PeerSet, SuspicionEvent } from "./types.js";

/** Metric messages over this size are rejected, never decoded (the metric limit; PeerSets have their own). */
export const MAX_MESSAGE_BYTES = 64 * 1024;

/**
 * The largest PeerSet a decoder accepts when it is not told the server's limit: 64 MiB, the
 * highest `max_payload` nats-server can be given. A PeerSet may be as large as the server's
 * `max_payload` (8 MB in the repo's configs, where 10,000 libp2p peer ids take about 530 KB); the
 * bus passes that limit (see `peersetLimit` in bus/peerset-stream.ts).
 */
export const MAX_PEERSET_BYTES = 64 * 1024 * 1024;

const packr = new Packr({ useRecords: false, variableMapSize: true });
// 'auto' gives numbers for integers that fit in 53 bits and bigint beyond: exact, and cheap for
// the common small values. (Supported by msgpackr, missing from its type declarations.)
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: "auto" } as unknown as ConstructorParameters<typeof Unpackr>[0]);

/** Decodes one msgpack value; throws on malformed input or trailing bytes. */
export function decode(bytes: Uint8Array): unknown {
  return unpackr.unpack(bytes);
}

export function encode(value: unknown): Uint8Array {
  return packr.pack(value);
}

/** The wire map of a metric: keys n p v e d w o t (l only when set). */
export function metricToWire(m: Metric): Record<string, unknown> {
  const wire: Record<string, unknown> = {
    n: m.name,
    p: m.peer,
    v: m.value,
    e: m.expire,
    d: m.valid,
    w: m.weight,
    o: m.partitionable,
    t: m.receivedAt,
  };
  if (m.ttl !== undefined) wire.l = m.ttl;
  return wire;
}

export function encodeMetric(m: Metric): Uint8Array {
  return packr.pack(metricToWire(m));
}

export function encodeMetrics(list: readonly Metric[]): Uint8Array {
  return packr.pack(list.map(metricToWire));
}

export function encodeAlert(a: Alert): Uint8Array {
  const wire = metricToWire(a);
  wire.r = a.triggeredAt;
  wire.i = a.id;
  wire.k = a.kind;
  wire.x = a.episode;
  if (a.muted) wire.m = true;
  return packr.pack(wire);
}

/** A suspicion event: the latest Metric's map plus `r`, `i`, `k`. */
export function encodeSuspicion(e: SuspicionEvent): Uint8Array {
  const wire = metricToWire(e);
  wire.r = e.triggeredAt;
  wire.i = e.id;
  wire.k = e.kind;
  return packr.pack(wire);
}

export function encodePeerSet(ps: PeerSet): Uint8Array {
  return packr.pack({ s: ps.peers, i: ps.id });
}

/** Integer field of a validated wire map (number, bigint within int64, or absent) as an exact bigint. */
export function int64(value: unknown): bigint {
  if (typeof value === "bigint") return value;
  if (typeof value === "number") return BigInt(value);
  return 0n;
}

/** A disruption event as its plain msgpack map `{ n, k, f, c, i, r }` (`f` a float64, `r` an int64). */
export function encodeDisruption(e: DisruptionEvent): Uint8Array {
  return packr.pack({ n: e.name, k: e.kind, f: e.fraction, c: e.count, i: e.id, r: e.triggeredAt });
}
