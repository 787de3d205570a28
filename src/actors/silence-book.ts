/**
 * SilenceBook: the silences a monitor knows, as a Muter. Pure: times are passed in. A silence
 * mutes its (name, peer) from the moment the book has it until its end (`endsAtMs` on this
 * monitor's clock), whoever is up at that end: every reader honours the end time, and the store
 * forgets the entry later by itself (see bus/silence-store.ts). The book tells what ended (by
 * removal, by a shorter replacement, or by time) so that alerts muted meanwhile can be delivered.
 */
import type { Silence } from "../api/types.js";
import type { MuteScope, Muter } from "./muter.js";

export class SilenceBook implements Muter {
  private readonly byId = new Map<string, Silence>();
  /** Silences per peer: a peer has few, so matching is a short scan. */
  private readonly byPeer = new Map<string, Silence[]>();

  /** Silences held, ended ones included until `expire` drops them. */
  get size(): number {
    return this.byId.size;
  }

  mutes(name: string, peer: string, now: number): boolean {
    const list = this.byPeer.get(peer);
    if (!list) return false;
    for (const s of list) if (now < s.endsAtMs && (s.name === undefined || s.name === name)) return true;
    return false;
  }

  /** Adds or replaces a silence; returns the scope of the one it replaced when that stopped muting now. */
  put(s: Silence, now: number): MuteScope | undefined {
    const before = this.byId.get(s.id);
    if (before) this.drop(before);
    this.byId.set(s.id, s);
    const list = this.byPeer.get(s.peer);
    if (list) list.push(s);
    else this.byPeer.set(s.peer, [s]);
    return before && now < before.endsAtMs && !(now < s.endsAtMs && s.peer === before.peer && s.name === before.name) ? scopeOf(before) : undefined;
  }

  /** Removes silence `id`; returns its scope when it was still muting. */
  remove(id: string, now: number): MuteScope | undefined {
    const s = this.byId.get(id);
    if (!s) return undefined;
    this.drop(s);
    return now < s.endsAtMs ? scopeOf(s) : undefined;
  }

  /** Drops the silences that ended by `now`; returns their scopes. */
  expire(now: number): MuteScope[] {
    const ended: MuteScope[] = [];
    for (const s of this.byId.values()) {
      if (s.endsAtMs <= now) {
        this.drop(s);
        ended.push(scopeOf(s));
      }
    }
    return ended;
  }

  /** The earliest end of a silence held, ms; Infinity when none. */
  nextEndAt(): number {
    let next = Infinity;
    for (const s of this.byId.values()) if (s.endsAtMs < next) next = s.endsAtMs;
    return next;
  }

  /** The silences muting at `now`, soonest end first. */
  active(now: number): Silence[] {
    return [...this.byId.values()].filter((s) => now < s.endsAtMs).sort((a, b) => a.endsAtMs - b.endsAtMs);
  }

  private drop(s: Silence): void {
    this.byId.delete(s.id);
    const list = this.byPeer.get(s.peer);
    if (!list) return;
    const kept = list.filter((x) => x !== s);
    if (kept.length > 0) this.byPeer.set(s.peer, kept);
    else this.byPeer.delete(s.peer);
  }
}

function scopeOf(s: Silence): MuteScope {
  return s.name === undefined ? { peer: s.peer } : { name: s.name, peer: s.peer };
}
