/**
 * DeliveryEvent: what the sinks hand to people, whatever produced it. Today a metric alert from the
 * alert log (`PeermonMetricExpired`); a disruption (`PeermonDisruption`, published on
 * `<prefix>.disruption.<name>` as `{ n, k: "started" | "ended", f, c, i, r }`) is the second kind.
 * Every mapping (Alertmanager, webhook, fingerprint, summary) is a function of this union, so the
 * second kind is a new case in each, not a new pipeline.
 */
import { decode } from "../api/codec.js";
import type { Alert } from "../api/types.js";
import { decodeAlert } from "../api/validate.js";
import { isValidToken } from "../api/subjects.js";

export type DeliveryStatus = "firing" | "resolved";

interface EventBase {
  status: DeliveryStatus;
  /** The metric name. */
  name: string;
  /** The ULID of the message (`i`): `alert_id`, for receivers that de-duplicate. */
  id: string;
  /** The ULID of the episode's first firing message (`x`; `i` when absent): same for a repeat. */
  episode: string;
  /** Muted by a silence (`m`): acknowledged and counted, never delivered. */
  muted: boolean;
  /** When the monitor decided (`r`), ms. */
  atMs: number;
  /** For a resolved event: when its episode started, ms, when known (else `atMs` is used). */
  startedAtMs?: number;
}

/** A peer stopped sending a metric (firing), or sends it again (resolved). */
export interface MetricEvent extends EventBase {
  type: "metric";
  peer: string;
  /** The latest metric's value. */
  value: string;
  /** When the latest valid metric stopped being fresh, ms: receivedAt + ttl, or expire. */
  deadlineMs: number;
  /** When the monitor received the latest metric, ms (0 when unknown). */
  receivedAtMs: number;
}

/** Too many peers of a metric are late or silent at once: one event instead of one per peer. */
export interface DisruptionEvent extends EventBase {
  type: "disruption";
  /** Fraction of the name's tracked peers that are late or expired (`f`). */
  fraction: number;
  /** How many they are (`c`). */
  count: number;
}

export type DeliveryEvent = MetricEvent | DisruptionEvent;

const NS_PER_MS = 1_000_000n;

function nsToMs(ns: bigint): number {
  return Number(ns / NS_PER_MS) + Number(ns % NS_PER_MS) / 1e6;
}

/** The (name, peer) an event is about, or the name for a disruption: where supersession is judged. */
export function eventKey(e: DeliveryEvent): string {
  return e.type === "metric" ? `metric\u0000${e.name}\u0000${e.peer}` : `disruption\u0000${e.name}`;
}

/** Events with the same batch key go in one POST: one per metric name (and kind of event). */
export function batchKey(e: DeliveryEvent): string {
  return `${e.type}\u0000${e.name}`;
}

/** A metric alert as a delivery event. */
export function metricEvent(alert: Alert): MetricEvent {
  const receivedAtMs = nsToMs(alert.receivedAt);
  return {
    type: "metric",
    status: alert.kind,
    name: alert.name,
    peer: alert.peer,
    value: alert.value,
    id: alert.id,
    episode: alert.episode || alert.id,
    muted: alert.muted === true,
    atMs: nsToMs(alert.triggeredAt),
    // The contract's deadline (window/deadline.ts), exact to the ns: t + l, else e.
    deadlineMs: alert.ttl !== undefined ? receivedAtMs + nsToMs(alert.ttl) : nsToMs(alert.expire),
    receivedAtMs,
  };
}

/** Decodes an alert log message; throws a TypeError when it is not a peermon Alert. */
export function decodeMetricEvent(data: Uint8Array): MetricEvent {
  return metricEvent(decodeAlert(data));
}

/** Decodes a disruption message `{ n, k, f, c, i, r }`; throws a TypeError naming what is wrong. */
export function decodeDisruptionEvent(data: Uint8Array): DisruptionEvent {
  let raw: unknown;
  try {
    raw = decode(data);
  } catch (err) {
    throw new TypeError("undecodable msgpack", { cause: err });
  }
  const d = (typeof raw === "object" && raw !== null ? raw : {}) as Record<string, unknown>;
  const r = typeof d.r === "bigint" ? d.r : typeof d.r === "number" && Number.isSafeInteger(d.r) ? BigInt(d.r) : undefined;
  if (!isValidToken(d.n) || (d.k !== "started" && d.k !== "ended") || typeof d.f !== "number" || typeof d.i !== "string" || r === undefined) {
    throw new TypeError("not a peermon disruption (fields n, k, f, i, r)");
  }
  const count = typeof d.c === "number" ? d.c : typeof d.c === "bigint" ? Number(d.c) : 0;
  return {
    type: "disruption",
    status: d.k === "started" ? "firing" : "resolved",
    name: d.n,
    id: d.i,
    episode: typeof d.x === "string" && d.x !== "" ? d.x : d.i,
    muted: false,
    atMs: nsToMs(r),
    fraction: d.f,
    count,
  };
}
