/**
 * The reply of a `history.<name>.<peer>` query: what a peer's failure history is over the alert
 * log's retention. On the wire a plain msgpack map (times in Unix ns, int64, like every other time):
 *
 *   n name   p peer   s last seen (omitted: no metric held)   v never seen (omitted when false)
 *   f span start   u span end (the monitor's "now")   a availability (float 0..1)   c flaps
 *   e episodes: [{ x: id, s: start, e: end (omitted while open) }, ...] oldest first
 */
import { decode, encode, int64 } from "./codec.js";
import { isValidToken } from "./subjects.js";

export interface HistoryEpisode {
  /** The episode (the ULID of its first firing alert, the alerts' `x`). */
  id: string;
  /** When the peer went silent (its deadline), Unix ms. */
  startMs: number;
  /** When it was back (the resolved alert), Unix ms; null while the episode is open. */
  endMs: number | null;
}

export interface PeerHistory {
  name: string;
  peer: string;
  /** When the monitor received the newest metric it holds, Unix ms; null when it holds none. */
  lastSeenMs: number | null;
  /** The peer is in the peerset but never reported this name (other peers do). */
  neverSeen: boolean;
  /** The span the figures cover, Unix ms: the alert log's retention, or less when the log knows less. */
  sinceMs: number;
  untilMs: number;
  /** Share of the span outside failure episodes, 0..1. */
  availability: number;
  /** Failure episodes that ended within the span (went away, came back). */
  flaps: number;
  /** Episodes overlapping the span, oldest first; an open one last. */
  episodes: HistoryEpisode[];
}

const NS_PER_MS = 1_000_000n;
const ns = (ms: number) => BigInt(Math.round(ms)) * NS_PER_MS;
const ms = (value: unknown) => Number(int64(value) / NS_PER_MS);

export function encodeHistory(h: PeerHistory): Uint8Array {
  const wire: Record<string, unknown> = {
    n: h.name,
    p: h.peer,
    f: ns(h.sinceMs),
    u: ns(h.untilMs),
    a: h.availability,
    c: h.flaps,
    e: h.episodes.map((e) => (e.endMs === null ? { x: e.id, s: ns(e.startMs) } : { x: e.id, s: ns(e.startMs), e: ns(e.endMs) })),
  };
  if (h.lastSeenMs !== null) wire.s = ns(h.lastSeenMs);
  if (h.neverSeen) wire.v = true;
  return encode(wire);
}

/** Decodes a history reply; throws TypeError when it is not one. */
export function decodeHistory(data: Uint8Array): PeerHistory {
  let raw: unknown;
  try {
    raw = decode(data);
  } catch (err) {
    throw new TypeError("undecodable msgpack", { cause: err });
  }
  const h = raw as Record<string, unknown>;
  const isTime = (x: unknown) => typeof x === "bigint" || (typeof x === "number" && Number.isSafeInteger(x));
  if (
    typeof raw !== "object" ||
    raw === null ||
    !isValidToken(h.n) ||
    !isValidToken(h.p) ||
    !isTime(h.f) ||
    !isTime(h.u) ||
    typeof h.a !== "number" ||
    typeof h.c !== "number" ||
    !Array.isArray(h.e) ||
    (h.s != null && !isTime(h.s)) ||
    (h.v != null && typeof h.v !== "boolean")
  ) {
    throw new TypeError("not a peermon history reply");
  }
  const episodes = h.e.map((raw: unknown) => {
    const e = raw as Record<string, unknown>;
    if (typeof e !== "object" || e === null || typeof e.x !== "string" || !isTime(e.s) || (e.e != null && !isTime(e.e))) {
      throw new TypeError("not a peermon history reply (episodes)");
    }
    return { id: e.x, startMs: ms(e.s), endMs: e.e == null ? null : ms(e.e) };
  });
  return {
    name: h.n as string,
    peer: h.p as string,
    lastSeenMs: h.s == null ? null : ms(h.s),
    neverSeen: h.v === true,
    sinceMs: ms(h.f),
    untilMs: ms(h.u),
    availability: h.a,
    flaps: h.c,
    episodes,
  };
}
