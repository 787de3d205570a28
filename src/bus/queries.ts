/**
 * The query endpoints, registered with the NATS services framework (name `peermon`, visible to
 * `$SRV.PING|INFO|STATS`): `latest.<name>`, `peer.<name>.<peer>`, `history.<name>.<peer>` and
 * `names`. Replicas of one shard share a queue group, so each query is answered once. Errors travel
 * as the framework's error headers (`Nats-Service-Error`, `Nats-Service-Error-Code`): 400 bad name,
 * 404 unknown name (latest), no such metric (peer) or nothing known (history), 413 reply over
 * max_payload, 500 internal. Successful `latest` and `peer` replies carry the `Peermon-Now` header
 * (the monitor's wall clock, Unix ns: see NOW_HEADER).
 */
import { headers, type MsgHdrs, type NatsConnection, type Service, type ServiceMsg } from "nats";
import { encode, encodeMetric } from "../api/codec.js";
import { encodeHistory } from "../api/history.js";
import { EXCLUDE_HEADER, NON_MEMBERS_HEADER, NOW_HEADER, RESTORED_AGE_HEADER, isValidToken, type Subjects } from "../api/subjects.js";
import type { WindowViews } from "../actors/window-views.js";
import type { MonitorStats } from "../stats.js";
import type { LinkReport } from "../window/self-outage.js";
import { RateLimitedLog, type Logger } from "../log.js";
import { TUNING, type ShardSpec } from "../config.js";
import type { Clock } from "../clock.js";
import { msToNs } from "../window/deadline.js";
import type { DeliveryStatus } from "../delivery/delivery.js";
import type { ClockReport } from "../actors/clock-watch.js";
import { gatherNames, isInbox } from "./names.js";
import { outcomeOf, type QueryEndpoint, type QueryOutcome, type QueryStats } from "./query-stats.js";

export const SERVICE_NAME = "peermon";
export const SERVICE_VERSION = "0.1.0";

export interface QueryServiceOptions {
  nc: NatsConnection;
  /** The windows, read-only. */
  views: WindowViews;
  stats: MonitorStats;
  /** The monitor's own link now. */
  link: () => LinkReport;
  subjects: Subjects;
  /** Partitions whose queries this instance answers; undefined: all, public and partitioned form. */
  partitions: number[] | undefined;
  /** This instance's shard; `names` then gathers the names of every shard. */
  shard: ShardSpec | undefined;
  /** Whether this instance owns a metric name (its shard answers its history). */
  owns: (name: string) => boolean;
  queue: string;
  metadata: Record<string, string>;
  log: Logger;
  clock: Clock;
  /** Minimum ms between two log lines about refused queries. */
  rejectLogIntervalMs: number;
  /** Where queries are counted (/metrics reads it). */
  queryStats: QueryStats;
  /** The state of alert delivery to people, for $SRV.STATS (undefined: no destination set). */
  delivery: () => DeliveryStatus | undefined;
  /** Silences, open disruptions and held alerts, for `peermon status`. */
  operatorStatus?: () => Record<string, unknown>;
  /** Peers whose clock is off, for `peermon status`. */
  clocks?: () => ClockReport;
}

/** What a handler did: the outcome, or a promise of it for an answer given later (sharded names). */
type Answered = QueryOutcome | Promise<QueryOutcome>;

export async function startQueryService(o: QueryServiceOptions): Promise<Service> {
  const svc = await o.nc.services.add({
    name: SERVICE_NAME,
    version: SERVICE_VERSION,
    description: "peermon peer monitor: latest metrics, per-peer metrics, peer history, metric names",
    queue: o.queue,
    metadata: o.metadata,
    // $SRV.STATS data: counters, windows per state per name, shard and peerset (peermon status).
    statsHandler: async () => ({
      ...o.metadata,
      windows: o.views.windowCount,
      states: o.views.statusCounts(),
      suspects: o.views.suspectCounts(),
      peers: o.views.peerCount,
      // Every never-seen and silent member (`status --json` lists them all; the human output the first few),
      // as many as half the server's max_payload holds at ~64 bytes a peer id.
      neverSeen: o.views.neverSeenSummary(Infinity, listedInStats(o.nc)),
      silentMembers: o.views.silentMembers(listedInStats(o.nc)),
      link: o.link(),
      delivery: o.delivery() ?? null,
      counters: o.stats.snapshot(),
      clocks: o.clocks?.() ?? null,
      ...o.operatorStatus?.(),
    }),
  });
  const queryStats = o.queryStats;
  const guarded = guard(o, queryStats);
  const latest = guarded("latest", (m) => {
    const [name] = o.subjects.queryTokens(m.subject, 1);
    if (!isValidToken(name)) return fail(m, 400, "the metric name must be one subject token");
    const excludeSuspects =
      m.headers
        ?.get(EXCLUDE_HEADER)
        ?.split(",")
        .some((v) => v.trim() === "suspect") === true;
    const now = stampNow(o.clock); // before the answer is built: every metric in it is fresh at `now`
    const { bytes: reply, restoredFrom } = o.views.latestReply(name, { excludeSuspects });
    if (isEmptyList(reply)) {
      const outsiders = o.views.nonMembersSending(name);
      // [] means "known, none fresh"; a name this monitor never saw is probably a typo, unless peers outside the peerset send it.
      if (!o.views.isKnownName(name)) return fail(m, 404, unknownName(name, outsiders, o.views.peerCount));
      if (outsiders.length > 0) now.headers.set(NON_MEMBERS_HEADER, outsiders.join(","));
    }
    const max = o.nc.info?.max_payload ?? Infinity;
    if (reply.length > max) {
      return fail(
        m,
        413,
        `the ${name} reply (${reply.length} bytes) exceeds the server's max_payload (${max}); ` +
          "raise max_payload in the nats-server config (peermon's nats.conf uses 8MB)",
      );
    }
    m.respond(reply, stampRestored(now, o.clock, restoredFrom));
    return "ok";
  });
  const peer = guarded("peer", (m) => {
    const [name, peerId] = o.subjects.queryTokens(m.subject, 2);
    const metric = o.views.latestForPeer(name!, peerId!);
    if (!metric && o.views.isNeverSeen(name!, peerId!)) {
      return fail(m, 404, `peer ${peerId} is in the peerset, never reported ${name}; is its informer for ${name} running?`);
    }
    if (!metric) {
      return fail(m, 404, `no ${name} metric from peer ${peerId}; list known names with \`peermon names\``);
    }
    m.respond(encodeMetric(metric), stampRestored(stampNow(o.clock), o.clock, o.views.restoredFrom(name!, peerId!)));
    return "ok";
  });
  const shard = o.shard;
  const answerHistory = guarded("history", (m) => {
    const [name, peerId] = o.subjects.queryTokens(m.subject, 2);
    const h = o.views.historyOf(name!, peerId!);
    if (!h) {
      return fail(
        m,
        404,
        `no history of peer ${peerId} for ${name}: no window, not in the peerset, no alert kept; list the peers that send it with \`peermon latest ${name}\``,
      );
    }
    m.respond(encodeHistory(h));
    return "ok";
  });
  // Every shard hears a history query (its subject is not partitioned); the owner of the name answers.
  const history = (err: Error | null, m: ServiceMsg) => {
    if (err || o.owns(o.subjects.queryTokens(m.subject, 2)[0]!)) answerHistory(err, m);
  };
  if (o.partitions === undefined) {
    svc.addEndpoint("latest", { subject: o.subjects.latestEndpoint(), handler: latest });
    svc.addEndpoint("latest-partitioned", { subject: o.subjects.latestEndpoint("*"), handler: latest });
    svc.addEndpoint("peer", { subject: o.subjects.peerEndpoint(), handler: peer });
    svc.addEndpoint("peer-partitioned", { subject: o.subjects.peerEndpoint("*"), handler: peer });
  } else {
    for (const k of o.partitions) {
      svc.addEndpoint(`latest-p${k}`, { subject: o.subjects.latestEndpoint(k), handler: latest });
      svc.addEndpoint(`peer-p${k}`, { subject: o.subjects.peerEndpoint(k), handler: peer });
    }
  }
  svc.addEndpoint("history", { subject: o.subjects.historyEndpoint(), handler: history });
  const names = shard
    ? guarded("names", (m) =>
        gatherNames(o.nc, o.subjects, shard.count, TUNING.namesGatherMs, o.clock).then((g) => {
          m.respond(encode(g.names), g.headers ? { headers: g.headers } : undefined);
          return "ok" as const;
        }),
      )
    : guarded("names", (m) => {
        m.respond(encode(o.views.names()));
        return "ok";
      });
  // Any instance may answer `names`: one queue group across all shards and replicas.
  svc.addEndpoint("names", { subject: o.subjects.names, handler: names, queue: `${o.subjects.prefix}-names` });
  return svc;
}

/** Peer ids a STATS reply names at most: half the server's max_payload at 64 bytes each (8 MB: 65,536). */
function listedInStats(nc: NatsConnection): number {
  return Math.floor((nc.info?.max_payload ?? 1024 * 1024) / 2 / 64);
}

/** Reply options with the `Peermon-Now` header: the wall clock that stamps `t`, in Unix ns. */
function stampNow(clock: Clock): { headers: MsgHdrs } {
  const h = headers();
  h.set(NOW_HEADER, msToNs(clock.wallNow()).toString());
  return { headers: h };
}

/** The 404 of `latest` for a name this monitor never saw: a typo, or only peers outside the peerset send it. */
function unknownName(name: string, outsiders: readonly string[], members: number | null): string {
  if (outsiders.length === 0) return `no metric named ${name} is known (no current peer sent one); list known names with \`peermon names\``;
  const who = outsiders.join(", ");
  return (
    `no member of the peerset sent ${name}: ${who} sent it but ${outsiders.length === 1 ? "is" : "are"} not in the peerset ` +
    `(${members ?? 0} peer${members === 1 ? "" : "s"}: \`peermon peerset show\`), so ${outsiders.length === 1 ? "its metrics are" : "their metrics are"} ignored; ` +
    `add ${outsiders.length === 1 ? "it" : "them"} with \`peermon peerset add ${outsiders[0]}\`, or replace the peerset with \`peermon peerset set <peer>...\``
  );
}

/**
 * Adds the `Peermon-Restored-Age` header when the answer lists a restored metric (`restoredFrom`:
 * the oldest restore snapshot it lists, ms on the monitor's clock; Infinity or undefined when none).
 */
function stampRestored(reply: { headers: MsgHdrs }, clock: Clock, restoredFrom: number | undefined): { headers: MsgHdrs } {
  if (restoredFrom !== undefined && Number.isFinite(restoredFrom))
    reply.headers.set(RESTORED_AGE_HEADER, String(Math.round(Math.max(0, clock.now() - restoredFrom) * 1e6)));
  return reply;
}

/** True for an encoded empty msgpack array (fixarray of 0: the one byte 0x90). */
function isEmptyList(encoded: Uint8Array): boolean {
  return encoded.length === 1 && encoded[0] === 0x90;
}

/** Sends the services framework's error reply and says which outcome it was. */
function fail(m: ServiceMsg, code: number, text: string): QueryOutcome {
  m.respondError(code, text);
  return outcomeOf(code);
}

/**
 * Handlers that answer 500 instead of throwing, and only to an inbox: a query whose reply subject
 * is anything else (say the alert log) would make the monitor publish there, with its own
 * permissions. Such queries are dropped and counted. Each query's outcome and duration are counted.
 */
function guard(o: QueryServiceOptions, queryStats: QueryStats) {
  const { log, clock } = o;
  const stats = o.stats;
  const refusedLog = new RateLimitedLog(
    (f, msg) => log.warn(f, msg),
    o.rejectLogIntervalMs,
    () => clock.now(),
  );
  return (endpoint: QueryEndpoint, fn: (m: ServiceMsg) => Answered) =>
    (err: Error | null, m: ServiceMsg): void => {
      if (err) {
        log.warn({ err: err.message }, "query endpoint stopped");
        return;
      }
      if (!isInbox(m.reply)) {
        stats.queriesRefused++;
        refusedLog.note({ subject: m.subject, reply: m.reply ?? null }, "dropped a query whose reply subject is not an _INBOX");
        return;
      }
      const started = clock.now();
      const failed = (e: unknown): QueryOutcome => {
        log.error({ err: (e as Error).message, subject: m.subject }, "query failed");
        return fail(m, 500, `peermon could not answer: ${(e as Error).message}`);
      };
      const record = (outcome: QueryOutcome) => queryStats.record(endpoint, outcome, clock.now() - started);
      try {
        const answered = fn(m);
        if (typeof answered === "string") record(answered);
        else void answered.catch(failed).then(record);
      } catch (e) {
        record(failed(e));
      }
    };
}
