/**
 * AlertDesk: where the window actors' alerts are written and handed to the bus. When the bus
 * cannot take one (disconnected), it waits here, counted, and is offered again, oldest first, once
 * the bus is ready: a firing alert by its window (still `expired`, it re-runs the machine's
 * announceFiring), a resolved alert as it was written.
 */
import { monotonicFactory } from "ulid";
import type { Clock } from "../clock.js";
import type { Alert, AlertKind } from "../api/types.js";
import type { MonitorStats } from "../stats.js";
import { msToNs } from "../window/deadline.js";
import type { TrackedWindow } from "./tracked-window.js";

/** Where alerts go. `offer` returns false when the bus cannot take the alert now; it is kept and
 * offered again after `Supervisor.sinkReady()`. Once accepted, the bus delivers it. */
export interface AlertSink {
  offer(alert: Alert): boolean;
}

export class AlertDesk {
  private readonly newId = monotonicFactory();
  private readonly waitingFiring = new Set<TrackedWindow>();
  private readonly waitingResolved = new Map<TrackedWindow, Alert>();

  constructor(
    private readonly sink: AlertSink,
    private readonly stats: MonitorStats,
    private readonly clock: Clock,
  ) {}

  /** The firing alert of `w`'s episode; true when the bus took it, false when it waits. */
  fire(w: TrackedWindow): boolean {
    if (!this.sink.offer(this.alertOf(w, "firing"))) {
      this.waitingFiring.add(w);
      this.stats.alertsDeferred++;
      return false;
    }
    this.stats.alertsFiring++;
    this.stats.recordDetectionLag(this.clock.now() - w.deadline);
    return true;
  }

  /** A repeat of the firing alert; one the bus cannot take is counted and left to the next repeat. */
  repeat(w: TrackedWindow): void {
    if (this.sink.offer(this.alertOf(w, "firing"))) this.stats.alertsRepeated++;
    else this.stats.alertsDeferred++;
  }

  resolve(w: TrackedWindow): void {
    const alert = this.alertOf(w, "resolved");
    if (this.sink.offer(alert)) {
      this.stats.alertsResolved++;
      return;
    }
    this.waitingResolved.set(w, alert);
    this.stats.alertsDeferred++;
  }

  /**
   * Offers the resolved alerts that waited; when all went, returns (and forgets) the windows whose
   * firing alert waited, in order, for the caller to retry.
   */
  ready(): TrackedWindow[] {
    for (const [w, alert] of this.waitingResolved) {
      if (!this.sink.offer(alert)) return [];
      this.waitingResolved.delete(w);
      this.stats.alertsResolved++;
    }
    const firing = [...this.waitingFiring];
    this.waitingFiring.clear();
    return firing;
  }

  /** `w`'s episode ended before its firing alert could leave (it stays silent), or `w` was freed. */
  forget(w: TrackedWindow, resolvedToo = false): void {
    this.waitingFiring.delete(w);
    if (resolvedToo) this.waitingResolved.delete(w);
  }

  get waiting(): number {
    return this.waitingFiring.size + this.waitingResolved.size;
  }

  private alertOf(w: TrackedWindow, kind: AlertKind): Alert {
    const now = this.clock.now();
    const latest = w.metrics.latest()!;
    return { ...latest, triggeredAt: msToNs(now), id: this.newId(Math.floor(now)), kind };
  }
}
