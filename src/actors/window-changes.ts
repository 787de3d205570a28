/**
 * WindowChanges: the windows a crash must not lose since the journal of new windows last took
 * them (bus/window-journal.ts): windows created by a live metric, and windows whose state changed
 * (expired, alerted or resolved). Checkpoint rounds carry every window at their interval; these go
 * out within a fraction of a second in between. Metrics that only refresh a window are not noted:
 * the rounds carry those. Pure: the journal listens and takes.
 */
export class WindowChanges<W> {
  private pending = new Set<W>();
  private listener: (() => void) | undefined;

  /** Windows noted and not taken yet. */
  get size(): number {
    return this.pending.size;
  }

  /** `w` is new, or its state changed. */
  note(w: W): void {
    if (this.pending.has(w)) return;
    this.pending.add(w);
    if (this.pending.size === 1) this.listener?.();
  }

  /** The windows noted since the last call, oldest first; the list starts again empty. */
  take(): W[] {
    const out = [...this.pending];
    this.pending = new Set();
    return out;
  }

  /** `listener` hears when the first window is noted after a `take` (at once if some wait already). */
  listen(listener: (() => void) | undefined): void {
    this.listener = listener;
    if (listener && this.pending.size > 0) listener();
  }
}
