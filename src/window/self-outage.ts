/**
 * SelfOutageGuard: suspect yourself first. While the monitor's own link to NATS is impaired (a
 * disconnect, a round-trip probe without answer) nobody is convicted; after it recovers, deadlines
 * get `graceMs` before they may convict, so that peers whose metrics were lost on the way are not
 * reported dead. (A stalled event loop with the link up lost nothing: the conviction's round trip
 * covers it, and no grace runs.) Pure: time is passed in.
 */
export interface LinkReport {
  /** Why the link is impaired now (empty while it is fine): "disconnected", "probe", "restoring". */
  impaired: string[];
  /** For how long it has been impaired, ms, or null while it is fine. */
  impairedForMs: number | null;
  /** What is left of the grace after an outage, ms (0: none runs). */
  graceLeftMs: number;
  /** What the running grace follows: a restart (windows restored) or an outage of the link; omitted when none runs. A stall with the connection up starts none. */
  graceAfter?: GraceCause;
}

export type GraceCause = "restart" | "outage";

/** The impairment reason of a restore: its grace follows a restart. */
export const RESTORING = "restoring";

/** Why a grace runs, in words (a monitor that does not say was cut off). */
export function graceWhy(link: LinkReport): string {
  switch (link.graceAfter) {
    case "restart":
      return "the monitor restarted: peers get time to be heard again";
    case "outage":
      return "the monitor was cut off from NATS";
    default:
      return "the monitor was cut off";
  }
}

export class SelfOutageGuard {
  private readonly reasons = new Set<string>();
  private graceUntil = -Infinity;
  private graceCause: GraceCause = "outage";
  private impairedSince: number | undefined;

  constructor(private readonly graceMs: number) {}

  get impaired(): boolean {
    return this.reasons.size > 0;
  }

  /** When the current impairment began (ms), or undefined while the link is fine. */
  get since(): number | undefined {
    return this.impairedSince;
  }

  /** When the current or last grace ends (ms); -Infinity when none ever ran. */
  get graceEndsAt(): number {
    return this.graceUntil;
  }

  /** What an operator sees at `now`: why the link is impaired and since when, and the grace left. */
  report(now: number): LinkReport {
    const graceLeftMs = Math.max(0, Math.round(this.graceUntil - now));
    return {
      impaired: [...this.reasons],
      impairedForMs: this.impairedSince === undefined ? null : Math.round(now - this.impairedSince),
      graceLeftMs,
      ...(graceLeftMs > 0 ? { graceAfter: this.graceCause } : {}),
    };
  }

  /** Marks the link impaired for `reason` (several reasons may overlap). Returns true on a new outage. */
  impair(reason: string, now: number): boolean {
    const fresh = this.reasons.size === 0;
    this.reasons.add(reason);
    if (fresh) this.impairedSince = now;
    return fresh;
  }

  /**
   * Clears `reason`; when none is left the outage ends and, unless `grace` is false (nothing could
   * have been missed), the grace period starts. Returns true when the outage ended.
   */
  recover(reason: string, now: number, grace = true): boolean {
    if (!this.reasons.delete(reason) || this.reasons.size > 0) return false;
    this.impairedSince = undefined;
    if (grace) this.startGrace(now, reason === RESTORING ? "restart" : "outage");
    return true;
  }

  private startGrace(now: number, cause: GraceCause): void {
    if (now + this.graceMs >= this.graceUntil) this.graceCause = cause;
    this.graceUntil = Math.max(this.graceUntil, now + this.graceMs);
  }

  /**
   * The earliest time at which a deadline that is due at `now` may convict: `now` when the link
   * is fine and no grace runs, the end of the grace, or Infinity while impaired.
   */
  convictableAt(now: number): number {
    if (this.reasons.size > 0) return Infinity;
    return Math.max(this.graceUntil, now);
  }
}
