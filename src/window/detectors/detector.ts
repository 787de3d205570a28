/**
 * Detector: the failure detector of one window (one metric name of one peer). It is told of every
 * valid metric's arrival and says from when the peer is suspect if nothing else arrives. Pure: no
 * clock, no timers, no I/O; every time is milliseconds on the monitor's clock, passed in.
 *
 * Two families share the interface:
 * - `ttl`, `ipfs-tick`: the verdict itself (the deadline, or the first check tick after it);
 * - `phi`, `chen`, `rhythm`: suspicion *under* the TTL. Their `suspectAt()` matters only while it is
 *   before the metric's deadline; at or after it the TTL decides, as it always does for alerts.
 *
 * How the monitor uses one (ARCHITECTURE.md, "Suspicion"):
 * - `observe(arrivalMs, deadlineMs)` for each VALID metric only (an invalid metric arms nothing),
 *   with the deadline that `deadlineOf` gave it; `learn` false while the monitor's own timing is in
 *   doubt (a self-outage or the grace after one, an event-loop stall): the arrival re-arms the
 *   detector but the gap before it says nothing about the peer.
 * - then `suspectAt()`: when the window's suspicion is due. Infinity while the detector has no
 *   history; a value at or after the deadline means "no early suspicion".
 * - the self-outage guard applies to that time as to deadlines: suspicion is due at
 *   `max(suspectAt, guard.convictableAt(now))`, and never while the link is impaired.
 */
export interface Detector {
  /** A valid metric arrived at `arrivalMs`; `deadlineMs` is its deadline (arrival + ttl with `l`). */
  observe(arrivalMs: number, deadlineMs: number, learn?: boolean): void;
  /** From when the peer is suspect if nothing else arrives (ms); Infinity while history lacks. */
  suspectAt(): number;
}

/** Makes the state of one window; one factory per configuration. */
export type DetectorFactory = () => Detector;
