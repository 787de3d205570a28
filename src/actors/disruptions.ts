/**
 * Disruptions: holding the firing alerts of a metric name while too many of its peers fail at
 * once (ARCHITECTURE.md, "Disruption: when too many fail at once"; the arithmetic is
 * window/disruption.ts). The decision is taken before the first alert leaves: a window's machine
 * asks to fire (`fire.asked`), `holds` answers, and a held window waits in `expired.held` with no
 * alert; the hold is the machine's state, not kept here.
 *
 * A disruption ends when the fraction falls back below the threshold less the hysteresis (checked
 * every `checkIntervalMs`, never while the monitor's own view is impaired or in its grace), or
 * when an operator releases it; then the name's held windows are released (`release`) and fire. After a release, the name is
 * not held again until its fraction has recovered once (an operator who released wants alerts).
 *
 * Counting walks the name's windows; while windows of the name keep firing (many peers failing,
 * below the threshold), a count is reused for `recountMs`, adding each firing window that was not
 * late yet when it was taken: the cost stays one walk per interval, and the estimate only ever
 * undercounts peers that turned late meanwhile.
 *
 * Replicas of a shard decide alike from the same metrics; their events are de-duplicated by the
 * bus (bus/disruption-log.ts), and each follows the events the others logged (`observed`), so
 * that they hold and release together. No NATS here: effects go out through DisruptionPorts.
 */
import { monotonicFactory } from "ulid";
import type { Clock, TimerHandle } from "../clock.js";
import type { DisruptionEvent } from "../api/types.js";
import type { Logger } from "../log.js";
import type { MonitorStats } from "../stats.js";
import { msToNs } from "../window/deadline.js";
import { disruptionEnds, disruptionStarts, fractionOf, type DisruptionRule, type Tally } from "../window/disruption.js";

export interface DisruptionPorts<W> {
  /** The tracked windows of `name`. */
  windowsOf(name: string): Iterable<W>;
  /** Out of `healthy`: expired or alerted. */
  expired(w: W): boolean;
  /**
   * Its failure episode fired before (alerted): a peer that failed earlier is not part of a wave
   * of failures now, so it counts neither as failing nor as tracked. Without this, peers that died
   * one by one and stay dead (a CRDT cluster has no peerset to free them) add up until any single
   * death looks like a disruption.
   */
  alerted(w: W): boolean;
  /** Late at `at`: suspect, or nothing valid for over half its ttl. */
  late(w: W, at: number): boolean;
  /** `w`'s firing alert is held now (its machine is in `expired.held`). */
  held(w: W): boolean;
  /** The disruption of `name` ended: its held windows fire. */
  release(name: string): void;
  /** A disruption started or ended here: publish it (exactly once across replicas: the bus's job). */
  announce(e: DisruptionEvent): void;
  /** False while the monitor cannot trust its own view (link impaired, grace): no end is decided. */
  mayJudge(now: number): boolean;
}

export interface DisruptionsOptions<W> {
  rule: DisruptionRule;
  clock: Clock;
  /** How often an open disruption's fraction is looked at again, ms. */
  checkIntervalMs: number;
  /** How long a count taken before a firing is reused for the next firings of the name, ms. */
  recountMs: number;
  ports: DisruptionPorts<W>;
  log: Logger;
  stats: MonitorStats;
}

/** An open disruption as `peermon status` shows it. */
export interface DisruptionReport {
  name: string;
  /** The event that started it. */
  id: string;
  since: string;
  fraction: number;
  count: number;
  tracked: number;
  /** Windows whose firing alert is held. */
  held: number;
}

interface Open {
  id: string;
  /** When it started, wall-clock ms. */
  sinceMs: number;
  tally: Tally;
}

export class Disruptions<W> {
  private readonly open = new Map<string, Open>();
  /** Names released by an operator: not held again until their fraction recovered once. */
  private readonly released = new Set<string>();
  /** When each name last started or ended here, wall-clock ms: an event logged before that is old news. */
  private readonly changedAt = new Map<string, number>();
  /** The last count taken before a firing, per name, and when. */
  private readonly counts = new Map<string, { at: number; tally: Tally }>();
  private readonly newId = monotonicFactory();
  private timer: TimerHandle | undefined;

  constructor(private readonly o: DisruptionsOptions<W>) {}

  /** Windows whose firing alert is held now. */
  get held(): number {
    let n = 0;
    for (const name of this.open.keys()) n += this.heldIn(name);
    return n;
  }

  /**
   * A window of `name` is about to fire: true when its alert is held instead (a disruption is
   * open, or this very alert starts one).
   */
  holds(name: string, w: W): boolean {
    if (this.o.rule.threshold <= 0) return false;
    if (!this.open.has(name)) {
      if (this.released.has(name)) return false;
      const tally = this.estimate(name, w, this.o.clock.now());
      if (!disruptionStarts(this.o.rule, tally)) return false;
      this.start(name, tally);
    }
    this.o.stats.alertsHeld++;
    return true;
  }

  /**
   * An event from the log: another replica's decision, or the open disruption found at start.
   * Events are stamped on the wall clock (`r`), which is what replicas share.
   */
  observed(e: DisruptionEvent): void {
    const atMs = Number(e.triggeredAt / 1_000_000n);
    if ((this.changedAt.get(e.name) ?? -Infinity) >= atMs) return; // our own, or older than our last change
    if (e.kind === "started" && !this.open.has(e.name)) {
      this.released.delete(e.name);
      this.opened(e.name, e.id, atMs, this.tally(e.name, this.o.clock.now()));
      this.o.log.warn(
        { name: e.name, fraction: e.fraction, count: e.count, id: e.id },
        "disruption open (logged by another replica or before this start): firing alerts of this name are held",
      );
    } else if (e.kind === "ended" && this.open.has(e.name)) {
      this.end(e.name, "ended elsewhere", false);
    }
  }

  /** An operator releases `name`: its held alerts fire now. The count released, or undefined when none was open. */
  release(name: string): number | undefined {
    if (!this.open.has(name)) return undefined;
    const count = this.heldIn(name);
    this.end(name, "released by an operator", true);
    this.released.add(name);
    this.arm();
    return count;
  }

  report(): DisruptionReport[] {
    return [...this.open].map(([name, d]) => ({
      name,
      id: d.id,
      since: new Date(d.sinceMs).toISOString(),
      fraction: fractionOf(d.tally),
      count: d.tally.count,
      tracked: d.tally.tracked,
      held: this.heldIn(name),
    }));
  }

  stop(): void {
    if (this.timer !== undefined) this.o.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  private start(name: string, tally: Tally): Open {
    const wall = this.o.clock.wallNow(); // r and the ULID agree with other machines' clocks
    const id = this.newId(Math.floor(wall));
    const d = this.opened(name, id, wall, tally);
    this.o.stats.disruptionsStarted++;
    this.o.ports.announce({ name, kind: "started", fraction: fractionOf(tally), count: tally.count, id, triggeredAt: msToNs(wall) });
    this.o.log.warn(
      { name, fraction: round(fractionOf(tally)), count: tally.count, tracked: tally.tracked, id },
      `disruption: too many ${name} peers late or expired at once; their firing alerts are held until it ends ` + `(or \`peermon disruption release ${name}\`)`,
    );
    return d;
  }

  private opened(name: string, id: string, sinceMs: number, tally: Tally): Open {
    const d: Open = { id, sinceMs, tally };
    this.open.set(name, d);
    this.changedAt.set(name, sinceMs);
    this.arm();
    return d;
  }

  /** Ends the disruption of `name` (announcing it unless another replica did) and fires what it held. */
  private end(name: string, why: string, announce: boolean): void {
    const held = this.heldIn(name);
    this.open.delete(name);
    const wall = this.o.clock.wallNow();
    this.changedAt.set(name, wall);
    const tally = this.tally(name, this.o.clock.now());
    if (announce) {
      const id = this.newId(Math.floor(wall));
      this.o.ports.announce({ name, kind: "ended", fraction: fractionOf(tally), count: tally.count, id, triggeredAt: msToNs(wall) });
    }
    this.o.log.info(
      { name, why, fraction: round(fractionOf(tally)), count: tally.count, tracked: tally.tracked, released: held },
      "disruption over: the alerts it held fire now",
    );
    this.o.ports.release(name);
  }

  /** Windows of `name` whose firing alert is held. */
  private heldIn(name: string): number {
    let n = 0;
    for (const w of this.o.ports.windowsOf(name)) if (this.o.ports.held(w)) n++;
    return n;
  }

  private tally(name: string, now: number): Tally {
    let count = 0;
    let tracked = 0;
    const ports = this.o.ports;
    for (const w of ports.windowsOf(name)) {
      if (ports.alerted(w)) continue;
      tracked++;
      if (ports.expired(w) || ports.late(w, now)) count++;
    }
    return { count, tracked };
  }

  /** The count as `w` (healthy until now) fires: a fresh one, or the last one plus `w` if it was not late then. */
  private estimate(name: string, w: W, now: number): Tally {
    const last = this.counts.get(name);
    if (last && now - last.at < this.o.recountMs) {
      if (!this.o.ports.late(w, last.at)) last.tally.count++;
      return { ...last.tally };
    }
    const tally = this.tally(name, now);
    this.counts.set(name, { at: now, tally: { ...tally } });
    return tally;
  }

  /** Looks at every open (and released) name again, every `checkIntervalMs`, while there is one. */
  private arm(): void {
    if (this.timer !== undefined || (this.open.size === 0 && this.released.size === 0)) return;
    this.timer = this.o.clock.setTimer(() => {
      this.timer = undefined;
      this.check();
      this.arm();
    }, this.o.checkIntervalMs);
  }

  private check(): void {
    const now = this.o.clock.now();
    if (!this.o.ports.mayJudge(now)) return;
    for (const [name, d] of [...this.open]) {
      d.tally = this.tally(name, now);
      if (disruptionEnds(this.o.rule, d.tally)) this.end(name, "recovered", true);
    }
    for (const name of [...this.released]) {
      if (disruptionEnds(this.o.rule, this.tally(name, now))) this.released.delete(name);
    }
  }
}

function round(f: number): number {
  return Math.round(f * 1_000) / 1_000;
}
