/**
 * The window machine: one per (metric name, peer), the only owner of the window's state. It reads
 * like the state table of the contract:
 *
 * | state    | event            | guard            | next     | action                                  |
 * |----------|------------------|------------------|----------|-----------------------------------------|
 * | healthy  | timer            |                  | healthy  | checkDeadline (may lead to deadline.passed) |
 * | healthy  | deadline.passed  |                  | expired  | announceFiring (on entering expired)    |
 * | healthy  | alert.restored   |                  | alerted  | (a firing alert in the log from before a restart) |
 * | expired  | alert.published  | isCurrentEpisode | alerted  | armRepeat (the server has the alert)    |
 * | expired  | metric.valid     | firingLeft       | healthy  | announceResolved (it may have been seen)|
 * | expired  | metric.valid     |                  | healthy  | withdrawFiring (silent: it never left)  |
 * | alerted  | metric.valid     |                  | healthy  | announceResolved                        |
 * | alerted  | timer            | repeats          | alerted  | announceRepeat (a repeat interval is set) |
 *
 * `announceFiring` posts the episode's firing alert, unless the name is in a disruption: then the
 * alert is held and the window waits in `expired` until the disruption ends or is released
 * (disruptions.ts); a held window whose peer returns ends its episode silently (`withdrawFiring`).
 *
 * One firing alert per failure episode: only `deadline.passed` in `healthy` starts an episode, and
 * only a valid metric ends it. A window stays `expired` until the outbox says the server confirmed
 * its firing alert (`alert.published`, for the episode it belongs to). Invalid metrics are not
 * events: they never arm or end anything. `timer` is the window's wake-up: what it means depends on
 * the state, so the supervisor never has to look. The actions and guards are named and empty here;
 * the supervisor provides them (`machine.provide`), and tests can provide their own. Timing
 * (deadlines, repeats) is the supervisor's, not the machine's.
 */
import { setup, type ActorRefFrom } from "xstate";

export type WindowState = "healthy" | "expired" | "alerted";
export const WINDOW_STATES: readonly WindowState[] = ["healthy", "expired", "alerted"];

export type WindowEvent =
  | { type: "timer" }
  | { type: "deadline.passed" }
  | { type: "alert.published"; episode?: string }
  | { type: "metric.valid" }
  | { type: "alert.restored" };

/** What an action learns about its window: an opaque key the supervisor hands in as input. */
export interface WindowContext<K = unknown> {
  key: K;
}

export const windowMachine = setup({
  types: {} as { context: WindowContext; events: WindowEvent; input: WindowContext },
  actions: {
    checkDeadline: () => {},
    announceFiring: () => {},
    withdrawFiring: () => {},
    announceResolved: () => {},
    announceRepeat: () => {},
    armRepeat: () => {},
  },
  guards: {
    /** The published alert belongs to the episode the window is in (not to one that ended). */
    isCurrentEpisode: () => true,
    /** The episode's firing alert was already handed to the bus: a consumer may have it. */
    firingLeft: () => false,
    /** Firing alerts are re-sent while they last (a repeat interval is configured). */
    repeats: () => true,
  },
}).createMachine({
  id: "window",
  initial: "healthy",
  context: ({ input }) => input,
  states: {
    healthy: {
      on: {
        timer: { actions: "checkDeadline" },
        "deadline.passed": "expired",
        "alert.restored": "alerted",
      },
    },
    expired: {
      entry: "announceFiring",
      on: {
        "alert.published": { guard: "isCurrentEpisode", target: "alerted", actions: "armRepeat" },
        "metric.valid": [
          { guard: "firingLeft", target: "healthy", actions: "announceResolved" },
          { target: "healthy", actions: "withdrawFiring" },
        ],
      },
    },
    alerted: {
      on: {
        "metric.valid": { target: "healthy", actions: "announceResolved" },
        timer: { guard: "repeats", actions: "announceRepeat" },
      },
    },
  },
});

export type WindowMachine = typeof windowMachine;
export type WindowActorRef = ActorRefFrom<WindowMachine>;
