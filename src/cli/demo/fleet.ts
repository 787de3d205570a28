/**
 * The demo's simulated fleet: peers that publish their metrics through the SDK's informers (every
 * ttl/2, as IPFS Cluster peers do), and the things that happen to peers in a cluster: one dies
 * (stops publishing), one recovers, one's informer for a single metric hangs, a new one joins
 * (added to the peerset), one leaves (removed from the peerset). What happens when is decided by
 * the scenario; this file only carries it out.
 */
import type { PeerMonitorClient } from "../../client/client.js";
import type { Informer, Produced } from "../../client/informer.js";

export type PeerState = "up" | "down" | "stalled" | "left";

export type FleetAction = "die" | "recover" | "stall" | "join" | "leave";

/** Something that happened to a peer, as the views show it. */
export interface FleetEvent {
  action: FleetAction;
  peer: string;
  /** The metric whose informer stalled (stall) or came back (recover of a stalled peer). */
  name?: string;
}

export interface FleetOptions {
  client: PeerMonitorClient;
  /** Peers at the start. */
  peers: number;
  /** Metric names every peer publishes. */
  names: readonly string[];
  /** Time to live of each metric, ms; informers publish every ttl/2. */
  ttlMs: number;
  /** Random numbers in [0, 1): the demo's seeded generator. */
  random: () => number;
  onEvent: (event: FleetEvent) => void;
  /** A peerset change failed (the demo goes on). */
  onError: (err: unknown) => void;
}

/** A peer of the fleet with one informer per metric name. */
export class SimulatedPeer {
  state: PeerState = "up";
  /** When the state last changed, ms (Date.now()). */
  since = Date.now();
  /** The metric whose informer hangs, while stalled. */
  stalledName: string | undefined;
  private readonly informers = new Map<string, Informer>();
  private freespace: number;
  private numpin: number;

  constructor(
    readonly id: string,
    private readonly o: FleetOptions,
  ) {
    this.freespace = Math.floor((100 + o.random() * 900) * 2 ** 30); // 100 GiB to 1 TiB
    this.numpin = Math.floor(o.random() * 5_000);
  }

  publish(names: readonly string[]): void {
    for (const name of names) {
      if (this.informers.has(name)) continue;
      const informer = this.o.client.startInformer({ name, peer: this.id, ttlMs: this.o.ttlMs, produce: () => this.produce(name) });
      this.informers.set(name, informer);
    }
  }

  async silence(names: readonly string[] = [...this.informers.keys()]): Promise<void> {
    await Promise.all(names.map((n) => this.informers.get(n)?.stop()));
    for (const n of names) this.informers.delete(n);
  }

  enter(state: PeerState): void {
    this.state = state;
    this.since = Date.now();
  }

  /** Plausible values: free space shrinks as pins grow; the pin queue comes and goes. */
  private produce(name: string): Produced {
    const r = this.o.random;
    switch (name) {
      case "ping":
        return "";
      case "freespace":
        this.freespace = Math.max(0, this.freespace - Math.floor(r() * 2 ** 28));
        return { value: String(this.freespace), weight: BigInt(this.freespace) };
      case "numpin":
        this.numpin += Math.floor(r() * 4);
        return String(this.numpin);
      case "pinqueue":
        return String(Math.floor(r() * r() * 40));
      default:
        return String(Math.floor(r() * 100));
    }
  }
}

export class Fleet {
  readonly peers = new Map<string, SimulatedPeer>();
  private joined = 0;
  private stopped = false;
  private readonly idWidth: number;

  constructor(private readonly o: FleetOptions) {
    this.idWidth = Math.max(2, String(o.peers * 2).length);
    for (let i = 0; i < o.peers; i++) this.add();
  }

  /** Publishes the peerset, then starts every peer's informers. */
  async start(): Promise<void> {
    await this.o.client.setPeers([...this.peers.keys()]);
    for (const peer of this.peers.values()) peer.publish(this.o.names);
  }

  /** Every peer in `state`. */
  in(state: PeerState): SimulatedPeer[] {
    return [...this.peers.values()].filter((p) => p.state === state);
  }

  counts(): Record<PeerState, number> & { members: number } {
    const counts = { up: 0, down: 0, stalled: 0, left: 0, members: 0 };
    for (const p of this.peers.values()) {
      counts[p.state]++;
      if (p.state !== "left") counts.members++;
    }
    return counts;
  }

  async die(peer: SimulatedPeer): Promise<void> {
    peer.enter("down");
    this.o.onEvent({ action: "die", peer: peer.id });
    await peer.silence();
  }

  /** Only one metric stops: its informer hangs while the others go on. */
  async stall(peer: SimulatedPeer, name: string): Promise<void> {
    peer.enter("stalled");
    peer.stalledName = name;
    this.o.onEvent({ action: "stall", peer: peer.id, name });
    await peer.silence([name]);
  }

  recover(peer: SimulatedPeer): void {
    const name = peer.state === "stalled" ? peer.stalledName : undefined;
    peer.enter("up");
    peer.stalledName = undefined;
    this.o.onEvent({ action: "recover", peer: peer.id, ...(name ? { name } : {}) });
    if (!this.stopped) peer.publish(this.o.names);
  }

  /** A new peer: added to the peerset first, so the monitor tracks it from its first metric. */
  async join(): Promise<void> {
    const peer = this.add();
    this.o.onEvent({ action: "join", peer: peer.id });
    await this.o.client.addPeer(peer.id).catch(this.o.onError);
    if (peer.state === "up" && !this.stopped) peer.publish(this.o.names);
  }

  /** Leaves the cluster: removed from the peerset, so its windows are freed without an alert. */
  async leave(peer: SimulatedPeer): Promise<void> {
    peer.enter("left");
    this.o.onEvent({ action: "leave", peer: peer.id });
    await this.o.client.removePeer(peer.id).catch(this.o.onError);
    await peer.silence();
  }

  /** Stops every informer; nothing publishes afterwards, even a join still in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.peers.values()].map((p) => p.silence()));
  }

  private add(): SimulatedPeer {
    const peer = new SimulatedPeer(`peer-${String(++this.joined).padStart(this.idWidth, "0")}`, this.o);
    this.peers.set(peer.id, peer);
    return peer;
  }
}
