/**
 * The window machine: one per (metric name, peer), the only owner of the window's life. It reads
 * like the state table of the contract. Two regions run side by side: `life` (the failure episode)
 * and `suspicion` (the early signal, ARCHITECTURE.md "Suspicion").
 *
 * life
 * | state             | event             | guard                | next              | effects                            |
 * |-------------------|-------------------|----------------------|-------------------|------------------------------------|
 * | healthy.idle      | timer             |                      | healthy.due       | deadline.check (conviction decides) |
 * | healthy.due       | timer             |                      | healthy.due       | deadline.check                     |
 * | healthy.due       | metric.valid      |                      | healthy.idle      |                                    |
 * | healthy           | deadline.passed   | unconfirmed          | expired.confirming | (its peer loses metrics)          |
 * | healthy           | deadline.passed   | held                 | expired.held      | (a disruption holds its alert)     |
 * | healthy           | deadline.passed   |                      | expired.queued    |                                    |
 * | healthy           | alert.restored    |                      | alerted           | (an episode open in the alert log)  |
 * | expired.confirming | (entry), timer   |                      |                   | expiry.check (the confirmation unit) |
 * | expired.confirming | expiry.confirmed | held                 | expired.held      |                                    |
 * | expired.confirming | expiry.confirmed |                      | expired.queued    |                                    |
 * | expired.confirming | metric.valid     |                      | healthy           | expiry.spared (silent: a false alert spared) |
 * | expired.held      | disruption.ended  |                      | expired.queued    |                                    |
 * | expired.held      | metric.valid      |                      | healthy           | (silent: nothing was posted)       |
 * | expired.queued    | (entry)           |                      |                   | firing (a new episode)             |
 * | expired.queued    | alert.taken       | isCurrentEpisode     | expired.sending   |                                    |
 * | expired.queued    | metric.valid      |                      | healthy           | withdrawn (it never left)          |
 * | expired.sending   | metric.valid      |                      | healthy           | resolved (a consumer may have it)  |
 * | expired           | alert.confirmed   | isCurrentEpisode     | alerted           | repeat.armed                       |
 * | alerted           | metric.valid      |                      | healthy           | resolved                           |
 * | alerted           | timer             | repeats              | alerted           | repeat, repeat.armed               |
 * | alerted           | alert.confirmed   | isCurrentEpisode     | alerted           | (a repeat's mute noted)            |
 * | alerted           | silence.ended     | muted, not silenced  | alerted           | repeat (the sinks get it now)      |
 *
 * suspicion
 * | calm    | suspicion.proved | life is healthy | suspect | suspect  |
 * | suspect | metric.valid     |                 | calm    | cleared  |
 * | suspect | deadline.passed  | not held, not unconfirmed | calm | (the firing alert supersedes it) |
 * | suspect | expiry.confirmed | not held        | calm    | (the firing alert supersedes it) |
 * | suspect | disruption.ended | life is held    | calm    | (the firing alert supersedes it) |
 *
 * `deadline.passed` carries the disruption unit's answer to "may it fire?" (`held`), asked by the
 * conviction when it proves the deadline passed, unless the expiry awaits confirmation first
 * (`unconfirmed`: its peer loses metrics, and the metrics it should have sent since are not all
 * overdue yet; window/detectors/confirmation.ts, actors/expiry-confirmation.ts); then
 * `expiry.confirmed` carries that answer, once they are. One firing alert per failure episode: only
 * `deadline.passed` in `healthy` starts an episode, and
 * only a valid metric ends it. The episode's id is the ULID of its first firing alert (`newEpisode`);
 * another replica may have logged the episode first, and the confirmation then carries the id to
 * adopt. `muted`: the last confirmed firing alert was muted (the sinks lack it); `reached`: an unmuted
 * one was confirmed (the sinks get the resolution). After a confirmation of the first firing alert
 * and after a restore, `silence.ended` is raised: a silence that ended meanwhile is caught up.
 *
 * The machine decides; its actions only assign context and emit typed effects (WindowEffect), which
 * the supervisor carries out (window-effects.ts). Implementations that need the world (`newEpisode`,
 * `silenced`, `repeats`) are named and provided by the wiring, and by tests.
 */
import { and, assign, emit, enqueueActions, not, raise, setup, stateIn, type ActorRefFrom, type SnapshotFrom } from "xstate";

export type WindowState = "healthy" | "expired" | "alerted";
export const WINDOW_STATES: readonly WindowState[] = ["healthy", "expired", "alerted"];

export type WindowEvent =
  /** The window's wake-up: what it means depends on the state. */
  | { type: "timer" }
  /**
   * The deadline passed and a round trip proved it (conviction); `held`: a disruption holds its
   * alert; `unconfirmed`: the expiry awaits confirmation first (`held` is then not asked yet).
   */
  | { type: "deadline.passed"; held: boolean; unconfirmed?: boolean }
  /** The metrics an unconfirmed expiry awaited are overdue too, proved by a round trip; `held` as above. */
  | { type: "expiry.confirmed"; held: boolean }
  /** The disruption that held the alert ended or was released. */
  | { type: "disruption.ended" }
  /** The episode's first firing alert was handed to the bus: a consumer may have it. */
  | { type: "alert.taken"; episode: string }
  /** The server has a firing alert of `episode`, stored under `logged` (another replica's name), muted or not. */
  | { type: "alert.confirmed"; episode: string; logged: string; muted: boolean }
  | { type: "metric.valid" }
  /** An episode open in the alert log from before this start. */
  | { type: "alert.restored"; episode: string; muted: boolean }
  /** A silence of this window ended (also raised after a confirmation: one may have ended meanwhile). */
  | { type: "silence.ended" }
  /** The detector's suspicion time passed and a round trip proved it. */
  | { type: "suspicion.proved" };

/** What the machine asks the world to do; the supervisor carries it out (window-effects.ts). */
export type WindowEffect =
  | { type: "deadline.check" }
  | { type: "expiry.check" }
  | { type: "expiry.spared" }
  | { type: "firing"; episode: string }
  | { type: "repeat"; episode: string }
  | { type: "repeat.armed" }
  | { type: "resolved"; episode: string; reached: boolean }
  | { type: "withdrawn"; episode: string }
  | { type: "suspect" }
  | { type: "cleared" };

export interface WindowInput {
  name: string;
  peer: string;
}

export interface WindowContext extends WindowInput {
  /** ULID of the firing alert that opened the current failure episode (the alerts' `x`). */
  episode: string | undefined;
  /** The last confirmed firing alert of the episode was muted: the sinks lack it. */
  muted: boolean;
  /** An unmuted firing alert of the episode was confirmed: the sinks have it (and get its resolution). */
  reached: boolean;
}

const episodeOf = (context: WindowContext) => context.episode ?? "";

export const windowMachine = setup({
  types: {} as { context: WindowContext; events: WindowEvent; input: WindowInput; emitted: WindowEffect },
  actions: {
    /** Names the new episode: the id of its first firing alert. Provided by the wiring (a ULID). */
    newEpisode: assign({ episode: () => "episode" }),
    forgetEpisode: assign({ episode: undefined, muted: false, reached: false }),
    adoptEpisode: assign({ episode: ({ event }) => (event.type === "alert.confirmed" ? event.logged : undefined) }),
    noteConfirmed: assign(({ context, event }) => {
      const muted = event.type === "alert.confirmed" && event.muted;
      return { muted, reached: context.reached || !muted };
    }),
    restoreEpisode: assign(({ event }) => {
      const e = event as Extract<WindowEvent, { type: "alert.restored" }>;
      return { episode: e.episode, muted: e.muted, reached: !e.muted };
    }),
    noteUnmuted: assign({ muted: false }),
    checkDeadline: emit({ type: "deadline.check" }),
    checkExpiry: emit({ type: "expiry.check" }),
    spareExpiry: emit({ type: "expiry.spared" }),
    postFiring: emit(({ context }) => ({ type: "firing", episode: episodeOf(context) })),
    postRepeat: emit(({ context }) => ({ type: "repeat", episode: episodeOf(context) })),
    armRepeat: enqueueActions(({ enqueue, check }) => {
      if (check("repeats")) enqueue.emit({ type: "repeat.armed" });
    }),
    postResolved: emit(({ context }) => ({ type: "resolved", episode: episodeOf(context), reached: context.reached })),
    withdrawFiring: emit(({ context }) => ({ type: "withdrawn", episode: episodeOf(context) })),
    catchUpSilence: raise({ type: "silence.ended" }),
    announceSuspect: emit({ type: "suspect" }),
    announceCleared: emit({ type: "cleared" }),
  },
  guards: {
    /** A disruption holds the firing alert (the conviction asked the disruption unit). */
    held: ({ event }) => (event.type === "deadline.passed" || event.type === "expiry.confirmed") && event.held,
    /** The expiry awaits confirmation: its peer loses metrics (expiry-confirmation.ts). */
    unconfirmed: ({ event }) => event.type === "deadline.passed" && event.unconfirmed === true,
    /** The event is about the episode the window is in (not one that ended). */
    isCurrentEpisode: ({ context, event }) => "episode" in event && event.episode === context.episode,
    /** Firing alerts are re-sent while they last (a repeat interval is set). Provided by the wiring. */
    repeats: () => false,
    /** A silence mutes this window now (the Muter). Provided by the wiring. */
    silenced: () => false,
    /** The sinks lack the episode's firing alert. */
    muted: ({ context }) => context.muted,
  },
}).createMachine({
  id: "window",
  type: "parallel",
  context: ({ input }) => ({ ...input, episode: undefined, muted: false, reached: false }),
  states: {
    life: {
      initial: "healthy",
      states: {
        healthy: {
          id: "healthy",
          entry: "forgetEpisode",
          initial: "idle",
          states: {
            idle: { on: { timer: { target: "due", actions: "checkDeadline" } } },
            due: { on: { timer: { actions: "checkDeadline" }, "metric.valid": "idle" } },
          },
          on: {
            "deadline.passed": [
              { guard: "unconfirmed", target: "expired.confirming" },
              { guard: "held", target: "expired.held" },
              { target: "expired.queued" },
            ],
            "alert.restored": { target: "alerted", actions: ["restoreEpisode", "catchUpSilence"] },
          },
        },
        expired: {
          initial: "queued",
          on: {
            "alert.confirmed": {
              guard: "isCurrentEpisode",
              target: "alerted",
              actions: ["adoptEpisode", "noteConfirmed", "armRepeat", "catchUpSilence"],
            },
          },
          states: {
            confirming: {
              entry: "checkExpiry",
              on: {
                timer: { actions: "checkExpiry" },
                "expiry.confirmed": [{ guard: "held", target: "held" }, { target: "queued" }],
                "metric.valid": { target: "#healthy", actions: "spareExpiry" },
              },
            },
            held: {
              on: { "disruption.ended": "queued", "metric.valid": "#healthy" },
            },
            queued: {
              entry: ["newEpisode", "postFiring"],
              on: {
                "alert.taken": { guard: "isCurrentEpisode", target: "sending" },
                "metric.valid": { target: "#healthy", actions: "withdrawFiring" },
              },
            },
            sending: {
              on: { "metric.valid": { target: "#healthy", actions: "postResolved" } },
            },
          },
        },
        alerted: {
          on: {
            "metric.valid": { target: "healthy", actions: "postResolved" },
            timer: [
              { guard: and(["repeats", "silenced"]), actions: ["postRepeat", "armRepeat"] },
              { guard: "repeats", actions: ["postRepeat", "noteUnmuted", "armRepeat"] },
            ],
            "alert.confirmed": { guard: "isCurrentEpisode", actions: "noteConfirmed" },
            "silence.ended": { guard: and(["muted", not("silenced")]), actions: ["postRepeat", "noteUnmuted"] },
          },
        },
      },
    },
    suspicion: {
      initial: "calm",
      states: {
        calm: {
          on: { "suspicion.proved": { guard: stateIn("#healthy"), target: "suspect", actions: "announceSuspect" } },
        },
        suspect: {
          on: {
            "metric.valid": { target: "calm", actions: "announceCleared" },
            // The firing alert supersedes the suspicion: posted now, or when the disruption that held it ends.
            "deadline.passed": { guard: and([not("held"), not("unconfirmed")]), target: "calm" },
            "expiry.confirmed": { guard: not("held"), target: "calm" },
            "disruption.ended": { guard: stateIn({ life: { expired: "held" } }), target: "calm" },
          },
        },
      },
    },
  },
});

export type WindowMachine = typeof windowMachine;
export type WindowActorRef = ActorRefFrom<WindowMachine>;
export type WindowSnapshot = SnapshotFrom<WindowMachine>;

/** The `life` state of a snapshot, without its substate. */
export function lifeOf(snapshot: WindowSnapshot): WindowState {
  const life = (snapshot.value as { life: WindowState | Partial<Record<WindowState, string>> }).life;
  return typeof life === "string" ? life : (Object.keys(life)[0] as WindowState);
}

/** True when the window is suspect (announced, not yet cleared or superseded). */
export function isSuspect(snapshot: WindowSnapshot): boolean {
  return (snapshot.value as { suspicion: string }).suspicion === "suspect";
}

/**
 * At rest: healthy (its deadline not due) and calm, with no episode; what a window is before any
 * event reaches it. A window at rest needs no actor (tracked-window.ts): most windows never leave it.
 */
export function isAtRest(snapshot: WindowSnapshot): boolean {
  const value = snapshot.value as { life: { healthy?: string }; suspicion: unknown };
  return value.life.healthy === "idle" && value.suspicion === "calm";
}

/**
 * The events a window at rest reacts to; it ignores every other one, so a window without an actor
 * need not start one for them (read from the machine's own table).
 */
export const EVENTS_AT_REST: ReadonlySet<WindowEvent["type"]> = new Set(
  [
    windowMachine.root.states.life!.states.healthy!,
    windowMachine.root.states.life!.states.healthy!.states.idle!,
    windowMachine.root.states.suspicion!.states.calm!,
  ].flatMap((node) => Object.keys(node.config.on ?? {}) as WindowEvent["type"][]),
);
