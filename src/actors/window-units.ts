/**
 * The units of a monitor's windows, wired once, here: the registry and router (Supervisor), the
 * wake schedule, the monitor's own health (SelfHealth: outages, stalls, grace, conviction), early
 * suspicion, expiry confirmation, disruptions, the effects runner and the provided window machine, the failure history
 * and the read-only views. Each unit gets what it needs as it is made; a unit tells a window what
 * happened by sending it an event (`w.send`), never by changing it. Callers use the units directly:
 * nothing reaches through the supervisor.
 */
import { assign } from "xstate";
import { TUNING } from "../config.js";
import { MonitorStats } from "../stats.js";
import { type ConfirmationOptions, confirmationOptions } from "../window/detectors/confirmation.js";
import { rhythmDetectors, type RhythmFactory } from "../window/detectors/rhythm.js";
import { isLate } from "../window/disruption.js";
import { EpisodeIndex } from "../window/history.js";
import { AlertFactory } from "./alert-factory.js";
import { ClockWatch } from "./clock-watch.js";
import { Disruptions } from "./disruptions.js";
import { ExpiryConfirmation } from "./expiry-confirmation.js";
import { IgnoredMetrics } from "./ignored-metrics.js";
import { NO_MUTER, type Muter } from "./muter.js";
import { SelfHealth, type GuardedJudgeParts } from "./self-health.js";
import { Supervisor } from "./supervisor.js";
import type { DisruptionSettings, SupervisorOptions } from "./supervisor-options.js";
import { Suspicion } from "./suspicion.js";
import type { TrackedWindow } from "./tracked-window.js";
import { WakeScheduler } from "./wake-scheduler.js";
import { WindowEffects } from "./window-effects.js";
import { windowMachine, type WindowMachine } from "./window-machine.js";
import { WindowRegistry } from "./window-registry.js";
import { WindowViews } from "./window-views.js";
import { WindowChanges } from "./window-changes.js";

const DEADLINE_PASSED = { type: "deadline.passed", held: false } as const;
const DEADLINE_PASSED_HELD = { type: "deadline.passed", held: true } as const;
const DEADLINE_UNCONFIRMED = { type: "deadline.passed", held: false, unconfirmed: true } as const;
const EXPIRY_CONFIRMED = { type: "expiry.confirmed", held: false } as const;
const EXPIRY_CONFIRMED_HELD = { type: "expiry.confirmed", held: true } as const;
const SUSPICION_PROVED = { type: "suspicion.proved" } as const;

export interface WindowUnits {
  /** Registry and router: metrics and peersets in, restored episodes, ended silences. */
  supervisor: Supervisor;
  /** Read-only views for queries, status and the page. */
  views: WindowViews;
  /** The monitor's own link, restore and event loop: outages, stalls, grace. */
  health: SelfHealth<TrackedWindow>;
  /** Alerts held when too many peers of a name fail at once: events, release, report. */
  disruptions: Disruptions<TrackedWindow>;
  /** Failure history: episodes per (name, peer), fed from the alert log (bus/history-feed.ts). */
  history: EpisodeIndex;
  /** Peers' clocks: `e`-only metrics that arrive expired, and each peer's estimated offset. */
  clocks: ClockWatch;
  /** New windows and state changes for the journal of new windows (with `journal`). */
  changes: WindowChanges<TrackedWindow> | undefined;
  stats: MonitorStats;
  stop(): void;
}

export function wireWindows(o: SupervisorOptions): WindowUnits {
  const { clock, log } = o;
  const stats = o.stats ?? new MonitorStats();
  const windows = new WindowRegistry();
  const scheduler: WakeScheduler<TrackedWindow> = new WakeScheduler<TrackedWindow>({
    clock,
    stallThresholdMs: o.stallThresholdMs,
    onWake: (w) => supervisor.wake(w),
    onStall: (_now, lateMs) => health.stalled(lateMs),
  });
  const schedule = (w: TrackedWindow, at: number) => scheduler.schedule(w, at);
  // A deadline proved passed is a window about to fire, unless its expiry awaits confirmation (its
  // peer loses metrics); a window about to fire asks the disruption unit whether it may.
  const health = makeHealth(o, stats, schedule, (w) =>
    w.send(confirmation?.awaits(w, clock.now()) ? DEADLINE_UNCONFIRMED : disruptions.holds(w.name, w) ? DEADLINE_PASSED_HELD : DEADLINE_PASSED),
  );
  const suspicion = o.suspects && makeSuspicion(o, stats, health, schedule);
  const confirmation =
    o.confirmation &&
    makeConfirmation(o, o.confirmation, stats, health, schedule, (w) => w.send(disruptions.holds(w.name, w) ? EXPIRY_CONFIRMED_HELD : EXPIRY_CONFIRMED));
  const disruptions = makeDisruptions(o, stats, windows, health, suspicion, (name) => supervisor.disruptionEnded(name));
  const alerts = new AlertFactory(clock, o.muter ?? NO_MUTER);
  const changes = o.journal ? new WindowChanges<TrackedWindow>() : undefined;
  const effects = new WindowEffects({
    changes,
    clock,
    alerts,
    outbox: o.outbox,
    scheduler,
    health,
    suspicion,
    confirmation,
    stats,
    repeatIntervalMs: o.repeatIntervalMs,
  });
  const outsiders = new IgnoredMetrics({ stats, log, logIntervalMs: o.rejectLogIntervalMs, now: () => clock.now(), remember: TUNING.removedPeersRemembered });
  const clocks = new ClockWatch({
    stats,
    log,
    logIntervalMs: o.rejectLogIntervalMs,
    now: () => clock.now(),
    thresholdMs: TUNING.clockSkewReportMs,
    maxPeers: TUNING.clockPeersRemembered,
  });
  const supervisor: Supervisor = new Supervisor({
    settings: o,
    clock,
    log,
    stats,
    windows,
    scheduler,
    health,
    suspicion,
    confirmation,
    rhythm: rhythmOf(o),
    outsiders,
    clocks,
    outbox: o.outbox,
    machine: provideMachine(alerts, o.muter ?? NO_MUTER, o.repeatIntervalMs, () => clock.wallNow()),
    effects: effects.run,
    changes,
  });
  const history = new EpisodeIndex({ sinceMs: clock.wallNow(), retentionMs: Infinity }); // alert stamps are wall time
  const views = new WindowViews(
    windows,
    clock,
    () => supervisor.members,
    (now) => health.linkReport(now),
    history,
    (name) => outsiders.sendersOf(name),
  );
  return {
    supervisor,
    views,
    health,
    disruptions,
    history,
    clocks,
    stats,
    changes,
    stop: () => {
      disruptions.stop();
      scheduler.stop();
      health.stop();
      supervisor.stop();
    },
  };
}

/** The monitor's own health; a deadline it proves passed goes to `convict`. */
function makeHealth(
  o: SupervisorOptions,
  stats: MonitorStats,
  schedule: (w: TrackedWindow, at: number) => void,
  convict: (w: TrackedWindow) => void,
): SelfHealth<TrackedWindow> {
  return new SelfHealth<TrackedWindow>({
    clock: o.clock,
    roundTrip: o.roundTrip,
    graceMs: o.graceMs,
    stats,
    log: o.log,
    deadline: (w) => w.deadline,
    convict,
    recheck: schedule,
  });
}

/** A rhythm detector per window when suspicion or expiry confirmation reads one (they share it). */
function rhythmOf(o: SupervisorOptions): RhythmFactory | undefined {
  return o.suspects?.detectors ?? (o.confirmation ? rhythmDetectors() : undefined);
}

/** Early suspicion under the health unit's guard; a suspicion it proves is told to the window. */
function makeSuspicion(
  o: SupervisorOptions,
  stats: MonitorStats,
  health: SelfHealth<TrackedWindow>,
  schedule: (w: TrackedWindow, at: number) => void,
): Suspicion {
  return new Suspicion({ ...guarded(o, stats, health, schedule), proved: (w) => w.send(SUSPICION_PROVED) });
}

/** Expiry confirmation under the health unit's guard; an expiry it confirms goes to `confirmed`. */
function makeConfirmation(
  o: SupervisorOptions,
  options: ConfirmationOptions,
  stats: MonitorStats,
  health: SelfHealth<TrackedWindow>,
  schedule: (w: TrackedWindow, at: number) => void,
  confirmed: (w: TrackedWindow) => void,
): ExpiryConfirmation {
  return new ExpiryConfirmation({ ...guarded(o, stats, health, schedule), options: confirmationOptions(options), confirmed });
}

/** What suspicion and confirmation share: the round trip, the health unit's guard and grace, the wake schedule. */
function guarded(
  o: SupervisorOptions,
  stats: MonitorStats,
  health: SelfHealth<TrackedWindow>,
  schedule: (w: TrackedWindow, at: number) => void,
): GuardedJudgeParts<TrackedWindow> {
  return { clock: o.clock, roundTrip: o.roundTrip, guard: health.guard, graceMs: o.graceMs, stats, wake: schedule };
}

/** The window machine with this monitor's implementations: episode names, silences, repeats. */
function provideMachine(alerts: AlertFactory, muter: Muter, repeatMs: number, wallNow: () => number): WindowMachine {
  return windowMachine.provide({
    actions: { newEpisode: assign({ episode: () => alerts.newId() }) },
    guards: {
      repeats: () => repeatMs > 0,
      silenced: ({ context }) => muter.mutes(context.name, context.peer, wallNow()), // silences end on the wall clock
    },
  });
}

function makeDisruptions(
  o: SupervisorOptions,
  stats: MonitorStats,
  windows: WindowRegistry,
  health: SelfHealth<TrackedWindow>,
  suspicion: Suspicion | undefined,
  release: (name: string) => void,
): Disruptions<TrackedWindow> {
  const s: DisruptionSettings | undefined = o.disruption;
  return new Disruptions<TrackedWindow>({
    rule: { threshold: s?.threshold ?? 0, minPeers: s?.minPeers ?? 0, hysteresis: s?.hysteresis ?? 0 },
    clock: o.clock,
    checkIntervalMs: s?.checkIntervalMs ?? 1_000,
    recountMs: s?.recountMs ?? 0,
    log: o.log,
    stats,
    ports: {
      windowsOf: (name) => windows.of(name),
      expired: (w) => w.state !== "healthy",
      alerted: (w) => w.state === "alerted",
      late: (w, at) => (suspicion?.isSuspect(w, at) ?? false) || isLate(at, w.armedAt, w.deadline),
      held: (w) => w.snapshot?.matches({ life: { expired: "held" } }) === true,
      release,
      announce: (e) => o.outbox.post(e),
      mayJudge: (now) => health.mayJudge(now),
    },
  });
}
