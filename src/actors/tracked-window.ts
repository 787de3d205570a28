/**
 * TrackedWindow: what the supervisor keeps per (metric name, peer): the metric window, the
 * window-machine actor that owns its state (started when the first event reaches it), its place in
 * the wake schedule, and the id of the failure episode it is in.
 */
import { createActor } from "xstate";
import { MetricWindow } from "../window/metric-window.js";
import type { Wakeable } from "../window/wake-heap.js";
import type { Detector } from "../window/detectors/detector.js";
import type { WindowActorRef, WindowMachine, WindowState } from "./window-machine.js";

export class TrackedWindow implements Wakeable {
  wakeAt = 0;
  heapIndex = -1;
  /** Deadline (ms, monotonic clock) of the latest valid metric; NaN until a valid metric arrived. */
  deadline = Number.NaN;
  /** When the latest valid metric was received (ms): with `deadline`, tells whether the peer is late. */
  armedAt = Number.NaN;
  /** The last firing alert of the episode the server confirmed was muted: a silence's end must deliver it. */
  firingMuted = false;
  /** An unmuted firing alert of the episode was confirmed: the sinks have it (and get its resolution). */
  reached = false;
  /** The deadline came from `e` (the sender's wall clock): it moves when the wall clock is stepped. */
  deadlineOnWall = false;
  /** Set once the window was freed (peer removed); late callbacks then do nothing. */
  freed = false;
  /** ULID of the firing alert that opened the current failure episode (the alerts' `x`). */
  episode: string | undefined;
  /** The peer's rhythm, when suspicion is on (72 bytes: docs/detection.md). */
  detector: Detector | undefined;
  /** A `suspect` event was announced and no `cleared` or firing alert followed yet. */
  suspect = false;
  readonly metrics: MetricWindow;
  private started: WindowActorRef | undefined;

  constructor(
    name: string,
    peer: string,
    capacity: number,
    private readonly machine: WindowMachine,
  ) {
    this.metrics = new MetricWindow(name, peer, capacity);
  }

  /**
   * The window's actor, started on first use. Until an event reaches it a window is in the
   * machine's initial state (`healthy`, which has no entry action), so windows created in bulk
   * (100k restored at a start) cost no actor until their first deadline or episode: a restore
   * stays well under a second instead of 2 s of actor creation per 100k windows.
   */
  get actor(): WindowActorRef {
    return (this.started ??= createActor(this.machine, { input: { key: this } }).start());
  }

  get name(): string {
    return this.metrics.name;
  }

  get peer(): string {
    return this.metrics.peer;
  }

  /** The state the machine is in: read from the actor, never copied. */
  get state(): WindowState {
    return (this.started ? this.started.getSnapshot().value : this.machine.config.initial) as WindowState;
  }

  free(): void {
    this.freed = true;
    this.started?.stop();
  }
}
