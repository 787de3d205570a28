/**
 * Emission: everything a monitor emits, on its one road out (the outbox): alerts, early suspicion
 * and disruption events. Each goes to its own log on the bus; within a log, the events of one
 * window (or, for disruptions, of one name) keep their order. Pure.
 */
import type { Alert, DisruptionEvent, SuspicionEvent } from "../api/types.js";
import type { MonitorStats } from "../stats.js";

export type Emission = Alert | SuspicionEvent | DisruptionEvent;

/** The log an emission goes to. */
export type EmissionLog = "alerts" | "suspects" | "disruptions";

export function logOf(e: Emission): EmissionLog {
  switch (e.kind) {
    case "firing":
    case "resolved":
      return "alerts";
    case "suspect":
    case "cleared":
      return "suspects";
    default:
      return "disruptions";
  }
}

export function isAlert(e: Emission): e is Alert {
  return e.kind === "firing" || e.kind === "resolved";
}

/** Emissions of one lane keep their order: one window's alerts, one window's suspicion, one name's disruptions. */
export function laneOf(e: Emission): string {
  return lane(logOf(e), e.name, "peer" in e ? e.peer : "");
}

export function lane(log: EmissionLog, name: string, peer = ""): string {
  return `${log}\u0000${name}\u0000${peer}`;
}

/** A firing alert that is not the first of its episode. */
export function isRepeat(e: Emission): boolean {
  return e.kind === "firing" && e.episode !== e.id;
}

/**
 * Counts an emission when it is first handed to the bus, whatever the retries: the detection lag
 * of a first firing alert ends there (`deadline`: its window's).
 */
export function countTaken(e: Emission, deadline: number, stats: MonitorStats, now: number): void {
  switch (e.kind) {
    case "suspect":
      stats.suspicionsRaised++;
      return;
    case "cleared":
      stats.suspicionsCleared++;
      return;
    case "started":
    case "ended":
      return;
  }
  if (e.muted) stats.alertsMuted++;
  if (e.kind === "resolved") stats.alertsResolved++;
  else if (isRepeat(e)) stats.alertsRepeated++;
  else {
    stats.alertsFiring++;
    if (!Number.isNaN(deadline)) stats.recordDetectionLag(now - deadline);
  }
}

/** The log line of a confirmed alert (a storm is summarised by the caller); undefined for the others. */
export function describe(e: Emission): [fields: Record<string, unknown>, msg: string] | undefined {
  if (!isAlert(e)) return undefined;
  return [
    { kind: e.kind, name: e.name, peer: e.peer, id: e.id, episode: e.episode, muted: e.muted || undefined },
    e.kind === "resolved" ? "peer is back: resolved alert published" : "peer went silent: firing alert published",
  ];
}
