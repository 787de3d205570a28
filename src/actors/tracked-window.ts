/**
 * TrackedWindow: what the supervisor keeps per (metric name, peer): the metric window, the started
 * window-machine actor that owns its state, and its place in the wake schedule.
 */
import { createActor } from "xstate";
import { MetricWindow } from "../window/metric-window.js";
import type { Wakeable } from "../window/wake-heap.js";
import type { WindowActorRef, WindowMachine, WindowState } from "./window-machine.js";

export class TrackedWindow implements Wakeable {
  wakeAt = 0;
  heapIndex = -1;
  /** Deadline (ms) of the latest valid metric; NaN until a valid metric arrived. */
  deadline = Number.NaN;
  /** Set once the window was freed (peer removed); late callbacks then do nothing. */
  freed = false;
  readonly metrics: MetricWindow;
  readonly actor: WindowActorRef;

  constructor(name: string, peer: string, capacity: number, machine: WindowMachine) {
    this.metrics = new MetricWindow(name, peer, capacity);
    this.actor = createActor(machine, { input: { key: this } });
    this.actor.start();
  }

  get name(): string {
    return this.metrics.name;
  }

  get peer(): string {
    return this.metrics.peer;
  }

  /** The state the machine last entered (set by its `entered` action, read per metric). */
  state: WindowState = "healthy";

  free(): void {
    this.freed = true;
    this.actor.stop();
  }
}
