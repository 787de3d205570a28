/**
 * Delivery: hands every alert transition to the people-facing tools the settings name (each
 * Alertmanager, a webhook), downstream of the alert log and never in the way of detection.
 *
 * Per destination, a Sink follows the alert log `<PREFIX>_ALERTS` with its own durable consumer,
 * `peermon-deliver-<alertmanager|webhook>-<hash8 of the URL>`, shared by every instance: each
 * alert goes to one instance and is acknowledged once its receiver answered 2xx, so a receiver
 * outage or a dead instance loses nothing, and a dead Alertmanager holds back no other destination.
 * Next to them, one EpisodeTable per instance follows the log's state (what is firing), for the
 * supersede stage and the Alertmanager re-posters. Disruptions (one `PeermonDisruption` for a
 * name's many silent peers) come the same way from their own log, `<PREFIX>_DISRUPTIONS`. Without
 * JetStream the same runs from the live subjects, from memory (one warning at start).
 */
import type { JetStreamManager, NatsConnection } from "nats";
import type { Subjects } from "../api/subjects.js";
import type { Clock } from "../clock.js";
import type { Logger } from "../log.js";
import { destinationsOf, statusPageUrl, type DeliverySettings } from "./destinations.js";
import { EpisodeTable } from "./episodes.js";
import type { DeliveryEvent } from "./event.js";
import type { Feed } from "./feed.js";
import { consumerName, followLog, followMemory } from "./follow.js";
import { httpPoster } from "./http-poster.js";
import { flagMuter } from "./mute.js";
import type { Poster } from "./post.js";
import { Reposter } from "./repost.js";
import { Sink } from "./sink.js";
import type { SinkStatus } from "./sink-status.js";

export type { DeliverySettings } from "./destinations.js";

export interface DeliveryOptions {
  nc: NatsConnection;
  /** The JetStream manager when the alert log is in use; undefined: from memory. */
  jsm: JetStreamManager | undefined;
  subjects: Subjects;
  settings: DeliverySettings;
  /** Stream replicas, for creating the alert log when this runs before any monitor did. */
  streamReplicas?: number;
  log: Logger;
  clock: Clock;
  /** Randomness in [0, 1): the retry stage's jitter. */
  rng: () => number;
  /**
   * Whether this instance answers for keeping (name, peer)'s firing alert alive in Alertmanager:
   * in a monitor, whether it tracks that window. @default every alert
   */
  tracks?: (name: string, peer: string) => boolean;
  /** Replaces HTTP (tests). */
  poster?: Poster;
}

export interface DeliveryStatus {
  /** "alert log" (durable, shared) or "memory" (no JetStream: best effort). */
  mode: "alert log" | "memory";
  /** Alert transitions this instance knows as current (its EpisodeTable). */
  episodes: number;
  sinks: SinkStatus[];
}

/** How often resolved entries older than EPISODE_MEMORY_MS are forgotten, ms. */
const PRUNE_INTERVAL_MS = 60_000;
/** A resolved (name, peer) is remembered this long, ms: a redelivered alert older than that is not judged stale. */
const EPISODE_MEMORY_MS = 3_600_000;

export const USER_AGENT = "peermon-delivery";

export class Delivery {
  private stopping: Promise<void> | undefined;

  private constructor(
    readonly sinks: Sink[],
    readonly table: EpisodeTable,
    private readonly mode: DeliveryStatus["mode"],
    private readonly parts: { feeds: Feed[]; reposters: Reposter[]; abort: AbortController; stopTimers: () => void; log: Logger },
  ) {}

  /** Starts delivery for the settings' destinations; undefined when there are none. */
  static async start(o: DeliveryOptions): Promise<Delivery | undefined> {
    const s = o.settings;
    const links = { statusPage: statusPageUrl(s) };
    const destinations = destinationsOf(s, links);
    if (destinations.length === 0) return undefined;
    const clock = o.clock;
    const abort = new AbortController();
    const poster = o.poster ?? httpPoster({ timeoutMs: s.deliveryTimeoutMs, signal: abort.signal, userAgent: USER_AGENT, wallNow: () => clock.wallNow() });
    const table = new EpisodeTable();
    if (!o.jsm) {
      o.log.warn(
        { destinations: destinations.map((d) => d.redacted) },
        "alert delivery without JetStream: from memory, best effort (an alert in flight when this instance stops is lost); " +
          "enable JetStream on the server for durable delivery",
      );
    }
    const sinks = destinations.map(
      (destination) =>
        new Sink({
          destination,
          table,
          poster,
          clock,
          rng: o.rng,
          log: o.log,
          muter: flagMuter,
          batchMs: s.deliveryBatchMs,
          batchMax: s.deliveryBatchMax,
          ackWaitMs: s.deliveryAckWaitMs,
          feed: o.jsm ? consumerName(destination) : "memory",
        }),
    );
    let feeds: Feed[];
    try {
      feeds = await (o.jsm ? followLog(o, o.jsm, sinks, table, clock) : followMemory(o, sinks, table, clock));
    } catch (err) {
      await Promise.all(sinks.map((k) => k.stop()));
      throw err;
    }
    const reposters = startReposters(o, sinks, table, clock);
    const stopPruning = pruneEvery(table, clock);
    o.log.info(
      { destinations: destinations.map((d) => `${d.id} ${d.redacted}`), mode: o.jsm ? "alert log" : "memory", statusPage: links.statusPage || null },
      "delivering alerts to people",
    );
    return new Delivery(sinks, table, o.jsm ? "alert log" : "memory", { feeds, reposters, abort, stopTimers: stopPruning, log: o.log });
  }

  status(): DeliveryStatus {
    return { mode: this.mode, episodes: this.table.size, sinks: this.sinks.map((s) => s.status()) };
  }

  /** Stops taking alerts, aborts POSTs in flight and releases what is held to the log. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    const { feeds, reposters, abort, stopTimers } = this.parts;
    stopTimers();
    await Promise.all(feeds.map((f) => f.stop()));
    abort.abort();
    await Promise.all([...reposters.map((r) => r.stop()), ...this.sinks.map((s) => s.stop())]);
  }
}

/** One re-poster per Alertmanager, for the alerts this instance tracks, through its sink's re-post stages. */
function startReposters(o: DeliveryOptions, sinks: Sink[], table: EpisodeTable, clock: Clock): Reposter[] {
  const tracks = o.tracks;
  const scope = (e: DeliveryEvent) => !tracks || e.type !== "metric" || tracks(e.name, e.peer);
  return sinks
    .filter((sink) => sink.destination.kind === "alertmanager")
    .map((sink) => {
      const r = new Reposter(table, sink.reposts, { clock, intervalMs: o.settings.alertmanagerRepostMs, scope });
      r.start();
      return r;
    });
}

/** Forgets old resolved entries every PRUNE_INTERVAL_MS; returns how to stop it. */
function pruneEvery(table: EpisodeTable, clock: Clock): () => void {
  let timer = clock.setTimer(function prune() {
    table.prune(clock.now(), EPISODE_MEMORY_MS);
    timer = clock.setTimer(prune, PRUNE_INTERVAL_MS);
  }, PRUNE_INTERVAL_MS);
  return () => clock.clearTimer(timer);
}

/** What a monitor gives its delivery. */
export interface MonitorDeliveryOptions {
  nc: NatsConnection;
  /** Undefined when alerts do not go through the alert log. */
  jsm: JetStreamManager | undefined;
  subjects: Subjects;
  config: DeliverySettings & { streamReplicas: number };
  clock: Clock;
  rng: () => number;
  log: Logger;
  /** Its windows: a window it tracks is one whose firing alert it keeps alive in Alertmanager. */
  views: { latestForPeer(name: string, peer: string): unknown };
}

/**
 * A monitor's delivery, or undefined when no destination is set. Delivery that cannot start (the
 * alert log unreachable) is logged as an error and the monitor serves without it: detection goes on.
 */
export async function startMonitorDelivery(o: MonitorDeliveryOptions): Promise<Delivery | undefined> {
  const log = o.log.child({ component: "delivery" });
  try {
    return await Delivery.start({
      nc: o.nc,
      jsm: o.jsm,
      subjects: o.subjects,
      settings: o.config,
      streamReplicas: o.config.streamReplicas,
      clock: o.clock,
      rng: o.rng,
      log,
      tracks: (name, peer) => o.views.latestForPeer(name, peer) !== undefined,
    });
  } catch (err) {
    log.error({ err: (err as Error).message }, "alert delivery could not start: alerts reach NATS but nobody is paged; restart once JetStream answers");
    return undefined;
  }
}
