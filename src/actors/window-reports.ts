/**
 * Read-only views of the windows for queries and operators: latest metrics, windows per state,
 * the status page's snapshot. Pure functions of the registry and the time.
 */
import { MsgpackWriter } from "../api/msgpack-writer.js";
import { isFresh } from "../window/deadline.js";
import type { TrackedWindow } from "./tracked-window.js";
import type { WindowRegistry } from "./window-registry.js";
import { WINDOW_STATES, type WindowState } from "./window-machine.js";

export interface StatusSnapshot {
  at: string;
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

/** Windows of `name` whose latest metric is valid and fresh at `now`, sorted by peer. */
export function freshLatest(windows: WindowRegistry, name: string, now: number): TrackedWindow[] {
  return windows.sorted(name).filter((w) => w.metrics.latestIsValid() && isFresh(w.deadline, now));
}

/** Those windows' latest metrics as the `latest` reply (msgpack Metric[]), straight from storage. */
export function encodeLatest(fresh: readonly TrackedWindow[]): Uint8Array {
  const out = new MsgpackWriter(256 + fresh.length * 160);
  out.arrayHeader(fresh.length);
  for (const w of fresh) w.metrics.writeLatest(out);
  return out.bytes();
}

function zeroCounts(): Record<WindowState, number> {
  return Object.fromEntries(WINDOW_STATES.map((s) => [s, 0])) as Record<WindowState, number>;
}

/** Windows per state, per metric name. */
export function stateCounts(windows: WindowRegistry): Record<string, Record<WindowState, number>> {
  const out: Record<string, Record<WindowState, number>> = {};
  for (const [name, byPeer] of windows.byNames()) {
    const counts = zeroCounts();
    for (const w of byPeer.values()) counts[w.state]++;
    out[name] = counts;
  }
  return out;
}

const SEVERITY: Record<WindowState, number> = { alerted: 0, expired: 1, healthy: 2 };

/** Per metric name, the windows per state and up to `perName` peers, troubled ones first. */
export function statusSnapshot(windows: WindowRegistry, peerset: number | null, perName: number, now: number): StatusSnapshot {
  const names: StatusSnapshot["names"] = {};
  for (const name of windows.names()) {
    const list = [...windows.sorted(name)].sort((a, b) => SEVERITY[a.state] - SEVERITY[b.state]);
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
  return { at: new Date(now).toISOString(), windows: windows.size, peerset, names };
}
