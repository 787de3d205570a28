/**
 * Supervisor: owns every window of this monitor. It stores checked metrics, creates a window actor
 * on demand (within the limits), applies peersets, and provides the window machine's actions:
 * deadlines and repeats go to one wake schedule, due deadlines to the conviction unit, alerts to
 * the outbox. It imports nothing from NATS: decoding happens at the bus edge (bus/intake.ts), round
 * trips go through `RoundTrip`, alerts through the outbox's transport.
 *
 * Operator control: the AlertFactory mutes alerts a silence matches (the `muter`), and the
 * episode's firing alert goes to the sinks once the silence ends (`silencesEnded`); a window about
 * to fire asks the disruption unit first, which may hold its alert (disruptions.ts).
 */
import { RateLimitedLog } from "../log.js";
import type { PeerSet } from "../api/types.js";
import type { WireMetric } from "../api/validate.js";
import { MonitorStats } from "../stats.js";
import { deadlineOf, isWallDeadline, msToNs } from "../window/deadline.js";
import { EpisodeIndex } from "../window/history.js";
import { isLate } from "../window/disruption.js";
import type { WallStep } from "../wall-clock.js";
import { followWallStep } from "./wall-steps.js";
import { TUNING } from "../config.js";
import { AlertFactory } from "./alert-factory.js";
import { Disruptions } from "./disruptions.js";
import { EpisodeAlerts } from "./episode-alerts.js";
import { SelfHealth, type RoundTrip } from "./self-health.js";
import { Suspicion } from "./suspicion.js";
import { IgnoredMetrics } from "./ignored-metrics.js";
import { NO_MUTER, type MuteScope } from "./muter.js";
import type { DisruptionSettings, SupervisorOptions } from "./supervisor-options.js";
import { WakeScheduler } from "./wake-scheduler.js";
import { TrackedWindow } from "./tracked-window.js";
import { WindowRegistry } from "./window-registry.js";
import { WindowViews } from "./window-views.js";
import { windowMachine, type WindowMachine } from "./window-machine.js";

export type { RoundTrip };

export type { DisruptionSettings, SupervisorOptions };

const TIMER = { type: "timer" } as const;
const METRIC_VALID = { type: "metric.valid" } as const;
const DEADLINE_PASSED = { type: "deadline.passed" } as const;

export class Supervisor {
  readonly stats: MonitorStats;
  readonly views: WindowViews;
  /** Failure history: episodes per (name, peer), fed from the alert log (bus/history-feed.ts), for views. */
  readonly history: EpisodeIndex;
  /** The monitor's own link, restore and event loop: outages, stalls, grace; due deadlines wait here. */
  readonly health: SelfHealth<TrackedWindow>;
  /** Alerts held when too many peers of a name fail at once: events, release, report. */
  readonly disruptions: Disruptions<TrackedWindow>;
  private readonly windows = new WindowRegistry();
  private peerset: Set<string> | undefined;
  private peersetId = "";
  private readonly scheduler: WakeScheduler<TrackedWindow>;
  private readonly machine: WindowMachine;
  private readonly episodes: EpisodeAlerts;
  private readonly limitLog: RateLimitedLog;
  private readonly outsiders: IgnoredMetrics;
  private readonly stopWallSteps: () => void;
  private readonly suspicion: Suspicion | undefined;
  /**
   * wall − monotonic, ms: read once, then taken from each wall step. Reading both clocks per
   * metric made it jitter by tens of µs, enough to order two replayed metrics stored µs apart
   * the wrong way round (the newer one was then dropped as stale).
   */
  private wallOffset: number;

  constructor(private readonly o: SupervisorOptions) {
    this.stats = o.stats ?? new MonitorStats();
    this.history = new EpisodeIndex({ sinceMs: o.clock.wallNow(), retentionMs: Infinity }); // alert stamps are wall time
    this.views = new WindowViews(
      this.windows,
      o.clock,
      () => this.peerset,
      (now) => this.health.guard.report(now),
      this.history,
    );
    const muter = o.muter ?? NO_MUTER;
    this.episodes = new EpisodeAlerts(o.clock, o.outbox, new AlertFactory(o.clock, muter), muter);
    this.disruptions = this.makeDisruptions(o.disruption);
    this.limitLog = new RateLimitedLog(
      (f, m) => o.log.warn(f, m),
      o.rejectLogIntervalMs,
      () => o.clock.now(),
    );
    const now = () => o.clock.now();
    this.outsiders = new IgnoredMetrics({ stats: this.stats, log: o.log, logIntervalMs: o.rejectLogIntervalMs, now, remember: TUNING.removedPeersRemembered });
    this.scheduler = new WakeScheduler<TrackedWindow>({
      clock: o.clock,
      stallThresholdMs: o.stallThresholdMs,
      onWake: (w) => this.wake(w),
      onStall: (now, lateMs) => this.health.stalled(now, lateMs),
    });
    this.health = new SelfHealth<TrackedWindow>({
      clock: o.clock,
      roundTrip: o.roundTrip,
      graceMs: o.graceMs,
      stats: this.stats,
      log: o.log,
      deadline: (w) => w.deadline,
      convict: (w) => w.actor.send(DEADLINE_PASSED),
      recheck: (w, at) => this.scheduler.schedule(w, at),
    });
    this.suspicion = o.suspects && this.makeSuspicion(o.suspects);
    this.machine = this.provideMachine();
    this.wallOffset = o.clock.wallNow() - o.clock.now();
    this.stopWallSteps = o.clock.onWallStep((step) => this.wallStepped(step));
  }

  get windowCount(): number {
    return this.windows.size;
  }

  get currentPeerSet(): PeerSet | undefined {
    return this.peerset ? { peers: [...this.peerset], id: this.peersetId } : undefined;
  }

  /**
   * Stores a checked metric received at `receivedAtMs` (default: now; a replayed metric carries
   * the time the server stored it); false when it was not stored: its peer is outside the known
   * peerset (ignored), a new window would pass the limits on windows or names (`over_limit`), or
   * it is older than the window's newest metric (stale).
   */
  ingest(m: WireMetric, receivedAtMs?: number): boolean {
    if (this.peerset && !this.peerset.has(m.p)) {
      this.outsiders.ignored(m.n, m.p);
      return false;
    }
    const w = this.window(m.n, m.p);
    if (!w) {
      this.stats.rejected.over_limit++;
      this.limitLog.note(
        { name: m.n, peer: m.p, windows: this.windows.size, maxWindows: this.o.maxWindows, maxNames: this.o.maxNames },
        "refused a new window (over_limit): raise --max-windows or --max-names if the host has the memory",
      );
      return false;
    }
    const now = receivedAtMs ?? this.o.clock.now(); // monotonic: replay times are converted to it
    const wallOffset = this.wallOffset;
    const at = msToNs(now + wallOffset); // `t` is stamped on the wall clock
    if (receivedAtMs !== undefined && at < w.metrics.latestReceivedAt()) {
      // Only a restore gives times: a live metric held during the replay that the stream had
      // already replaced must not take the window back in time.
      this.stats.metricsStale++;
      return false;
    }
    w.metrics.add(m, at);
    this.stats.metricsStored++;
    if (m.d) {
      w.armedAt = now;
      w.deadline = deadlineOf(now, m.l, m.e, wallOffset);
      w.deadlineOnWall = isWallDeadline(m.l);
      if (endsEpisode(w)) w.actor.send(METRIC_VALID);
      const wakeAt = this.suspicion ? this.suspicion.observed(w, now) : w.deadline;
      if (!this.scheduler.isScheduled(w) || w.wakeAt > wakeAt) this.scheduler.schedule(w, wakeAt);
    }
    return true;
  }

  /** From now on only members are tracked; windows of other peers are freed without alerts. */
  applyPeerSet(ps: PeerSet): void {
    const previous = this.peerset;
    const next = new Set(ps.peers);
    this.peerset = next;
    this.peersetId = ps.id;
    this.outsiders.peersetChanged(previous, next);
    this.stats.peersetsApplied++;
    // With a previous peerset only the peers that left can have windows to free.
    const doomed = this.windows.notIn(next, previous && [...previous].filter((p) => !next.has(p)));
    for (const w of doomed) this.free(w);
    this.o.log.info({ peers: next.size, id: ps.id, windowsFreed: doomed.length }, "peerset applied");
  }

  /**
   * Episodes that were alerted before this monitor started (the alert log's last alert for them is
   * firing): their windows start `alerted`, so that the peer's return is announced as resolved.
   */
  episodesRestored(open: Iterable<{ name: string; peer: string; episode: string; muted?: boolean }>): void {
    for (const { name, peer, episode, muted } of open) {
      const w = this.windows.get(name, peer);
      if (w) this.episodes.reopen(w, episode, muted === true);
      else this.episodes.reopenLater(name, peer, episode, muted === true);
    }
  }

  /**
   * Silences covering `scopes` ended (expired or removed): alerted windows whose firing alert was
   * muted get it delivered now, as an unmuted repeat of their episode.
   */
  silencesEnded(scopes: Iterable<MuteScope>): void {
    for (const { name, peer } of scopes) for (const w of this.windows.ofPeer(peer, name)) this.episodes.unmuteIfDue(w);
  }

  stop(): void {
    this.disruptions.stop();
    this.scheduler.stop();
    this.health.stop();
    this.stopWallSteps();
  }

  /** The window machine with this supervisor's actions and guards. */
  private provideMachine(): WindowMachine {
    const repeatMs = this.o.repeatIntervalMs;
    const of = ({ context }: { context: { key: unknown } }) => context.key as TrackedWindow;
    return windowMachine.provide({
      actions: {
        checkDeadline: (a) => this.health.deadlineDue(of(a), this.o.clock.now()),
        announceFiring: (a) => this.announceFiring(of(a)),
        withdrawFiring: (a) => {
          const w = of(a);
          this.disruptions.forget(w.name, w);
          this.episodes.withdraw(w);
        },
        announceResolved: (a) => this.episodes.resolve(of(a)),
        announceRepeat: (a) => {
          const w = of(a);
          this.episodes.repeat(w);
          this.scheduler.schedule(w, this.o.clock.now() + repeatMs);
        },
        armRepeat: (a) => {
          if (repeatMs > 0) this.scheduler.schedule(of(a), this.o.clock.now() + repeatMs);
        },
      },
      guards: {
        isCurrentEpisode: ({ context, event }) => event.type === "alert.published" && event.episode === (context.key as TrackedWindow).episode,
        firingLeft: (a) => {
          const w = of(a);
          // A held window (disruption) has no firing alert at all: its episode ends silently.
          return w.episode !== undefined && this.o.outbox.firingOf(w.name, w.peer, w.episode) !== "untaken";
        },
        repeats: () => repeatMs > 0,
      },
    });
  }

  /** The window of (name, peer), created on demand; undefined when the limits forbid a new one. */
  private window(name: string, peer: string): TrackedWindow | undefined {
    let w = this.windows.get(name, peer);
    if (!w) {
      if (this.windows.size >= this.o.maxWindows) return undefined;
      if (!this.windows.hasName(name) && this.windows.nameCount >= this.o.maxNames) return undefined;
      w = new TrackedWindow(name, peer, this.o.windowCapacity, this.machine);
      this.suspicion?.arm(w);
      this.windows.add(w);
      this.stats.windowsCreated++;
      this.episodes.created(w);
    }
    return w;
  }

  private free(w: TrackedWindow): void {
    this.scheduler.cancel(w);
    this.health.forget(w);
    this.suspicion?.forget(w);
    this.disruptions.forget(w.name, w);
    this.o.outbox.forget(w.name, w.peer);
    this.windows.remove(w);
    w.free();
    this.stats.windowsFreed++;
  }

  private wake(w: TrackedWindow): void {
    if (w.freed) return;
    const now = this.o.clock.now();
    if (!deadlineAhead(w, now)) return void w.actor.send(TIMER);
    if (this.suspicion) this.suspicion.due(w, now);
    else this.scheduler.schedule(w, w.deadline);
  }

  /** The window entered `expired`: its firing alert goes out, unless a disruption holds it. */
  private announceFiring(w: TrackedWindow): void {
    if (!this.disruptions.holds(w.name, w)) this.openEpisode(w);
  }

  /** The firing alert that opens `w`'s episode; it supersedes a suspicion. */
  private openEpisode(w: TrackedWindow): void {
    this.suspicion?.superseded(w);
    this.episodes.open(w);
  }

  private makeSuspicion(s: NonNullable<SupervisorOptions["suspects"]>): Suspicion {
    return new Suspicion({
      ...s,
      clock: this.o.clock,
      roundTrip: this.o.roundTrip,
      guard: this.health.guard,
      graceMs: this.o.graceMs,
      stats: this.stats,
      wake: (w, at) => this.scheduler.schedule(w, at),
    });
  }

  private makeDisruptions(s: DisruptionSettings | undefined): Disruptions<TrackedWindow> {
    return new Disruptions<TrackedWindow>({
      rule: { threshold: s?.threshold ?? 0, minPeers: s?.minPeers ?? 0, hysteresis: s?.hysteresis ?? 0 },
      clock: this.o.clock,
      checkIntervalMs: s?.checkIntervalMs ?? 1_000,
      recountMs: s?.recountMs ?? 0,
      log: this.o.log,
      stats: this.stats,
      ports: {
        windowsOf: (name) => this.windows.of(name),
        expired: (w) => w.state !== "healthy",
        late: (w, at) => (this.suspicion?.isSuspect(w, at) ?? false) || isLate(at, w.armedAt, w.deadline),
        fire: (w) => {
          if (!w.freed && w.state === "expired" && w.episode === undefined) this.openEpisode(w);
        },
        announce: (e) => s?.announce(e),
        mayJudge: (now) => this.health.mayJudge(now),
      },
    });
  }

  /** The system clock was stepped: the wall clock follows it, and so do the deadlines from `e`. */
  private wallStepped(step: WallStep): void {
    this.wallOffset = step.toOffsetMs;
    const moved = followWallStep(this.windows, step, (w) => {
      if (!this.scheduler.isScheduled(w) || w.wakeAt > w.deadline) this.scheduler.schedule(w, w.deadline);
    });
    this.o.log.warn(
      { stepMs: Math.round(step.stepMs), deadlinesMoved: moved },
      "system clock stepped: the wall clock follows (t, r, ids) and deadlines of metrics with only `e` moved",
    );
  }
}

/**
 * The one hot-path shortcut: a valid metric is an event for the machine only when the window is
 * not `healthy` (where `metric.valid` changes nothing). Skipping the send saves an xstate macrostep
 * per metric; `npm run bench -- --only guard` measures it.
 */
function endsEpisode(w: TrackedWindow): boolean {
  return w.state !== "healthy";
}

/**
 * The other hot-path shortcut: a `healthy` window woken before its deadline (metrics moved the
 * deadline on since the wake was set, which is every wake of a live peer) only needs its next
 * wake, which is all `timer` does in `healthy` (checkDeadline: not due, recheck at the deadline).
 * Skipping the send saves an xstate macrostep per window per ttl: 33k a second for 1M windows
 * with a 30 s ttl, about a third of a core; and a window that stays healthy never starts an actor.
 */
function deadlineAhead(w: TrackedWindow, now: number): boolean {
  return now < w.deadline && w.state === "healthy";
}
