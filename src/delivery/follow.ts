/**
 * How delivery follows its logs: the alert log `<PREFIX>_ALERTS` and the disruption log
 * `<PREFIX>_DISRUPTIONS` (their state for the EpisodeTable, and per sink a durable consumer shared
 * by every instance), or without JetStream the live subjects, from memory.
 */
import type { JetStreamManager, NatsConnection } from "nats";
import type { Subjects } from "../api/subjects.js";
import { ensureAlertStream } from "../bus/alert-stream.js";
import { ensureDisruptionStream } from "../bus/disruption-log.js";
import type { Clock } from "../clock.js";
import type { Logger } from "../log.js";
import type { DeliverySettings } from "./destinations.js";
import type { EpisodeTable } from "./episodes.js";
import { decodeDisruptionEvent, decodeMetricEvent, type DeliveryEvent } from "./event.js";
import { followDurable, followLogState, followQueue, followSubjectState, type Feed } from "./feed.js";
import type { Destination } from "./post.js";
import type { Sink } from "./sink.js";

/** What following the logs needs of delivery's options. */
export interface FollowOptions {
  nc: NatsConnection;
  subjects: Subjects;
  settings: DeliverySettings;
  /** Stream replicas, for creating the logs when this runs before any monitor did. */
  streamReplicas?: number;
  log: Logger;
}

/** Records every alert of the log in the table (what is not an alert is counted by the sinks that meet it). */
function recorder(table: EpisodeTable, clock: Clock, decode: (data: Uint8Array) => DeliveryEvent = decodeMetricEvent) {
  return (seq: number, data: Uint8Array) => {
    try {
      table.record(seq, decode(data), clock.now());
    } catch {
      // not an alert
    }
  };
}

/** The alert log: its state for the table, and one durable consumer per sink. Stops what it started when one fails. */
export async function followLog(o: FollowOptions, jsm: JetStreamManager, sinks: Sink[], table: EpisodeTable, clock: Clock): Promise<Feed[]> {
  const s = o.settings;
  const stream = o.subjects.stream("ALERTS");
  const feeds: Feed[] = [];
  try {
    await ensureAlertStream(jsm, o.subjects, { replicas: o.streamReplicas ?? 1, retentionMs: s.alertRetentionMs });
    feeds.push(await followLogState(o.nc, stream, o.subjects.alertLogAll, o.log, recorder(table, clock)));
    feeds.push(...(await followDisruptionLog(o, jsm, sinks, table, clock)));
    for (const sink of sinks) {
      const d = sink.destination;
      const feed = await followDurable({
        nc: o.nc,
        jsm,
        stream,
        durable: consumerName(d),
        filter: o.subjects.alertLogAll,
        description: `peermon: delivery to ${d.kind} ${d.redacted}`,
        ackWaitMs: s.deliveryAckWaitMs,
        maxPending: s.deliveryMaxPending,
        // Unused for the log's retention (every monitor gone or reconfigured): nothing left to deliver.
        inactiveMs: Math.max(s.alertRetentionMs, s.deliveryAckWaitMs * 10),
        log: o.log,
        onMessage: (m, backlog) => sink.accept(m, backlog),
      });
      feeds.push(feed);
    }
    return feeds;
  } catch (err) {
    await Promise.all(feeds.map((f) => f.stop()));
    throw err;
  }
}

/** Without JetStream: the live alert subject, plain for the table and in a queue group per sink. */
export function followMemory(o: FollowOptions, sinks: Sink[], table: EpisodeTable, clock: Clock): Promise<Feed[]> {
  let arrival = 0;
  const nextSeq = () => ++arrival;
  const feeds = [followSubjectState(o.nc, o.subjects.alertsAll, nextSeq, recorder(table, clock))];
  feeds.push(followSubjectState(o.nc, o.subjects.disruptionsAll, nextSeq, recorder(table, clock, decodeDisruptionEvent)));
  for (const sink of sinks) {
    const queue = `${o.subjects.prefix}-deliver-${sink.id}`;
    feeds.push(
      followQueue(
        o.nc,
        o.subjects.alertsAll,
        queue,
        nextSeq,
        () => clock.now(),
        (m) => sink.accept(m),
      ),
    );
    feeds.push(
      followQueue(
        o.nc,
        o.subjects.disruptionsAll,
        queue,
        nextSeq,
        () => clock.now(),
        (m) => sink.accept(m, 0, decodeDisruptionEvent),
      ),
    );
  }
  return Promise.resolve(feeds);
}

/**
 * Disruptions (`PeermonDisruption`, one alert for a name's many silent peers) come from their own
 * log, `<PREFIX>_DISRUPTIONS` (bus/disruption-log.ts), into the same sinks and episode table: per
 * destination a durable consumer of the same name on that stream, and the log's state.
 */
async function followDisruptionLog(o: FollowOptions, jsm: JetStreamManager, sinks: Sink[], table: EpisodeTable, clock: Clock): Promise<Feed[]> {
  const s = o.settings;
  const stream = o.subjects.stream("DISRUPTIONS");
  const filter = o.subjects.disruptionLog("*");
  await ensureDisruptionStream(jsm, o.subjects, { replicas: o.streamReplicas ?? 1, retentionMs: s.alertRetentionMs });
  const feeds = [await followLogState(o.nc, stream, filter, o.log, recorder(table, clock, decodeDisruptionEvent))];
  try {
    for (const sink of sinks) feeds.push(await followDisruptions(o, jsm, sink, stream, filter));
  } catch (err) {
    await Promise.all(feeds.map((f) => f.stop()));
    throw err;
  }
  return feeds;
}

function followDisruptions(o: FollowOptions, jsm: JetStreamManager, sink: Sink, stream: string, filter: string): Promise<Feed> {
  const s = o.settings;
  const d = sink.destination;
  return followDurable({
    nc: o.nc,
    jsm,
    stream,
    durable: consumerName(d),
    filter,
    description: `peermon: disruptions to ${d.kind} ${d.redacted}`,
    ackWaitMs: s.deliveryAckWaitMs,
    maxPending: s.deliveryMaxPending,
    inactiveMs: Math.max(s.alertRetentionMs, s.deliveryAckWaitMs * 10),
    log: o.log,
    onMessage: (m, backlog) => sink.accept(m, backlog, decodeDisruptionEvent),
  });
}

/** The durable consumer of a destination: `peermon-deliver-alertmanager-1a2b3c4d`. */
export function consumerName(d: Destination): string {
  return `peermon-deliver-${d.id}`;
}
