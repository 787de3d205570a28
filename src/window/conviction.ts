/**
 * Conviction: when a window whose deadline passed may be declared silent. Two rules, pure (time is
 * passed in, effects go out through `ConvictionPorts`):
 *
 * 1. A due deadline convicts only after a round trip to the bus that STARTED after it: whatever the
 *    peer sent before its deadline has then been received (messages queued behind an event-loop
 *    stall, a garbage collection, are processed first: a stall needs nothing more), and a dead
 *    link convicts nobody. Windows due at once share one round trip.
 * 2. Suspect yourself first (the SelfOutageGuard): while the monitor's own link is impaired nobody
 *    is convicted; after it recovers, deadlines wait for the grace (what was lost meanwhile).
 *
 * The "deadline" is the port's to say: the TTL's deadline for alerts, the detector's suspicion time
 * for early suspicion (actors/suspicion.ts), which so waits for the same proof.
 */
import { SelfOutageGuard } from "./self-outage.js";

export interface ConvictionPorts<W> {
  /** The window's current deadline, ms (NaN: none). */
  deadline(w: W): number;
  /** The deadline passed and the round trip proved it: the window's machine decides what follows. */
  convict(w: W): void;
  /** Look at `w` again at `at` (ms). */
  recheck(w: W, at: number): void;
  /** Start round trip `id` to the bus; its end is reported with `roundTripBack(now, id)` or `roundTripFailed(now, id)`. */
  requestRoundTrip(id: number): void;
  /** A due deadline was held back by the guard (counted). */
  deferred(): void;
}

export class Conviction<W> {
  readonly guard: SelfOutageGuard;
  /** Windows whose deadline passed, waiting for a round trip that started after it. */
  private due: W[] = [];
  private roundTripSentAt: number | undefined;
  /** Id of the round trip out; an answer to an older one (sent before an outage) proves nothing. */
  private roundTripId = 0;

  /** `guard` may be shared: early suspicion judges its own due times under the same guard. */
  constructor(
    private readonly graceMs: number,
    private readonly ports: ConvictionPorts<W>,
    guard?: SelfOutageGuard,
  ) {
    this.guard = guard ?? new SelfOutageGuard(graceMs);
  }

  /** `w` woke at `now`: wait again if its deadline moved, else join the next round trip (or the grace). */
  deadlineDue(w: W, now: number): void {
    const deadline = this.ports.deadline(w);
    if (Number.isNaN(deadline)) return;
    if (now < deadline) return this.ports.recheck(w, deadline);
    if (this.guard.convictableAt(now) > now) return this.defer(w, now);
    this.due.push(w);
    if (this.roundTripSentAt === undefined) this.startRoundTrip(now);
  }

  /** Round trip `id` came back: convict what was due before it left; what fell due since waits for another. */
  roundTripBack(now: number, id = this.roundTripId): void {
    const sentAt = this.roundTripSentAt;
    if (sentAt === undefined || id !== this.roundTripId) return;
    this.roundTripSentAt = undefined;
    const due = this.due;
    this.due = [];
    for (const w of due) {
      const deadline = this.ports.deadline(w);
      if (deadline <= sentAt) this.convict(w, now);
      else if (now >= deadline) this.due.push(w);
      else this.ports.recheck(w, deadline);
    }
    if (this.due.length > 0) this.startRoundTrip(now);
  }

  /** Round trip `id` failed: nobody is convicted; the due windows are looked at again later. */
  roundTripFailed(now: number, id = this.roundTripId): void {
    if (id !== this.roundTripId) return;
    this.roundTripSentAt = undefined;
    for (const w of this.due) this.defer(w, now, this.recheckAt(now));
    this.due = [];
  }

  /** `w` is gone (its peer left): it is not judged any more. */
  forget(w: W): void {
    const i = this.due.indexOf(w);
    if (i >= 0) this.due.splice(i, 1);
  }

  /** The link is impaired for `reason`: no conviction until it recovers. True for a new outage. */
  impaired(reason: string, now: number): boolean {
    const fresh = this.guard.impair(reason, now);
    this.roundTripFailed(now);
    return fresh;
  }

  /** `reason` is over; true when the outage ended (then, with `grace`, the grace runs). */
  recovered(reason: string, now: number, grace = true): boolean {
    return this.guard.recover(reason, now, grace);
  }

  private convict(w: W, now: number): void {
    if (this.guard.convictableAt(now) > now) return this.defer(w, now);
    this.ports.convict(w);
  }

  /** Checks `w` again once it may convict, and not before `notBefore`. */
  private defer(w: W, now: number, notBefore = now): void {
    const at = Math.max(this.guard.convictableAt(now), notBefore);
    this.ports.deferred();
    this.ports.recheck(w, Number.isFinite(at) ? at : this.recheckAt(now));
  }

  /** When a window that could not be judged at `now` (link down, round trip failed) is looked at again. */
  private recheckAt(now: number): number {
    return now + Math.max(this.graceMs, 1_000);
  }

  private startRoundTrip(now: number): void {
    this.roundTripSentAt = now;
    this.ports.requestRoundTrip(++this.roundTripId);
  }
}
