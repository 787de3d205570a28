/**
 * The delivery pipeline, built as Alertmanager's notify pipeline is: one Stage interface, and every
 * concern a stage (mute, batch, supersede, retry with backoff, post), composed per destination in
 * sink.ts. A stage takes alerts and resolves with those that go on; an alert it stops it settles
 * (acknowledged to the alert log and counted), so an alert is settled exactly once, by the stage
 * that decided its fate. Stages that wrap others (batch, retry) take their inner stage at construction.
 */
import type { DeliveryEvent } from "./event.js";

/** How an alert's delivery ended. All but `released` acknowledge it to the alert log. */
export type Outcome =
  /** The receiver answered 2xx. */
  | "delivered"
  /** Muted by a silence: not for people. */
  | "muted"
  /** A newer transition of the same (name, peer) is in the log: this one would undo it. */
  | "superseded"
  /** The receiver refused it for good (a 4xx other than 408/429, a redirect) or it does not decode. */
  | "rejected"
  /** A resolution of an episode that ended before the destination was added: it was never sent its firing alert. */
  | "past"
  /** Not done here (the sink stops, or failed unexpectedly): the log hands it out again. */
  | "released";

/** An alert on its way to one destination. */
export interface Pending {
  readonly event: DeliveryEvent;
  /** Its position in the alert log (stream sequence; arrival order without JetStream). */
  readonly seq: number;
  /** When it entered the log, ms: the age of the oldest undelivered alert counts from here. */
  readonly loggedAtMs: number;
  /** True once settled. */
  readonly settled: boolean;
  /** Logged before the destination existed: part of its catch-up (see LogMessage.catchUp). */
  readonly catchUp?: boolean;
  /** Ends its delivery here: acknowledged (or released) and counted. Later calls do nothing. */
  settle(outcome: Outcome): void;
}

export interface Stage {
  /** Processes `items`; resolves with those that went on (for the last stage: that were delivered). */
  exec(items: Pending[]): Promise<Pending[]>;
}

/** Stages run one after the other, each on what the previous one let through. */
export function pipeline(...stages: Stage[]): Stage {
  return {
    async exec(items) {
      let current = items;
      for (const stage of stages) {
        if (current.length === 0) return current;
        current = await stage.exec(current);
      }
      return current;
    },
  };
}

/** A stage that keeps the alerts `keep` accepts and settles the others with `outcome`. */
export function filterStage(keep: (p: Pending) => boolean, outcome: Outcome): Stage {
  return {
    exec(items) {
      const kept: Pending[] = [];
      for (const p of items) {
        if (keep(p)) kept.push(p);
        else p.settle(outcome);
      }
      return Promise.resolve(kept);
    },
  };
}
