/**
 * The window machine: one per (metric name, peer). It reads like the state table of the contract:
 *
 * | state    | event            | next     | action                                   |
 * |----------|------------------|----------|------------------------------------------|
 * | healthy  | deadline.passed  | expired  | announceFiring (on entering expired)     |
 * | expired  | alert.published  | alerted  |                                          |
 * | expired  | alert.retry      | expired  | announceFiring (the sink was unavailable)|
 * | expired  | metric.valid     | healthy  | (silent: no alert had left)              |
 * | alerted  | metric.valid     | healthy  | announceResolved                         |
 * | alerted  | repeat.due       | alerted  | announceRepeat (optional repeat interval)|
 * | healthy  | alert.restored   | alerted  | (a firing alert in the log from before a restart) |
 *
 * One firing alert per failure episode: only `deadline.passed` in `healthy` starts an episode, and
 * only a valid metric ends it. Invalid metrics are not events: they never arm or end anything.
 * The actions are named and empty here; the supervisor provides them (`machine.provide`), and
 * tests can provide their own. `entered` reports every state entered, so that the supervisor can
 * keep a copy of the state where it reads it per metric (the machine still decides it). Timing (deadlines, repeats) is the supervisor's, not the machine's.
 */
import { setup, type ActorRefFrom } from "xstate";

export type WindowState = "healthy" | "expired" | "alerted";
export const WINDOW_STATES: readonly WindowState[] = ["healthy", "expired", "alerted"];

export type WindowEvent =
  | { type: "deadline.passed" }
  | { type: "alert.published" }
  | { type: "alert.retry" }
  | { type: "metric.valid" }
  | { type: "repeat.due" }
  | { type: "alert.restored" };

/** What an action learns about its window: an opaque key the supervisor hands in as input. */
export interface WindowContext<K = unknown> {
  key: K;
}

export const windowMachine = setup({
  types: {} as { context: WindowContext; events: WindowEvent; input: WindowContext },
  actions: {
    entered: (_, _params: { state: WindowState }) => {},
    announceFiring: () => {},
    announceResolved: () => {},
    announceRepeat: () => {},
  },
}).createMachine({
  id: "window",
  initial: "healthy",
  context: ({ input }) => input,
  states: {
    healthy: {
      entry: { type: "entered", params: { state: "healthy" } },
      on: { "deadline.passed": "expired", "alert.restored": "alerted" },
    },
    expired: {
      entry: [{ type: "entered", params: { state: "expired" } }, "announceFiring"],
      on: {
        "alert.published": "alerted",
        "alert.retry": { actions: "announceFiring" },
        "metric.valid": "healthy",
      },
    },
    alerted: {
      entry: { type: "entered", params: { state: "alerted" } },
      on: {
        "metric.valid": { target: "healthy", actions: "announceResolved" },
        "repeat.due": { actions: "announceRepeat" },
      },
    },
  },
});

export type WindowMachine = typeof windowMachine;
export type WindowActorRef = ActorRefFrom<WindowMachine>;
