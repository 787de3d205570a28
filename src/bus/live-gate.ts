/**
 * LiveGate: live metrics that arrive while a start restores its windows are held back with their
 * arrival time, then applied in arrival order once the restore ends, and from then on passed
 * straight through. A held metric older than what the restore brought for its window is dropped by
 * the supervisor (`metricsStale`): a window never goes back in time. Pure: time comes from the
 * caller's clock.
 */

/** Where live metrics go: the intake; a held one with its arrival time. */
export type LiveSink = (subject: string, data: Uint8Array, receivedAtMs?: number) => void;

export class LiveGate {
  private held: [string, Uint8Array, number][] | undefined = [];

  constructor(
    private readonly apply: LiveSink,
    private readonly now: () => number,
  ) {}

  /** Metrics held back so far (0 once open). */
  get holding(): number {
    return this.held?.length ?? 0;
  }

  /** A live metric. */
  receive(subject: string, data: Uint8Array): void {
    if (this.held) this.held.push([subject, data, this.now()]);
    else this.apply(subject, data);
  }

  /** Ends the restore: applies what was held back, then passes live metrics straight through. */
  open(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const [subject, data, at] of held) this.apply(subject, data, at);
  }
}
