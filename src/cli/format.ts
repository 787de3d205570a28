/**
 * What the client commands print. JSON uses IPFS Cluster's field names (`name`, `peer`, `value`,
 * `expire`, `valid`, `weight`, `partitionable`, `received_at`, plus `ttl`, and for alerts
 * `triggered_at`, `id`, `kind`), and writes int64 values as exact JSON numbers. Human lines follow
 * `ipfs-cluster-ctl health metrics`: `<peer> | <name>: <value> | Expires in: 12s`.
 */
import type { Alert, Metric } from "../api/types.js";
import { formatDuration } from "../duration.js";
import type { Palette } from "./color.js";

const NS_PER_MS = 1_000_000n;

/**
 * JSON text of `value`, where a bigint is written as a raw JSON number (exact, unlike a JS number
 * beyond 2^53). Object keys whose value is undefined are left out, as JSON.stringify does.
 */
export function toJson(value: unknown): string {
  if (typeof value === "bigint") return value.toString();
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(toJson).join(",")}]`;
  const fields = Object.entries(value)
    .filter(([, v]) => v !== undefined && typeof v !== "function")
    .map(([k, v]) => `${JSON.stringify(k)}:${toJson(v)}`);
  return `{${fields.join(",")}}`;
}

/** A metric with IPFS Cluster's JSON field names (`ttl` only when the metric has one). */
export function metricJson(m: Metric): Record<string, unknown> {
  return {
    name: m.name,
    peer: m.peer,
    value: m.value,
    expire: m.expire,
    valid: m.valid,
    weight: m.weight,
    partitionable: m.partitionable,
    received_at: m.receivedAt,
    ttl: m.ttl,
  };
}

export function alertJson(a: Alert): Record<string, unknown> {
  return { ...metricJson(a), triggered_at: a.triggeredAt, id: a.id, kind: a.kind, episode: a.episode, muted: a.muted === true };
}

/** When a metric stops being fresh, Unix ns: receivedAt + ttl with a ttl, else the sender's expire. */
export function deadlineNs(m: Metric): bigint {
  return m.ttl !== undefined ? m.receivedAt + m.ttl : m.expire;
}

export function nowNs(): bigint {
  return BigInt(Date.now()) * NS_PER_MS;
}

/** `<peer> | <name>: <value> | Expires in: 12s` (or `Expired 3s ago`, and `| invalid` when so). */
export function metricLine(m: Metric, now: bigint, c: Palette): string {
  const left = Number((deadlineNs(m) - now) / NS_PER_MS);
  const expiry = left > 0 ? `Expires in: ${formatDuration(left)}` : c.red(`Expired ${formatDuration(-left)} ago`);
  const invalid = m.valid ? "" : ` | ${c.yellow("invalid")}`;
  return `${printable(m.peer)} | ${c.bold(printable(m.name))}: ${printable(m.value)} | ${expiry}${invalid}`;
}

/**
 * `2026-11-23T00:00:00.000Z FIRING   P1 | ping: <value>`; a repeat of the firing alert says which
 * episode it repeats, and a muted alert (a silence matched) says so.
 */
export function alertLine(a: Alert, c: Palette): string {
  const kind = a.kind.toUpperCase().padEnd("RESOLVED".length);
  const colored = a.kind === "firing" ? c.red(kind) : c.green(kind);
  const repeat = a.kind === "firing" && a.episode !== a.id ? ` | repeat of episode ${printable(a.episode)}` : "";
  const muted = a.muted ? ` | ${c.yellow("muted")}` : "";
  return `${isoTime(a.triggeredAt)} ${colored} ${printable(a.peer)} | ${c.bold(printable(a.name))}: ${printable(a.value)}${repeat}${muted}`;
}

/**
 * Text from the wire (values, and names and peers, which may hold any byte but whitespace, '.',
 * '*' and '>') made safe for a terminal line: control characters, such as ESC (which starts a
 * colour or cursor sequence) and newlines, are written as `\xNN`.
 */
export function printable(text: string): string {
  return text.replace(/[\x00-\x1f\x7f-\x9f]/g, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

/** Unix ns as an ISO-8601 timestamp with milliseconds. */
export function isoTime(ns: bigint): string {
  return new Date(Number(ns / NS_PER_MS)).toISOString();
}
