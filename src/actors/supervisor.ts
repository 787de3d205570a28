/**
 * Supervisor: owns every window of this monitor. It stores incoming metrics, creates a window actor
 * on demand, drives the actors with deadlines from one wake schedule, applies peersets, answers
 * queries and hands alerts to the bus. It imports nothing from NATS: the bus calls `receive*`, and
 * gets alerts through `AlertSink` and round trips through `Reachability`.
 *
 * A due deadline convicts only after a round trip to NATS that started after the deadline came
 * back: whatever the peer sent before its deadline has then been received (messages queued during
 * an event-loop stall are processed first), and a dead link convicts nobody.
 */
import type { Clock } from "../clock.js";
import type { Logger } from "../log.js";
import { RateLimitedLog } from "../log.js";
import { Subjects, partitionOf, type MetricSubjectTail } from "../api/subjects.js";
import { decodeMetricMessage, decodePeerSetMessage, type RejectReason, type WireMetric } from "../api/validate.js";
import type { Metric, PeerSet } from "../api/types.js";
import { MonitorStats } from "../stats.js";
import { deadlineOf, isFresh, msToNs } from "../window/deadline.js";
import { AlertDesk, type AlertSink } from "./alert-desk.js";
import { encodeLatest, freshLatest, stateCounts, statusSnapshot, type StatusSnapshot } from "./window-reports.js";
import { SelfOutageGuard } from "../window/self-outage.js";
import { WakeScheduler } from "./wake-scheduler.js";
import { TrackedWindow } from "./tracked-window.js";
import { WindowRegistry } from "./window-registry.js";
import { windowMachine, type WindowMachine, type WindowState } from "./window-machine.js";

/** Asks the bus for a round trip; the bus answers `reachable()` or `unreachable()`. */
export interface Reachability {
  request(): void;
}

export type { AlertSink, StatusSnapshot };

export interface SupervisorOptions {
  clock: Clock;
  sink: AlertSink;
  reachability: Reachability;
  log: Logger;
  windowCapacity: number;
  /** Windows tracked at most; metrics that would open more are rejected as `over_limit`. */
  maxWindows: number;
  /** Metric names tracked at most (same). */
  maxNames: number;
  repeatIntervalMs: number;
  graceMs: number;
  stallThresholdMs: number;
  prefix: string;
  partitions: number;
  rejectLogIntervalMs: number;
  stats?: MonitorStats;
}

/** The guard's reason while windows are restored. */
const RESTORING = "restoring";

const METRIC_VALID = { type: "metric.valid" } as const;
const DEADLINE_PASSED = { type: "deadline.passed" } as const;
const ALERT_PUBLISHED = { type: "alert.published" } as const;
const ALERT_RETRY = { type: "alert.retry" } as const;
const REPEAT_DUE = { type: "repeat.due" } as const;
const ALERT_RESTORED = { type: "alert.restored" } as const;

export class Supervisor {
  readonly stats: MonitorStats;
  readonly guard: SelfOutageGuard;
  private readonly windows = new WindowRegistry();
  private peerset: Set<string> | undefined;
  private peersetId = "";
  private readonly scheduler: WakeScheduler<TrackedWindow>;
  private readonly machine: WindowMachine;
  private readonly subjects: Subjects;
  private readonly tail: MetricSubjectTail = { offset: -1, partition: -1 };
  private readonly rejectLog: RateLimitedLog;
  /** Windows whose deadline passed, waiting for a round trip that started after it. */
  private due: TrackedWindow[] = [];
  private roundTripSentAt: number | undefined;
  private readonly desk: AlertDesk;
  /** (name, peer) whose last logged alert is firing, for windows not created yet: `name\0peer`. */
  private readonly openEpisodes = new Set<string>();

  constructor(private readonly o: SupervisorOptions) {
    this.stats = o.stats ?? new MonitorStats();
    this.guard = new SelfOutageGuard(o.graceMs);
    this.subjects = new Subjects(o.prefix);
    this.desk = new AlertDesk(o.sink, this.stats, o.clock);
    this.rejectLog = new RateLimitedLog((f, m) => o.log.warn(f, m), o.rejectLogIntervalMs, () => o.clock.now());
    this.scheduler = new WakeScheduler<TrackedWindow>({
      clock: o.clock,
      stallThresholdMs: o.stallThresholdMs,
      onWake: (w, now) => this.wake(w, now),
      onStall: (now, lateMs) => this.stalled(now, lateMs),
    });
    this.machine = windowMachine.provide({
      actions: {
        entered: ({ context }, params) => {
          (context.key as TrackedWindow).state = params.state;
        },
        announceFiring: ({ context }) => this.announceFiring(context.key as TrackedWindow),
        announceResolved: ({ context }) => this.desk.resolve(context.key as TrackedWindow),
        announceRepeat: ({ context }) => this.announceRepeat(context.key as TrackedWindow),
      },
    });
  }

  // ---- intake -------------------------------------------------------------------------------

  /**
   * A metric message as it arrived on `subject`, at `receivedAtMs` (default: now; a replayed metric
   * carries the time the server stored it). Rejections are counted, never thrown.
   */
  receive(subject: string, data: Uint8Array, receivedAtMs?: number): void {
    this.stats.metricsReceived++;
    const tail = this.subjects.metricTail(subject, this.tail);
    if (tail.partition >= 0) {
      const counts = this.stats.metricsByPartition;
      counts[tail.partition] = (counts[tail.partition] ?? 0) + 1;
    }
    const decoded = decodeMetricMessage(data, subject, tail.offset);
    if (!decoded.ok) return this.reject(decoded.reason, subject);
    const m = decoded.value;
    if (tail.partition >= 0 && tail.partition !== partitionOf(m.n, this.o.partitions)) {
      return this.reject("subject_mismatch", subject);
    }
    this.ingest(m, receivedAtMs);
  }

  /**
   * Stores a checked metric; false when its peer is outside the known peerset, or when a new
   * window would pass the limits on windows or names (counted as `over_limit`).
   */
  ingest(m: WireMetric, receivedAtMs?: number): boolean {
    if (this.peerset && !this.peerset.has(m.p)) {
      this.stats.metricsIgnored++;
      return false;
    }
    const w = this.window(m.n, m.p);
    if (!w) {
      this.reject("over_limit", this.subjects.metric(m.n, m.p));
      return false;
    }
    const now = receivedAtMs ?? this.o.clock.now();
    w.metrics.add(m, msToNs(now));
    this.stats.metricsStored++;
    if (m.d) {
      w.deadline = deadlineOf(now, m.l, m.e);
      if (w.state !== "healthy") {
        this.desk.forget(w); // an episode that ends before its alert left stays silent
        w.actor.send(METRIC_VALID);
      }
      if (!this.scheduler.isScheduled(w) || w.wakeAt > w.deadline) this.scheduler.schedule(w, w.deadline);
    }
    return true;
  }

  /** A PeerSet message from the bus (live or replayed from JetStream). */
  receivePeerSet(data: Uint8Array): void {
    const decoded = decodePeerSetMessage(data);
    if (!decoded.ok) return this.reject(decoded.reason, this.subjects.peerset);
    this.applyPeerSet(decoded.value);
  }

  /** From now on only members are tracked; windows of other peers are freed without alerts. */
  applyPeerSet(ps: PeerSet): void {
    const previous = this.peerset;
    const next = new Set(ps.peers);
    this.peerset = next;
    this.peersetId = ps.id;
    this.stats.peersetsApplied++;
    // With a previous peerset only the peers that left can have windows to free.
    const doomed = this.windows.notIn(next, previous && [...previous].filter((p) => !next.has(p)));
    for (const w of doomed) this.free(w);
    const freed = doomed.length;
    this.o.log.info({ peers: next.size, id: ps.id, windowsFreed: freed }, "peerset applied");
  }

  // ---- queries ------------------------------------------------------------------------------

  /** Latest metric of each current peer for `name`, when it is valid and fresh; sorted by peer. */
  latest(name: string): Metric[] {
    return freshLatest(this.windows, name, this.o.clock.now()).map((w) => w.metrics.latest()!);
  }

  /** `latest(name)` as its msgpack reply (Metric[]), written straight from the windows. */
  latestEncoded(name: string): Uint8Array {
    return encodeLatest(freshLatest(this.windows, name, this.o.clock.now()));
  }

  /** Latest metric of one peer, expired or invalid included; undefined when there is none. */
  latestForPeer(name: string, peer: string): Metric | undefined {
    return this.windows.get(name, peer)?.metrics.latest();
  }

  /** Every metric in one window, newest first. */
  history(name: string, peer: string): Metric[] {
    return this.windows.get(name, peer)?.metrics.all() ?? [];
  }

  names(): string[] {
    return this.windows.names();
  }

  get windowCount(): number {
    return this.windows.size;
  }

  get currentPeerSet(): PeerSet | undefined {
    return this.peerset ? { peers: [...this.peerset], id: this.peersetId } : undefined;
  }

  /** What the status page shows: per name, windows per state and up to `perName` peers, troubled first. */
  statusSnapshot(perName: number): StatusSnapshot {
    return statusSnapshot(this.windows, this.peerset?.size ?? null, perName, this.o.clock.now());
  }

  /** Windows per state, per metric name. */
  stateCounts(): Record<string, Record<WindowState, number>> {
    return stateCounts(this.windows);
  }

  /**
   * Windows are being restored from storage while live metrics wait: nobody is convicted until
   * `restoreEnded`, since what a peer sent meanwhile has not been applied yet.
   */
  restoreStarted(): void {
    this.guard.impair(RESTORING, this.o.clock.now());
  }

  /**
   * Episodes that were alerted before this monitor started (the alert log's last alert for them is
   * firing): their windows start `alerted`, so that the peer's return is announced as resolved.
   */
  episodesRestored(open: Iterable<[name: string, peer: string]>): void {
    for (const [name, peer] of open) {
      const w = this.windows.get(name, peer);
      if (w) w.actor.send(ALERT_RESTORED);
      else this.openEpisodes.add(`${name}\u0000${peer}`);
    }
  }

  /**
   * Restoring ended: deadlines that passed while this monitor was away wait for the grace (none
   * when nothing was restored: there is no deadline to judge yet).
   */
  restoreEnded(metrics: number): void {
    this.guard.recover(RESTORING, this.o.clock.now(), metrics > 0);
    this.o.log.info({ metrics, windows: this.windowCount, graceMs: this.o.graceMs }, "windows restored");
  }

  // ---- link health, from the bus ------------------------------------------------------------

  /** The link to NATS is impaired (disconnected, probe unanswered): nobody is convicted. */
  linkImpaired(reason: string): void {
    if (this.guard.impair(reason, this.o.clock.now())) {
      this.stats.outages++;
      this.o.log.warn({ reason }, "connection to NATS impaired: no alerts until it recovers");
    }
    this.unreachable();
  }

  linkRecovered(reason: string): void {
    if (this.guard.recover(reason, this.o.clock.now())) {
      this.o.log.info({ reason, graceMs: this.o.graceMs }, "connection to NATS recovered: grace before alerting");
    }
  }

  /** The round trip asked for with `Reachability.request` came back. */
  reachable(): void {
    const sentAt = this.roundTripSentAt;
    if (sentAt === undefined) return;
    this.roundTripSentAt = undefined;
    const due = this.due;
    this.due = [];
    const now = this.o.clock.now();
    for (const w of due) {
      if (w.freed || w.state !== "healthy") continue;
      if (w.deadline <= sentAt) this.convict(w, now);
      else if (!isFresh(w.deadline, now)) this.due.push(w); // fell due after this round trip left
      else this.scheduler.schedule(w, w.deadline);
    }
    if (this.due.length > 0) this.requestRoundTrip(now);
  }

  /** The round trip failed: due windows are checked again after the grace. */
  unreachable(): void {
    this.roundTripSentAt = undefined;
    const now = this.o.clock.now();
    for (const w of this.due) if (!w.freed) this.defer(w, now, this.recheckAt(now));
    this.due = [];
  }

  /** The sink can take alerts again: offer everything that waited, oldest first. */
  sinkReady(): void {
    for (const w of this.desk.ready()) {
      if (!w.freed && w.state === "expired") w.actor.send(ALERT_RETRY);
    }
  }

  get waitingAlerts(): number {
    return this.desk.waiting;
  }

  stop(): void {
    this.scheduler.stop();
  }

  // ---- internals ----------------------------------------------------------------------------

  /** The window of (name, peer), created on demand; undefined when the limits forbid a new one. */
  private window(name: string, peer: string): TrackedWindow | undefined {
    let w = this.windows.get(name, peer);
    if (!w) {
      if (this.windows.size >= this.o.maxWindows) return undefined;
      if (!this.windows.hasName(name) && this.windows.nameCount >= this.o.maxNames) return undefined;
      w = new TrackedWindow(name, peer, this.o.windowCapacity, this.machine);
      this.windows.add(w);
      this.stats.windowsCreated++;
      if (this.openEpisodes.size > 0 && this.openEpisodes.delete(`${name}\u0000${peer}`)) w.actor.send(ALERT_RESTORED);
    }
    return w;
  }

  private free(w: TrackedWindow): void {
    this.scheduler.cancel(w);
    this.desk.forget(w, true);
    this.windows.remove(w);
    w.free();
    this.stats.windowsFreed++;
  }

  private wake(w: TrackedWindow, now: number): void {
    if (w.freed) return;
    switch (w.state) {
      case "healthy":
        if (Number.isNaN(w.deadline)) return;
        if (isFresh(w.deadline, now)) return this.scheduler.schedule(w, w.deadline);
        if (this.guard.convictableAt(now) > now) return this.defer(w, now);
        this.due.push(w);
        if (this.roundTripSentAt === undefined) this.requestRoundTrip(now);
        return;
      case "alerted":
        if (this.o.repeatIntervalMs > 0) w.actor.send(REPEAT_DUE);
        return;
      case "expired":
        return;
    }
  }

  private convict(w: TrackedWindow, now: number): void {
    if (this.guard.convictableAt(now) > now) return this.defer(w, now);
    w.actor.send(DEADLINE_PASSED);
  }

  /** Checks `w` again once it may convict, and not before `notBefore`. */
  private defer(w: TrackedWindow, now: number, notBefore = now): void {
    const at = Math.max(this.guard.convictableAt(now), notBefore);
    this.stats.convictionsDeferred++;
    this.scheduler.schedule(w, Number.isFinite(at) ? at : this.recheckAt(now));
  }

  /** When a window that could not be judged at `now` (link down, round trip failed) is looked at again. */
  private recheckAt(now: number): number {
    return now + Math.max(this.o.graceMs, 1_000);
  }

  private requestRoundTrip(now: number): void {
    this.roundTripSentAt = now;
    this.o.reachability.request();
  }

  private stalled(now: number, lateMs: number): void {
    this.stats.stalls++;
    this.guard.stalled(now);
    this.o.log.warn({ lateMs: Math.round(lateMs), graceMs: this.o.graceMs }, "event loop stalled: grace before alerting");
  }

  private announceFiring(w: TrackedWindow): void {
    if (!this.desk.fire(w)) return;
    if (this.o.repeatIntervalMs > 0) this.scheduler.schedule(w, this.o.clock.now() + this.o.repeatIntervalMs);
    w.actor.send(ALERT_PUBLISHED);
  }

  private announceRepeat(w: TrackedWindow): void {
    this.desk.repeat(w);
    this.scheduler.schedule(w, this.o.clock.now() + this.o.repeatIntervalMs);
  }

  private reject(reason: RejectReason, subject: string): void {
    this.stats.rejected[reason]++;
    this.rejectLog.note({ reason, subject, rejected: this.stats.rejectedTotal() }, "rejected a message");
  }
}
