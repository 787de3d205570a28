/**
 * What happens to the demo's fleet, and when.
 *
 * The opening always plays the same way, so that even a short run shows a whole failure episode:
 * the first peer dies OPENING_DEATH_MS in (it has published once), the monitor fires its alerts
 * one ttl later, and OPENING_REVIVAL_MS after the first of them the peer comes back (resolved
 * alerts). With the default ttl of 3 s that is FIRING at about 3.5 s and RESOLVED at about 4.5 s.
 *
 * Then churn, from a seeded generator (`--seed` replays the same choices): every `churnEveryMs`,
 * one event per 25 members: a peer dies, a peer's informer for one metric hangs, a peer that has
 * been gone long enough to be alerted recovers, a new peer joins, or one leaves the peerset.
 */
import type { Alert } from "../../api/types.js";
import type { Fleet, FleetAction, SimulatedPeer } from "./fleet.js";

/** When the opening's peer dies, ms after the start: after its informers' first publish. */
export const OPENING_DEATH_MS = 500;
/** How long after its first firing alert the opening's peer comes back, ms. */
export const OPENING_REVIVAL_MS = 1_000;
/** A peer is only revived once it has been gone this long past its ttl: its alert has fired. */
const ALERTED_MARGIN_MS = 1_500;

/** A small seeded generator (mulberry32): the same seed gives the same demo choices. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** What the churn can choose from right now. */
export interface ChurnView {
  /** Peers publishing everything (the opening's peer excluded). */
  up: SimulatedPeer[];
  /** Down or stalled peers whose alerts have fired. */
  alerted: SimulatedPeer[];
  members: number;
  initial: number;
  names: readonly string[];
}

export type Step = { action: Exclude<FleetAction, "join">; peer: SimulatedPeer; name?: string } | { action: "join" };

/**
 * One churn step. Deaths are likelier while most peers are up, recoveries while some are alerted,
 * so the fleet stays mostly healthy; joins stop at 1.3x the initial size and leaves at 0.8x.
 */
export function chooseStep(view: ChurnView, random: () => number): Step | undefined {
  const { up, alerted, members, initial, names } = view;
  const healthy = up.length > members * 0.75;
  const weights: [FleetAction, number][] = [
    ["recover", alerted.length > 0 ? 3 : 0],
    ["die", up.length === 0 ? 0 : healthy ? 2 : 0.5],
    ["stall", up.length > 0 && healthy ? 1 : 0],
    ["join", members < initial * 1.3 ? 0.7 : 0],
    ["leave", up.length > 1 && members > initial * 0.8 ? 0.3 : 0],
  ];
  const total = weights.reduce((sum, [, w]) => sum + w, 0);
  if (total === 0) return undefined;
  let pick = random() * total;
  const action = weights.find(([, w]) => (pick -= w) < 0)?.[0] ?? "recover";
  const any = <T>(list: T[]): T => list[Math.floor(random() * list.length)]!;
  switch (action) {
    case "join":
      return { action };
    case "recover":
      return { action, peer: any(alerted) };
    case "stall":
      return { action, peer: any(up), name: any([...names]) };
    default:
      return { action, peer: any(up) };
  }
}

export interface ScenarioOptions {
  names: readonly string[];
  ttlMs: number;
  /** Period of the churn, ms. */
  churnEveryMs: number;
  random: () => number;
}

export class Scenario {
  private readonly timers = new Set<NodeJS.Timeout>();
  private opening: SimulatedPeer | undefined;
  private revivalScheduled = false;
  private readonly initial: number;

  constructor(
    private readonly fleet: Fleet,
    private readonly o: ScenarioOptions,
  ) {
    this.initial = fleet.counts().members;
  }

  start(): void {
    this.opening = this.fleet.in("up")[0];
    this.after(OPENING_DEATH_MS, () => this.opening && this.fleet.die(this.opening));
    const churn = setInterval(() => this.churn(), this.o.churnEveryMs);
    this.timers.add(churn);
  }

  /** The opening's peer comes back OPENING_REVIVAL_MS after its first firing alert. */
  onAlert(alert: Alert): void {
    const peer = this.opening;
    if (!peer || this.revivalScheduled || alert.kind !== "firing" || alert.peer !== peer.id) return;
    this.revivalScheduled = true;
    this.after(OPENING_REVIVAL_MS, () => {
      if (peer.state === "down") this.fleet.recover(peer);
      this.opening = undefined;
    });
  }

  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private churn(): void {
    const now = Date.now();
    const steps = Math.max(1, Math.round(this.fleet.counts().members / 25));
    for (let i = 0; i < steps; i++) {
      const gone = [...this.fleet.in("down"), ...this.fleet.in("stalled")];
      const step = chooseStep(
        {
          up: this.fleet.in("up").filter((p) => p !== this.opening),
          alerted: gone.filter((p) => p !== this.opening && now - p.since >= this.o.ttlMs + ALERTED_MARGIN_MS),
          members: this.fleet.counts().members,
          initial: this.initial,
          names: this.o.names,
        },
        this.o.random,
      );
      if (step) void this.take(step);
    }
  }

  private async take(step: Step): Promise<void> {
    switch (step.action) {
      case "join":
        return this.fleet.join();
      case "recover":
        return this.fleet.recover(step.peer);
      case "stall":
        return this.fleet.stall(step.peer, step.name!);
      case "die":
        return this.fleet.die(step.peer);
      case "leave":
        return this.fleet.leave(step.peer);
    }
  }

  private after(ms: number, fn: () => unknown): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void fn();
    }, ms);
    this.timers.add(timer);
  }
}
