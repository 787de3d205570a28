/**
 * LiveGate: live metrics that arrive while durable windows are replayed are held back, then let
 * through once the replay ends: those also seen in the replay's last moments are dropped, the rest
 * are applied in arrival order with their arrival time. Pure: time comes from the caller's clock.
 */
import { TUNING } from "../config.js";
import type { MetricSink } from "./window-store.js";

export class LiveGate {
  private held: [string, Uint8Array, number][] | undefined = [];
  private readonly replayedTail = new Set<string>();
  private readonly openedAt: number;

  constructor(
    private readonly apply: MetricSink,
    private readonly now: () => number,
    /** Replayed metrics stored this long before the live subscription may also come live. */
    private readonly overlapMs = TUNING.replayOverlapMs,
  ) {
    this.openedAt = now();
  }

  /** A live metric. */
  receive(subject: string, data: Uint8Array): void {
    if (this.held) this.held.push([subject, data, this.now()]);
    else this.apply(subject, data);
  }

  /** A replayed metric stored at `storedAtMs`. */
  replayed(subject: string, data: Uint8Array, storedAtMs: number): void {
    if (storedAtMs >= this.openedAt - this.overlapMs) this.replayedTail.add(key(subject, data));
    this.apply(subject, data, storedAtMs);
  }

  /** Ends the replay: applies what was held back, then passes live metrics straight through. */
  open(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const [subject, data, at] of held) {
      if (!this.replayedTail.delete(key(subject, data))) this.apply(subject, data, at);
    }
    this.replayedTail.clear();
  }
}

function key(subject: string, data: Uint8Array): string {
  return `${subject}\u0000${Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("base64")}`;
}
