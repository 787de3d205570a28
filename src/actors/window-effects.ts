/**
 * WindowEffects: carries out what a window's machine asks for (window-machine.ts, WindowEffect),
 * and nothing else: it decides no window's next step. Alerts and suspicion events go to the outbox
 * (the one road out), made by the AlertFactory; the outbox's news about them (taken, confirmed)
 * goes back to the window as events. Wakes go to the wake schedule, a due deadline to the
 * conviction unit (SelfHealth), an expiry awaiting confirmation to that unit (ExpiryConfirmation).
 */
import type { Clock } from "../clock.js";
import type { MonitorStats } from "../stats.js";
import type { AlertFactory } from "./alert-factory.js";
import type { ExpiryConfirmation } from "./expiry-confirmation.js";
import type { Outbox } from "./outbox.js";
import type { SelfHealth } from "./self-health.js";
import type { Suspicion } from "./suspicion.js";
import type { TrackedWindow } from "./tracked-window.js";
import type { WakeScheduler } from "./wake-scheduler.js";
import type { WindowEffect } from "./window-machine.js";
import type { WindowChanges } from "./window-changes.js";

export interface WindowEffectsOptions {
  clock: Clock;
  alerts: AlertFactory;
  /** The one road out. */
  outbox: Outbox;
  scheduler: WakeScheduler<TrackedWindow>;
  health: SelfHealth<TrackedWindow>;
  suspicion: Suspicion | undefined;
  confirmation: ExpiryConfirmation | undefined;
  stats: MonitorStats;
  /** Re-send a firing alert every this many ms while it lasts. */
  repeatIntervalMs: number;
  /** Where a window whose state changed (it expired and fires, it resolves) is noted for the journal. */
  changes?: WindowChanges<TrackedWindow>;
}

export class WindowEffects {
  constructor(private readonly o: WindowEffectsOptions) {}

  /** Carries out `effect` for `w` (a bound function: the windows' actors call it). */
  readonly run = (w: TrackedWindow, effect: WindowEffect): void => {
    const o = this.o;
    switch (effect.type) {
      case "deadline.check":
        return o.health.deadlineDue(w, o.clock.now());
      case "expiry.check":
        return o.confirmation?.due(w, o.clock.now());
      case "expiry.spared":
        o.stats.expiriesSpared++;
        return o.confirmation?.forget(w);
      case "firing":
        return this.postFiring(w, effect.episode);
      case "repeat":
        return this.postRepeat(w, effect.episode);
      case "repeat.armed":
        return o.scheduler.schedule(w, o.clock.now() + o.repeatIntervalMs);
      case "resolved":
        o.changes?.note(w);
        return o.outbox.post(o.alerts.closing(w.metrics.latest()!, effect.episode, effect.reached));
      case "withdrawn":
        return o.outbox.withdraw(w.name, w.peer, effect.episode);
      case "suspect":
        w.group.version++; // `latest` that leaves suspects out answers otherwise now
        w.group.shape++;
        o.outbox.post(o.alerts.suspicion(w.metrics.latest()!, "suspect"));
        return o.scheduler.schedule(w, w.deadline);
      case "cleared":
        w.group.version++;
        w.group.shape++;
        return o.outbox.post(o.alerts.suspicion(w.metrics.latest()!, "cleared"));
    }
  };

  /** The firing alert that opens `episode` (it supersedes a suspicion); the window hears when it left and when the server has it. */
  private postFiring(w: TrackedWindow, episode: string): void {
    this.o.suspicion?.forget(w);
    this.o.changes?.note(w);
    this.o.outbox.post(this.o.alerts.opening(w.metrics.latest()!, episode), {
      deadline: w.deadline,
      taken: () => w.send({ type: "alert.taken", episode }),
      confirmed: (logged, muted) => w.send({ type: "alert.confirmed", episode, logged, muted }),
    });
  }

  private postRepeat(w: TrackedWindow, episode: string): void {
    this.o.outbox.post(this.o.alerts.repeat(w.metrics.latest()!, episode), {
      confirmed: (logged, muted) => w.send({ type: "alert.confirmed", episode, logged, muted }),
    });
  }
}
