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
import type { ReplyGroup } from "./latest-replies.js";
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
/** The group of a window not registered yet (shared: no object per window). */
const UNGROUPED: ReplyGroup<TrackedWindow> = { version: 0, shape: 0, touched: undefined };

/** A kept `latest` reply of a name stops following its touched windows past this many: rebuilding is as cheap. */
const TOUCHED_MAX = 4_096;

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
  /**
   * The newest metric is valid with only `e` and arrived already past it (its sender's clock is
   * behind): no sign of life, so `deadline` is still the one before it, and `latest` leaves it out.
   */
  arrivedExpired = false;
  /** Set once the window was freed (peer removed); late events then do nothing. */
  freed = false;
  /**
   * When the window was made, Unix ms on the wall clock: the peer's first metric of this name since
   * it joined, or since this monitor started (a restored window: its oldest restored metric). A
   * history's span starts no earlier, unless an episode of the alert log does.
   */
  sinceMs = Number.NaN;
  /** The peer's rhythm, when suspicion or expiry confirmation is on (96 bytes: docs/detection.md). */
  detector: RhythmDetector | undefined;
  /** The windows of its name (set by the registry): their version moves when this window's answer changes. */
  group: ReplyGroup<TrackedWindow> = UNGROUPED;
  /** Its place in its name's last full `latest` reply (latest-replies.ts). */
  replyAt = -1;
  /**
   * When the restored metric this window holds was snapshotted (ms, monotonic): the checkpoint or
   * journal batch was written, or the sibling's transfer answered; undefined once a live metric
   * arrived (or for a window never restored; not NaN: a number field costs each window a box).
   * A reply that lists it says how old the restore is.
   */
  restoredFrom: number | undefined = undefined;
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

  /** A metric was stored: `latest` of its name changed, by this window alone. */
  stored(): void {
    const g = this.group;
    g.version++;
    const touched = g.touched;
    if (touched === undefined) return;
    if (touched.length < TOUCHED_MAX) touched.push(this);
    else g.touched = undefined;
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
    this.metrics.release(); // its region goes to the next window; a freed window is empty
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
