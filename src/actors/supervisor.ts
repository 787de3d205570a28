/**
 * Supervisor: the registry and the router of this monitor's windows. It finds or makes the window
 * of (name, peer) within the limits, stores checked metrics in it, routes what happens to a window
 * (a valid metric, a wake, a restored episode, an ended silence or disruption) to its machine as an
 * event, and frees the windows of peers that leave the peerset. It decides no window's next step:
 * the window machine does (window-machine.ts), and its effects are carried out by WindowEffects.
 * The units it routes to are wired once, in window-units.ts. It imports nothing from NATS.
 */
import type { PeerSet } from "../api/types.js";
import type { WireMetric } from "../api/validate.js";
import type { Clock } from "../clock.js";
import { RateLimitedLog, type Logger } from "../log.js";
import type { MonitorStats } from "../stats.js";
import { msToNs } from "../window/deadline.js";
import type { RhythmFactory } from "../window/detectors/rhythm.js";
import type { WallStep } from "../wall-clock.js";
import type { ClockWatch } from "./clock-watch.js";
import type { IgnoredMetrics } from "./ignored-metrics.js";
import type { MuteScope } from "./muter.js";
import type { Outbox } from "./outbox.js";
import type { SelfHealth } from "./self-health.js";
import type { SupervisorSettings } from "./supervisor-options.js";
import type { ExpiryConfirmation } from "./expiry-confirmation.js";
import type { Suspicion } from "./suspicion.js";
import { TrackedWindow, type EffectRunner } from "./tracked-window.js";
import type { WakeScheduler } from "./wake-scheduler.js";
import { followWallStep } from "./wall-steps.js";
import type { WindowMachine } from "./window-machine.js";
import type { WindowRegistry } from "./window-registry.js";
import type { WindowChanges } from "./window-changes.js";

const TIMER = { type: "timer" } as const;
const SILENCE_ENDED = { type: "silence.ended" } as const;
const DISRUPTION_ENDED = { type: "disruption.ended" } as const;

/** What the supervisor routes to: the units wired in window-units.ts. */
export interface SupervisorParts {
  settings: SupervisorSettings;
  clock: Clock;
  log: Logger;
  stats: MonitorStats;
  windows: WindowRegistry;
  scheduler: WakeScheduler<TrackedWindow>;
  health: SelfHealth<TrackedWindow>;
  suspicion: Suspicion | undefined;
  confirmation: ExpiryConfirmation | undefined;
  /** A rhythm detector per window, when suspicion or expiry confirmation is on. */
  rhythm: RhythmFactory | undefined;
  outsiders: IgnoredMetrics;
  /** Peers' clocks: an `e`-only metric that arrives already past its deadline is no sign of life. */
  clocks: ClockWatch;
  /** The one road out: a freed window's untaken emissions go with it. */
  outbox: Outbox;
  machine: WindowMachine;
  effects: EffectRunner;
  /** Where windows created by live metrics are noted for the journal (durable windows on). */
  changes: WindowChanges<TrackedWindow> | undefined;
}

/** An episode the alert log had open when this monitor started. */
export interface OpenEpisode {
  name: string;
  peer: string;
  episode: string;
  muted?: boolean;
}

export class Supervisor {
  private peerset: Set<string> | undefined;
  private peersetId = "";
  /** Episodes open in the alert log for windows not created yet: `name\0peer` -> the event that reopens them. */
  private readonly reopening = new Map<string, { type: "alert.restored"; episode: string; muted: boolean }>();
  private readonly limitLog: RateLimitedLog;
  private readonly stopWallSteps: () => void;
  /**
   * wall − monotonic, ms: read once, then taken from each wall step. Reading both clocks per
   * metric made it jitter by tens of µs, enough to order two replayed metrics stored µs apart
   * the wrong way round (the newer one was then dropped as stale).
   */
  private wallOffset: number;

  constructor(private readonly o: SupervisorParts) {
    this.limitLog = new RateLimitedLog(
      (f, m) => o.log.warn(f, m),
      o.settings.rejectLogIntervalMs,
      () => o.clock.now(),
    );
    this.wallOffset = o.clock.wallNow() - o.clock.now();
    this.stopWallSteps = o.clock.onWallStep((step) => this.wallStepped(step));
  }

  get windowCount(): number {
    return this.o.windows.size;
  }

  get currentPeerSet(): PeerSet | undefined {
    return this.peerset ? { peers: [...this.peerset], id: this.peersetId } : undefined;
  }

  /** The current peerset's members, or undefined before one is known. */
  get members(): ReadonlySet<string> | undefined {
    return this.peerset;
  }

  /**
   * Stores a checked metric received at `receivedAtMs` (default: now; a replayed metric carries
   * the time the server stored it); false when it was not stored: its peer is outside the known
   * peerset (ignored), a new window would pass the limits on windows or names (`over_limit`), or
   * it is older than the window's newest metric (stale). A valid metric with only `e` that
   * arrived already past it is stored, but is no sign of life (the clock watch counts it): it
   * neither resolves an alert nor re-arms the deadline, and `latest` leaves its window out.
   */
  ingest(m: WireMetric, receivedAtMs?: number): boolean {
    return this.store(m, receivedAtMs, undefined);
  }

  /**
   * Stores a metric brought back by a restore (a checkpoint, the journal of new windows, a
   * sibling's transfer), received at `receivedAtMs` and snapshotted at `snapshotAtMs` (both ms on
   * this monitor's clock); the window holds it as restored until a live metric arrives. As `ingest`.
   */
  restore(m: WireMetric, receivedAtMs: number, snapshotAtMs: number): boolean {
    return this.store(m, receivedAtMs, snapshotAtMs);
  }

  private store(m: WireMetric, receivedAtMs: number | undefined, restoredFrom: number | undefined): boolean {
    if (this.peerset && !this.peerset.has(m.p)) {
      this.o.outsiders.ignored(m.n, m.p);
      return false;
    }
    const now = receivedAtMs ?? this.o.clock.now(); // monotonic: replay times are converted to it
    const wallOffset = this.wallOffset;
    let w = this.o.windows.get(m.n, m.p);
    if (!w) {
      w = this.create(m, now + wallOffset);
      if (!w) return false;
      if (restoredFrom === undefined) this.o.changes?.note(w); // a restored window is in the store already
    }
    const at = msToNs(now + wallOffset); // `t` is stamped on the wall clock
    if (receivedAtMs !== undefined && at < w.metrics.latestReceivedAt()) {
      // Only a restore gives times: a live metric held during the replay that the stream had
      // already replaced must not take the window back in time.
      this.o.stats.metricsStale++;
      return false;
    }
    w.metrics.add(m, at);
    w.restoredFrom = restoredFrom;
    w.stored();
    this.o.stats.metricsStored++;
    w.arrivedExpired = m.d ? this.o.clocks.expiredOnArrival(m, now, wallOffset) : false;
    if (!m.d || w.arrivedExpired) return true;
    w.arm(m, now, wallOffset, this.o.health.mayLearn(now)); // its rhythm learns the gap (not while in doubt, nor read late), its machine hears
    const wakeAt = this.o.suspicion ? this.o.suspicion.wakeAt(w) : w.deadline;
    if (!this.o.scheduler.isScheduled(w) || w.wakeAt > wakeAt) this.o.scheduler.schedule(w, wakeAt);
    return true;
  }

  /** From now on only members are tracked; windows of other peers are freed without alerts. */
  applyPeerSet(ps: PeerSet): void {
    const previous = this.peerset;
    const next = new Set(ps.peers);
    this.peerset = next;
    this.peersetId = ps.id;
    this.o.outsiders.peersetChanged(previous, next);
    for (const peer of previous ?? []) if (!next.has(peer)) this.o.clocks.forget(peer);
    this.o.stats.peersetsApplied++;
    // With a previous peerset only the peers that left can have windows to free.
    const doomed = this.o.windows.notIn(next, previous && [...previous].filter((p) => !next.has(p)));
    for (const w of doomed) this.free(w);
    this.o.log.info({ peers: next.size, id: ps.id, windowsFreed: doomed.length }, "peerset applied");
  }

  /**
   * Episodes that were alerted before this monitor started (the alert log's last alert for them is
   * firing): their windows start `alerted`, so that the peer's return is announced as resolved.
   */
  episodesRestored(open: Iterable<OpenEpisode>): void {
    for (const { name, peer, episode, muted } of open) {
      const event = { type: "alert.restored", episode, muted: muted === true } as const;
      const w = this.o.windows.get(name, peer);
      if (w) w.send(event);
      else this.reopening.set(`${name}\u0000${peer}`, event);
    }
  }

  /** Silences covering `scopes` ended (expired or removed): their windows hear it. */
  silencesEnded(scopes: Iterable<MuteScope>): void {
    for (const { name, peer } of scopes) for (const w of this.o.windows.ofPeer(peer, name)) w.send(SILENCE_ENDED);
  }

  /** The disruption of `name` ended or was released: its windows hear it (the held ones fire). */
  disruptionEnded(name: string): void {
    for (const w of this.o.windows.of(name)) w.send(DISRUPTION_ENDED);
  }

  /** A window's wake came (the wake schedule). */
  wake(w: TrackedWindow): void {
    if (w.freed) return;
    const now = this.o.clock.now();
    if (!deadlineAhead(w, now)) return w.send(TIMER);
    if (this.o.suspicion) this.o.suspicion.due(w, now);
    else this.o.scheduler.schedule(w, w.deadline);
  }

  stop(): void {
    this.stopWallSteps();
  }

  /**
   * The window of `m`'s (name, peer), made within the limits (undefined and counted as
   * `over_limit` when they forbid it); an episode the alert log had open for it is reopened.
   */
  private create(m: WireMetric, atWallMs: number): TrackedWindow | undefined {
    const { windows, settings, stats } = this.o;
    if (windows.size >= settings.maxWindows || (!windows.hasName(m.n) && windows.nameCount >= settings.maxNames)) {
      stats.rejected.over_limit++;
      this.limitLog.note(
        { name: m.n, peer: m.p, windows: windows.size, maxWindows: settings.maxWindows, maxNames: settings.maxNames },
        "refused a new window (over_limit): raise --max-windows or --max-names if the host has the memory",
      );
      return undefined;
    }
    const key = `${m.n}\u0000${m.p}`;
    const reopened = this.reopening.get(key);
    const [name, peer] = windows.intern(m.n, m.p);
    const w = new TrackedWindow(name, peer, settings.windowCapacity, this.o.machine, this.o.effects);
    w.sinceMs = atWallMs;
    w.detector = this.o.rhythm?.();
    windows.add(w);
    stats.windowsCreated++;
    if (reopened) {
      this.reopening.delete(key);
      w.send(reopened);
    }
    return w;
  }

  private free(w: TrackedWindow): void {
    this.o.scheduler.cancel(w);
    this.o.health.forget(w);
    this.o.suspicion?.forget(w);
    this.o.confirmation?.forget(w);
    this.o.outbox.forget(w.name, w.peer);
    this.o.windows.remove(w);
    w.free();
    this.o.stats.windowsFreed++;
  }

  /** The system clock was stepped: the wall clock follows it, and so do the deadlines from `e`. */
  private wallStepped(step: WallStep): void {
    this.wallOffset = step.toOffsetMs;
    this.o.windows.touchAll();
    const moved = followWallStep(this.o.windows, step, (w) => {
      if (!this.o.scheduler.isScheduled(w) || w.wakeAt > w.deadline) this.o.scheduler.schedule(w, w.deadline);
    });
    this.o.log.warn(
      { stepMs: Math.round(step.stepMs), deadlinesMoved: moved },
      "system clock stepped: the wall clock follows (t, r, ids) and deadlines of metrics with only `e` moved",
    );
  }
}

/**
 * The hot-path shortcut of wakes: a window at rest woken before its deadline (metrics moved the
 * deadline on since the wake was set, which is every wake of a live peer) only needs its next
 * wake, or its suspicion check, which is all `timer` would do there (the machine's `due` state is
 * for a deadline that passed). Skipping the send saves an actor and an xstate macrostep per window
 * per ttl: 33k a second for 1M windows with a 30 s ttl, about a third of a core; and a window that
 * stays healthy never starts an actor. `npm run bench -- --only guard` measures it.
 */
function deadlineAhead(w: TrackedWindow, now: number): boolean {
  return now < w.deadline && w.atRest;
}
