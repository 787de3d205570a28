/**
 * WindowViews: read-only views of the windows for queries and operators — latest metrics, one
 * peer's window, names, windows per state, the status page's snapshot. Reads the registry and the
 * clock, changes nothing.
 */
import type { Clock } from "../clock.js";
import type { Metric } from "../api/types.js";
import type { MetricWindow } from "../window/metric-window.js";
import { MsgpackWriter } from "../api/msgpack-writer.js";
import { isFresh } from "../window/deadline.js";
import type { LinkReport } from "../window/self-outage.js";
import type { TrackedWindow } from "./tracked-window.js";
import type { WindowRegistry } from "./window-registry.js";
import { WINDOW_STATES, type WindowState } from "./window-machine.js";

export interface StatusSnapshot {
  at: string;
  /** The monitor's own link to NATS and the grace after an outage (alerts are held meanwhile). */
  link: LinkReport;
  windows: number;
  /** Peers in the peerset, or null before one is known. */
  peerset: number | null;
  names: Record<
    string,
    {
      counts: Record<WindowState, number>;
      peers: { peer: string; state: WindowState; value: string; valid: boolean; expiresInMs: number | null }[];
    }
  >;
}

const SEVERITY: Record<WindowState, number> = { alerted: 0, expired: 1, healthy: 2 };

export class WindowViews {
  constructor(
    private readonly windows: WindowRegistry,
    private readonly clock: Clock,
    /** Peers in the current peerset, or null before one is known. */
    private readonly peersetSize: () => number | null,
    private readonly link: (now: number) => LinkReport,
  ) {}

  /** Latest metric of each current peer for `name`, when it is valid and fresh; sorted by peer. */
  latest(name: string): Metric[] {
    return this.fresh(name).map((w) => w.metrics.latest()!);
  }

  /** `latest(name)` as its msgpack reply (Metric[]), written straight from window storage. */
  latestEncoded(name: string): Uint8Array {
    const fresh = this.fresh(name);
    const out = new MsgpackWriter(256 + fresh.length * 160);
    out.arrayHeader(fresh.length);
    for (const w of fresh) w.metrics.writeLatest(out);
    return out.bytes();
  }

  /** Latest metric of one peer, expired or invalid included; undefined when there is none. */
  latestForPeer(name: string, peer: string): Metric | undefined {
    return this.windows.get(name, peer)?.metrics.latest();
  }

  /** Every metric in one window, newest first. */
  history(name: string, peer: string): Metric[] {
    return this.windows.get(name, peer)?.metrics.all() ?? [];
  }

  names(): string[] {
    return this.windows.names();
  }

  /** Each metric name with its windows' storage, read in place: what checkpoints and transfers to a sibling copy. */
  *metricWindows(): IterableIterator<[name: string, windows: IterableIterator<MetricWindow>]> {
    for (const [name, byPeer] of this.windows.byNames()) yield [name, storageOf(byPeer.values())];
  }

  /** Windows per state, per metric name. */
  stateCounts(): Record<string, Record<WindowState, number>> {
    const out: Record<string, Record<WindowState, number>> = {};
    for (const [name, byPeer] of this.windows.byNames()) {
      const counts = zeroCounts();
      for (const w of byPeer.values()) counts[w.state]++;
      out[name] = counts;
    }
    return out;
  }

  /** Per metric name, the windows per state and up to `perName` peers, troubled ones first. */
  statusSnapshot(perName: number): StatusSnapshot {
    const now = this.clock.now();
    const names: StatusSnapshot["names"] = {};
    for (const name of this.windows.names()) {
      const list = [...this.windows.sorted(name)].sort((a, b) => SEVERITY[a.state] - SEVERITY[b.state]);
      const counts = zeroCounts();
      for (const w of list) counts[w.state]++;
      names[name] = {
        counts,
        peers: list.slice(0, perName).map((w) => ({
          peer: w.peer,
          state: w.state,
          value: w.metrics.latest()?.value ?? "",
          valid: w.metrics.latestIsValid(),
          expiresInMs: Number.isNaN(w.deadline) ? null : Math.round(w.deadline - now),
        })),
      };
    }
    return { at: new Date(this.clock.wallNow()).toISOString(), link: this.link(now), windows: this.windows.size, peerset: this.peersetSize(), names };
  }

  /** Windows of `name` whose latest metric is valid and fresh now, sorted by peer. */
  private fresh(name: string): TrackedWindow[] {
    const now = this.clock.now();
    return this.windows.sorted(name).filter((w) => w.metrics.latestIsValid() && isFresh(w.deadline, now));
  }
}

function* storageOf(windows: Iterable<TrackedWindow>): IterableIterator<MetricWindow> {
  for (const w of windows) yield w.metrics;
}

function zeroCounts(): Record<WindowState, number> {
  return Object.fromEntries(WINDOW_STATES.map((s) => [s, 0])) as Record<WindowState, number>;
}
