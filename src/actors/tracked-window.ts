/**
 * TrackedWindow: what the supervisor keeps per (metric name, peer): the metric window, its deadline,
 * its place in the wake schedule, and the window machine's actor that owns its life.
 *
 * The actor exists only while the window is away from rest (window-machine.ts, `isAtRest`): most
 * windows stay healthy and calm for their whole life, and a window at rest ignores all but a few
 * events, so it needs none. An actor is started by the first event a window at rest reacts to and
 * stopped once the window is back at rest (its context is then empty again). 100k windows restored
 * at a start cost no actor (creating them took 2 s per 100k), and a live peer's metric is one field
 * write, not an xstate macrostep.
 */
import { createActor } from "xstate";
import type { WireMetric } from "../api/validate.js";
import { deadlineOf, isWallDeadline } from "../window/deadline.js";
import { MetricWindow } from "../window/metric-window.js";
import type { Wakeable } from "../window/wake-heap.js";
import type { RhythmDetector } from "../window/detectors/rhythm.js";
import {
  EVENTS_AT_REST,
  isAtRest,
  isSuspect,
  lifeOf,
  type WindowActorRef,
  type WindowEffect,
  type WindowEvent,
  type WindowMachine,
  type WindowState,
} from "./window-machine.js";

const METRIC_VALID = { type: "metric.valid" } as const;

/** Carries out what a window's machine asks for (window-effects.ts). */
export type EffectRunner = (w: TrackedWindow, effect: WindowEffect) => void;

export class TrackedWindow implements Wakeable {
  wakeAt = 0;
  heapIndex = -1;
  /** Deadline (ms, monotonic clock) of the latest valid metric; NaN until a valid metric arrived. */
  deadline = Number.NaN;
  /** When the latest valid metric was received (ms): with `deadline`, tells whether the peer is late. */
  armedAt = Number.NaN;
  /** The deadline came from `e` (the sender's wall clock): it moves when the wall clock is stepped. */
  deadlineOnWall = false;
  /** Set once the window was freed (peer removed); late events then do nothing. */
  freed = false;
  /** The peer's rhythm, when suspicion or expiry confirmation is on (96 bytes: docs/detection.md). */
  detector: RhythmDetector | undefined;
  readonly metrics: MetricWindow;
  private running: WindowActorRef | undefined;
  /** Sends in progress (effects may send to their own window): only the outermost one releases the actor. */
  private depth = 0;

  constructor(
    name: string,
    peer: string,
    capacity: number,
    private readonly machine: WindowMachine,
    private readonly effects: EffectRunner,
  ) {
    this.metrics = new MetricWindow(name, peer, capacity);
  }

  get name(): string {
    return this.metrics.name;
  }

  get peer(): string {
    return this.metrics.peer;
  }

  /** At rest (healthy, calm, no episode): no actor runs. */
  get atRest(): boolean {
    return this.running === undefined;
  }

  /** The `life` state, read from the actor's snapshot (healthy at rest). */
  get state(): WindowState {
    return this.running ? lifeOf(this.running.getSnapshot()) : "healthy";
  }

  /** Announced suspect by early suspicion, and not cleared or superseded since. */
  get suspect(): boolean {
    return this.running !== undefined && isSuspect(this.running.getSnapshot());
  }

  /** The machine's snapshot, for tests and views; undefined at rest. */
  get snapshot() {
    return this.running?.getSnapshot();
  }

  /**
   * A valid metric arrived at `now` (ms, monotonic): its deadline is armed (`wallOffset`: wall −
   * monotonic, for a deadline from `e`), the rhythm detector observes it (and learns from the gap
   * unless `learn` is false: the monitor's own timing is in doubt), and the machine hears of it (a
   * window at rest ignores it).
   */
  arm(m: WireMetric, now: number, wallOffset: number, learn: boolean): void {
    this.armedAt = now;
    this.deadline = deadlineOf(now, m.l, m.e, wallOffset);
    this.deadlineOnWall = isWallDeadline(m.l);
    this.detector?.observe(now, this.deadline, learn);
    this.send(METRIC_VALID);
  }

  /** Hands `event` to the window's machine; a freed window, and a window at rest that ignores it, do nothing. */
  send(event: WindowEvent): void {
    if (this.freed) return;
    if (this.running === undefined) {
      if (!EVENTS_AT_REST.has(event.type)) return;
      this.running = this.start();
    }
    const actor = this.running;
    this.depth++;
    try {
      actor.send(event);
    } finally {
      this.depth--;
    }
    if (this.depth === 0 && this.running === actor && isAtRest(actor.getSnapshot())) this.release();
  }

  free(): void {
    this.freed = true;
    this.release();
  }

  private start(): WindowActorRef {
    const actor = createActor(this.machine, { input: { name: this.name, peer: this.peer } });
    actor.on("*", (effect) => this.effects(this, effect));
    return actor.start();
  }

  private release(): void {
    this.running?.stop();
    this.running = undefined;
  }
}
