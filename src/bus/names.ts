/**
 * `<prefix>.names` for a sharded deployment: each shard knows only its own metric names, so the
 * instance that takes the query (any one: the endpoint has a queue group of its own across all
 * shards) asks every instance on `<prefix>.internal.names` and merges the answers of all N shards.
 * It answers as soon as every shard index has been heard from; a shard that is entirely down is
 * reported in the `Peermon-Missing-Shards` header of an otherwise complete list.
 */
import { createInbox, headers, type MsgHdrs, type NatsConnection, type Subscription } from "nats";
import { decode, encode } from "../api/codec.js";
import type { Subjects } from "../api/subjects.js";
import type { Clock } from "../clock.js";
import type { ShardSpec } from "../config.js";

export const MISSING_SHARDS_HEADER = "Peermon-Missing-Shards";

/** Replies go only to inboxes (nats.js's default `_INBOX.` prefix), never to another subject. */
export function isInbox(reply: string | undefined): boolean {
  return reply !== undefined && reply.startsWith("_INBOX.");
}

/** Answers the internal scatter: `{ s: shard index, n: names }`. */
export function answerShardNames(nc: NatsConnection, subjects: Subjects, shard: ShardSpec, names: () => string[]): Subscription {
  return nc.subscribe(subjects.internalNames, {
    callback: (err, m) => {
      if (!err && isInbox(m.reply)) m.respond(encode({ s: shard.index, c: shard.count, n: names() }));
    },
  });
}

export interface GatheredNames {
  names: string[];
  /** Carries `Peermon-Missing-Shards` when some shard did not answer in time. */
  headers?: MsgHdrs;
}

/** Asks every instance for its names; resolves when all `shardCount` shards answered or after `timeoutMs`. */
export function gatherNames(nc: NatsConnection, subjects: Subjects, shardCount: number, timeoutMs: number, clock: Clock): Promise<GatheredNames> {
  return new Promise((resolve) => {
    const byShard = new Map<number, string[]>();
    const inbox = createInbox();
    const finish = () => {
      clock.clearTimer(timer);
      sub.unsubscribe();
      const names = [...new Set([...byShard.values()].flat())].sort();
      const missing = Array.from({ length: shardCount }, (_, i) => i).filter((i) => !byShard.has(i));
      let h: MsgHdrs | undefined;
      if (missing.length > 0) {
        h = headers();
        h.set(MISSING_SHARDS_HEADER, missing.join(","));
      }
      resolve({ names, headers: h });
    };
    const sub = nc.subscribe(inbox, {
      callback: (err, m) => {
        if (err) return;
        const answer = decodeAnswer(m.data);
        if (answer && answer.c === shardCount) byShard.set(answer.s, answer.n);
        if (byShard.size === shardCount) finish();
      },
    });
    const timer = clock.setTimer(finish, timeoutMs);
    nc.publish(subjects.internalNames, undefined, { reply: inbox });
  });
}

function decodeAnswer(data: Uint8Array): { s: number; c: number; n: string[] } | undefined {
  try {
    const a = decode(data) as { s?: unknown; c?: unknown; n?: unknown };
    if (typeof a.s === "number" && typeof a.c === "number" && Array.isArray(a.n)) {
      return { s: a.s, c: a.c, n: a.n.filter((x): x is string => typeof x === "string") };
    }
  } catch {
    // an instance of something else answering: ignore it
  }
  return undefined;
}
