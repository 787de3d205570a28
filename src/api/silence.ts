/**
 * Silences as stored: validation of a new one (what `silence add` and the SDK accept) and the
 * JSON of a bucket entry, readable with any NATS tool (`nats kv get PEERMON_SILENCES <id>`):
 * `{"id", "name", "peer", "startsAt", "endsAt", "comment", "createdBy"}`, times in ISO 8601.
 * Pure: no I/O.
 */
import { formatDays } from "../duration.js";
import { UsageError } from "../errors.js";
import { isValidToken } from "./subjects.js";
import type { Silence } from "./types.js";

/** The longest silence, ms: 30 days. Longer is a decommission: take the peer out of the peerset. */
export const MAX_SILENCE_MS = 30 * 24 * 3_600_000;
/** The longest comment, characters: a sentence or a ticket link, not a log. */
export const MAX_COMMENT_CHARS = 1_000;

/** What a caller gives to add a silence. */
export interface SilenceInput {
  /** Only this metric name; undefined silences every name of the peer. */
  name?: string;
  peer: string;
  /** How long, ms: more than 0 and at most MAX_SILENCE_MS. */
  forMs: number;
  comment?: string;
  createdBy?: string;
}

/** A checked silence starting at `nowMs`; throws a UsageError that says what to write instead. */
export function newSilence(input: SilenceInput, id: string, nowMs: number): Silence {
  if (input.name !== undefined && !isValidToken(input.name)) {
    throw new UsageError(`invalid metric name ${JSON.stringify(input.name)}: use 1-255 bytes without spaces, '.', '*' or '>'`);
  }
  if (!isValidToken(input.peer)) {
    throw new UsageError(`invalid peer id ${JSON.stringify(input.peer)}: use 1-255 bytes without spaces, '.', '*' or '>'`);
  }
  if (!Number.isFinite(input.forMs) || input.forMs <= 0 || input.forMs > MAX_SILENCE_MS) {
    throw new UsageError(
      `invalid silence length ${Number.isFinite(input.forMs) ? formatDays(input.forMs) : String(input.forMs)}: give a duration above 0 and at most 30 days (like 2h or 3d); ` +
        "a peer gone for longer belongs out of the peerset (`peermon peerset rm <peer>`)",
    );
  }
  const comment = input.comment ?? "";
  if (comment.length > MAX_COMMENT_CHARS) {
    throw new UsageError(`the comment has ${comment.length} characters: keep it to ${MAX_COMMENT_CHARS} (a sentence or a ticket link)`);
  }
  const silence: Silence = {
    id,
    peer: input.peer,
    startsAtMs: Math.floor(nowMs),
    endsAtMs: Math.floor(nowMs + input.forMs),
    comment,
    createdBy: input.createdBy ?? "",
  };
  if (input.name !== undefined) silence.name = input.name;
  return silence;
}

/** The bucket entry of a silence. */
export function encodeSilence(s: Silence): Uint8Array {
  const entry = {
    id: s.id,
    name: s.name ?? null,
    peer: s.peer,
    startsAt: new Date(s.startsAtMs).toISOString(),
    endsAt: new Date(s.endsAtMs).toISOString(),
    comment: s.comment,
    createdBy: s.createdBy,
  };
  return new TextEncoder().encode(JSON.stringify(entry));
}

/** A bucket entry back as a Silence; throws a TypeError when it is not one (someone wrote garbage). */
export function decodeSilence(data: Uint8Array): Silence {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(data));
  } catch (err) {
    throw new TypeError("a silence entry that is not JSON", { cause: err });
  }
  const e = (typeof raw === "object" && raw !== null ? raw : {}) as Record<string, unknown>;
  const startsAtMs = typeof e.startsAt === "string" ? Date.parse(e.startsAt) : Number.NaN;
  const endsAtMs = typeof e.endsAt === "string" ? Date.parse(e.endsAt) : Number.NaN;
  const name = e.name === null || e.name === undefined ? undefined : e.name;
  if (
    typeof e.id !== "string" ||
    !isValidToken(e.peer) ||
    (name !== undefined && !isValidToken(name)) ||
    !Number.isFinite(startsAtMs) ||
    !Number.isFinite(endsAtMs)
  ) {
    throw new TypeError("not a peermon silence (fields id, name, peer, startsAt, endsAt)");
  }
  const silence: Silence = {
    id: e.id,
    peer: e.peer,
    startsAtMs,
    endsAtMs,
    comment: typeof e.comment === "string" ? e.comment : "",
    createdBy: typeof e.createdBy === "string" ? e.createdBy : "",
  };
  if (name !== undefined) silence.name = name as string;
  return silence;
}

/** A silence id as `silence rm` accepts it: a ULID (26 characters of Crockford's base32). */
export function isSilenceId(id: string): boolean {
  return /^[0-9A-HJKMNP-TV-Z]{26}$/.test(id);
}
