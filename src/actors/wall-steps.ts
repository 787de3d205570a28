/**
 * When the system clock is stepped and the wall clock follows it (src/wall-clock.ts), the deadlines
 * that came from `e` (the sender's wall clock) move with it on the monotonic timeline; deadlines
 * of `l` (a ttl counted on the monitor's own clock) do not.
 */
import { movedDeadline, type WallStep } from "../wall-clock.js";
import type { TrackedWindow } from "./tracked-window.js";
import type { WindowRegistry } from "./window-registry.js";

/**
 * Moves the `e` deadlines of `windows` by `step`; each healthy window whose deadline moved is handed
 * to `rearm` (an alerted one may be waiting for its next repeat). Returns how many moved.
 */
export function followWallStep(windows: WindowRegistry, step: WallStep, rearm: (w: TrackedWindow) => void): number {
  let moved = 0;
  for (const [, byPeer] of windows.byNames()) {
    for (const w of byPeer.values()) {
      if (!w.deadlineOnWall || Number.isNaN(w.deadline)) continue;
      w.deadline = movedDeadline(w.deadline, step);
      moved++;
      if (w.state === "healthy") rearm(w);
    }
  }
  return moved;
}
