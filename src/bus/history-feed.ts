/**
 * HistoryFeed: keeps the episode index (window/history.ts) in step with the alert
 * log, the one source of failure history; no metric is stored for it. With the log (JetStream) an
 * ordered consumer on `<prefix>.alertlog.>` replays what the log keeps, oldest first, then follows
 * every new alert in order, across reconnects; replicas of a shard all read the same log, so they
 * tell the same history. Alerts of names another shard owns are skipped. Without the log it
 * follows the alert subjects, from the monitor's start on. Best effort: a failure is logged and
 * history then covers what was seen. Times are on the wall clock, as the alerts' stamps are
 * (docs/clocks.md).
 */
import { DeliverPolicy, type NatsConnection, type Subscription } from "nats";
import type { Subjects } from "../api/subjects.js";
import type { Alert } from "../api/types.js";
import { decodeAlert } from "../api/validate.js";
import type { Clock, TimerHandle } from "../clock.js";
import { TUNING } from "../config.js";
import type { Logger } from "../log.js";
import { alertFact, type EpisodeIndex } from "../window/history.js";
import { ALERT_HISTORY } from "./alert-stream.js";
import { serverTimeToMonitor } from "./stream-replay.js";

export interface HistoryFeedOptions {
  nc: NatsConnection;
  subjects: Subjects;
  clock: Clock;
  index: EpisodeIndex;
  /** Whether this instance owns a metric name (it keeps the history of its own names). */
  owns: (name: string) => boolean;
  /** Follow the alert log (JetStream) rather than the alert subjects. */
  logged: boolean;
  /** How long the alert log keeps alerts, ms: the span of a history without the log's own word. */
  retentionMs: number;
  log: Logger;
}

export interface HistoryFeed {
  stop(): void;
}

/** Starts feeding the index; resolves once the feed is set up (the replay goes on in the background). */
export async function followHistory(o: HistoryFeedOptions): Promise<HistoryFeed> {
  const source = await openSource(o);
  // Now and then, forget what the log no longer keeps.
  let timer: TimerHandle | undefined;
  const prune = () => {
    o.index.prune(o.clock.wallNow());
    timer = o.clock.setTimer(prune, TUNING.historyPruneMs);
  };
  timer = o.clock.setTimer(prune, TUNING.historyPruneMs);
  return {
    stop: () => {
      if (timer !== undefined) o.clock.clearTimer(timer);
      source.stop();
    },
  };
}

async function openSource(o: HistoryFeedOptions): Promise<{ stop(): void }> {
  if (!o.logged) return followSubjects(o);
  try {
    return await followLog(o);
  } catch (err) {
    o.log.warn({ err: (err as Error).message }, "cannot follow the alert log for history: history covers what this monitor sees from now on");
    return followSubjects(o);
  }
}

/** One alert's bytes into the index, when it is an alert of a name this instance owns. */
function recordAlert(o: HistoryFeedOptions, data: Uint8Array): void {
  let alert: Alert;
  try {
    alert = decodeAlert(data);
  } catch {
    return; // not an alert: the log's publishers are monitors, but the subject is open to them only by permission
  }
  if (o.owns(alert.name)) o.index.record(alertFact(alert));
}

/** The alert subjects, live: what is published from now on. */
function followSubjects(o: HistoryFeedOptions): { stop(): void } {
  o.index.setCoverage({ sinceMs: o.clock.wallNow(), retentionMs: o.retentionMs });
  const sub: Subscription = o.nc.subscribe(o.subjects.alertsAll, { callback: (err, m) => err || recordAlert(o, m.data) });
  return { stop: () => sub.unsubscribe() };
}

/** The alert log from its first kept alert, then live. */
async function followLog(o: HistoryFeedOptions): Promise<{ stop(): void }> {
  const stream = o.subjects.stream("ALERTS");
  const jsm = await o.nc.jetstreamManager();
  const info = await jsm.streams.info(stream);
  const consumer = await o.nc.jetstream().consumers.get(stream, {
    filterSubjects: o.subjects.alertLogAll,
    // DeliverPolicy.All is the same, but an ordered consumer never starts with it (nats.js 2.29).
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: 1,
  });
  const before = o.clock.wallNow();
  const messages = await consumer.consume();
  const created = await consumer.info(true);
  // The log's first time is on the server's clock: placed on the monitor's wall clock (that of the
  // alerts' stamps) by the server's "now".
  const toMonitorMs = serverTimeToMonitor(Date.parse(created.created), (before + o.clock.wallNow()) / 2);
  const maxAgeNs = info.config.max_age ?? 0;
  o.index.setCoverage({ sinceMs: toMonitorMs(Date.parse(info.created)), retentionMs: maxAgeNs > 0 ? maxAgeNs / 1e6 : Infinity });
  let replaying = created.num_pending > 0;
  void (async () => {
    try {
      for await (const m of messages) {
        recordAlert(o, m.data);
        if (replaying && m.info.pending === 0) {
          replaying = false;
          o.index.replayEnded(ALERT_HISTORY);
        }
      }
    } catch (err) {
      o.log.warn({ err: (err as Error).message }, "stopped following the alert log: history no longer grows");
    }
  })();
  return { stop: () => messages.stop() };
}
