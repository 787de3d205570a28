/**
 * Validation of incoming messages, with one reason per rejection. A rejected message is counted
 * by its reason and never stored. Fields other than `n` and `p` may be omitted (IPFS Cluster's
 * codec omits zero values) and then take their zero value; a msgpack nil counts as omitted; a
 * field present with another type is a rejection.
 */
import { decode, int64, MAX_MESSAGE_BYTES, MAX_PEERSET_BYTES } from "./codec.js";
import { isValidToken, tailMatches } from "./subjects.js";
import type { Alert, AlertKind, DisruptionEvent, DisruptionKind, Metric, PeerSet, SuspicionEvent, SuspicionKind } from "./types.js";

/** Reasons found by looking at one message alone. */
export const MESSAGE_REJECT_REASONS = ["too_large", "undecodable", "missing_field", "wrong_type", "bad_token", "subject_mismatch", "out_of_range"] as const;
/** Every reason a message can be rejected for: `over_limit` is the monitor's own cap on windows and names. */
export const REJECT_REASONS = [...MESSAGE_REJECT_REASONS, "over_limit"] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/** A metric map as decoded from the wire, after `checkMetric` accepted it. */
export interface WireMetric {
  n: string;
  p: string;
  v?: string | null;
  e?: number | bigint | null;
  d?: boolean | null;
  w?: number | bigint | null;
  o?: boolean | null;
  t?: number | bigint | null;
  l?: number | bigint | null;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Why an integer field is unacceptable, or undefined when it is fine (or absent). */
function checkInt(x: unknown): RejectReason | undefined {
  if (x === undefined || x === null) return undefined;
  if (typeof x === "number") return Number.isSafeInteger(x) ? undefined : "wrong_type";
  if (typeof x === "bigint") return x >= INT64_MIN && x <= INT64_MAX ? undefined : "out_of_range";
  return "wrong_type";
}

function checkOptional(x: unknown, type: "string" | "boolean"): RejectReason | undefined {
  return x === undefined || x === null || typeof x === type ? undefined : "wrong_type";
}

/** Checks the fields of a decoded metric map; undefined means valid. */
export function checkMetric(raw: unknown): RejectReason | undefined {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw) || raw instanceof Uint8Array) return "wrong_type";
  const m = raw as Record<string, unknown>;
  if (m.n === undefined || m.n === null || m.p === undefined || m.p === null) return "missing_field";
  if (typeof m.n !== "string" || typeof m.p !== "string") return "wrong_type";
  const wrong =
    checkOptional(m.v, "string") ??
    checkOptional(m.d, "boolean") ??
    checkOptional(m.o, "boolean") ??
    checkInt(m.e) ??
    checkInt(m.w) ??
    checkInt(m.t) ??
    checkInt(m.l);
  if (wrong) return wrong;
  if ((m.l as number | bigint | null | undefined) != null && (m.l as number | bigint) < 0) return "out_of_range";
  if (!isValidToken(m.n) || !isValidToken(m.p)) return "bad_token";
  return undefined;
}

export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: RejectReason };

/**
 * Decodes and checks a metric that arrived on `subject`, whose `<name>.<peer>` tail starts at
 * `offset`. The returned map is the decoder's own object (no copy).
 */
export function decodeMetricMessage(data: Uint8Array, subject: string, offset: number): Decoded<WireMetric> {
  if (data.length > MAX_MESSAGE_BYTES) return { ok: false, reason: "too_large" };
  let raw: unknown;
  try {
    raw = decode(data);
  } catch {
    return { ok: false, reason: "undecodable" };
  }
  const reason = checkMetric(raw);
  if (reason) return { ok: false, reason };
  const m = raw as WireMetric;
  if (offset < 0 || !tailMatches(subject, offset, m.n, m.p)) return { ok: false, reason: "subject_mismatch" };
  return { ok: true, value: m };
}

/** A checked wire map as a Metric (exact bigints, zero values for omitted fields). */
export function wireToMetric(m: WireMetric): Metric {
  const metric: Metric = {
    name: m.n,
    peer: m.p,
    value: m.v ?? "",
    expire: int64(m.e),
    valid: m.d ?? false,
    weight: int64(m.w),
    partitionable: m.o ?? false,
    receivedAt: int64(m.t),
  };
  if (m.l !== undefined && m.l !== null) metric.ttl = int64(m.l);
  return metric;
}

/** Decodes a Metric as a client receives it (reply of `peer` queries). */
export function decodeMetric(data: Uint8Array): Metric {
  const raw = decodeChecked(data);
  const reason = checkMetric(raw);
  if (reason) throw new TypeError(`not a peermon Metric (${reason})`);
  return wireToMetric(raw as WireMetric);
}

/** Decodes the Metric[] reply of a `latest` query. */
export function decodeMetricList(data: Uint8Array): Metric[] {
  const raw = decodeChecked(data);
  if (!Array.isArray(raw)) throw new TypeError("not a list of peermon Metrics");
  return raw.map((item) => {
    const reason = checkMetric(item);
    if (reason) throw new TypeError(`not a peermon Metric (${reason})`);
    return wireToMetric(item as WireMetric);
  });
}

const ALERT_KINDS: readonly AlertKind[] = ["firing", "resolved"];

/** Decodes an Alert as consumers receive it. */
export function decodeAlert(data: Uint8Array): Alert {
  const raw = decodeChecked(data);
  const reason = checkMetric(raw);
  if (reason) throw new TypeError(`not a peermon Alert (${reason})`);
  const a = raw as WireMetric & { r?: unknown; i?: unknown; k?: unknown; x?: unknown; m?: unknown };
  if (checkInt(a.r) || typeof a.i !== "string" || !ALERT_KINDS.includes(a.k as AlertKind)) {
    throw new TypeError("not a peermon Alert (fields r, i, k)");
  }
  if (checkOptional(a.x, "string") || checkOptional(a.m, "boolean")) throw new TypeError("not a peermon Alert (fields x, m)");
  // An alert logged before episodes existed opened its own episode (or belongs to an unknown one).
  const alert: Alert = { ...wireToMetric(a), triggeredAt: int64(a.r), id: a.i, kind: a.k as AlertKind, episode: (a.x as string | undefined) ?? a.i };
  if (a.m === true) alert.muted = true;
  return alert;
}

const DISRUPTION_KINDS: readonly DisruptionKind[] = ["started", "ended"];

/** Decodes a disruption event `{ n, k, f, c, i, r }`; throws a TypeError naming the fields that are wrong. */
export function decodeDisruption(data: Uint8Array): DisruptionEvent {
  const raw = decodeChecked(data);
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new TypeError("not a peermon disruption event (not a map)");
  const d = raw as Record<string, unknown>;
  const fraction = typeof d.f === "bigint" ? Number(d.f) : d.f;
  if (
    !isValidToken(d.n) ||
    !DISRUPTION_KINDS.includes(d.k as DisruptionKind) ||
    typeof fraction !== "number" ||
    !(fraction >= 0 && fraction <= 1) ||
    checkInt(d.c) ||
    checkInt(d.r) ||
    typeof d.i !== "string"
  ) {
    throw new TypeError("not a peermon disruption event (fields n, k, f, c, i, r)");
  }
  return { name: d.n, kind: d.k as DisruptionKind, fraction, count: Number(int64(d.c)), id: d.i, triggeredAt: int64(d.r) };
}

const SUSPICION_KINDS: readonly SuspicionKind[] = ["suspect", "cleared"];

/** Decodes a suspicion event as consumers receive it. */
export function decodeSuspicion(data: Uint8Array): SuspicionEvent {
  const raw = decodeChecked(data);
  const reason = checkMetric(raw);
  if (reason) throw new TypeError(`not a peermon suspicion event (${reason})`);
  const e = raw as WireMetric & { r?: unknown; i?: unknown; k?: unknown };
  if (checkInt(e.r) || typeof e.i !== "string" || !SUSPICION_KINDS.includes(e.k as SuspicionKind)) {
    throw new TypeError("not a peermon suspicion event (fields r, i, k)");
  }
  return { ...wireToMetric(e), triggeredAt: int64(e.r), id: e.i, kind: e.k as SuspicionKind };
}

/**
 * Decodes and checks a PeerSet: `s` is required (an empty list is an empty peerset). One over
 * `maxBytes` (the server's limit, as the bus knows it) is `too_large`, never decoded.
 */
export function decodePeerSetMessage(data: Uint8Array, maxBytes = MAX_PEERSET_BYTES): Decoded<PeerSet> {
  if (data.length > maxBytes) return { ok: false, reason: "too_large" };
  let raw: unknown;
  try {
    raw = decode(data);
  } catch {
    return { ok: false, reason: "undecodable" };
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return { ok: false, reason: "wrong_type" };
  const ps = raw as Record<string, unknown>;
  if (ps.s === undefined || ps.s === null) return { ok: false, reason: "missing_field" };
  if (!Array.isArray(ps.s) || checkOptional(ps.i, "string")) return { ok: false, reason: "wrong_type" };
  if (!ps.s.every((p) => typeof p === "string")) return { ok: false, reason: "wrong_type" };
  if (!ps.s.every(isValidToken)) return { ok: false, reason: "bad_token" };
  return { ok: true, value: { peers: [...new Set(ps.s as string[])], id: (ps.i as string | undefined) ?? "" } };
}

function decodeChecked(data: Uint8Array): unknown {
  try {
    return decode(data);
  } catch (err) {
    throw new TypeError("undecodable msgpack", { cause: err });
  }
}
