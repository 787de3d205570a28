/**
 * WindowRegistry: every tracked window, by metric name then peer, with the count and, per name,
 * the windows sorted by peer (kept until a window of that name is added or removed, so that a
 * `latest` query does not sort thousands of peers each time) and a version that moves whenever
 * what `latest` of the name could answer changes (a window added, removed, given a metric or
 * announced suspect): a reply built at one version is still right at the same one until a listed
 * metric passes its deadline (latest-replies.ts). It keeps one copy of each name and peer id for all
 * the windows that carry it (`intern`): a peer's ten windows would otherwise hold ten copies of its
 * 52-character id, each a string the garbage collector walks. It remembers the names that ever had
 * a window, after their windows are gone (a PeerSet change): `latest` of such a name is `[]`, not
 * the 404 of a typo.
 */
import type { TrackedWindow } from "./tracked-window.js";
import type { ReplyGroup } from "./latest-replies.js";

/** The windows of one metric name. Each of its windows holds it (`TrackedWindow.group`) to move its version. */
export class NameWindows implements ReplyGroup<TrackedWindow> {
  readonly byPeer = new Map<string, TrackedWindow>();
  constructor(readonly name: string) {}
  sorted: TrackedWindow[] | undefined;
  version = 0;
  shape = 0;
  touched: TrackedWindow[] | undefined = undefined;

  /** Windows were added or freed, or the answer changed otherwise than by one window's metric. */
  reshaped(): void {
    this.version++;
    this.shape++;
  }
}

/** Names remembered after their windows are gone, at most: the oldest are forgotten first. */
const SEEN_NAMES = 10_000;

export class WindowRegistry {
  private readonly byName = new Map<string, NameWindows>();
  /** Names that had windows and have none now, oldest first (a Set keeps insertion order). */
  private readonly gone = new Set<string>();
  /** Each peer id with windows, once, and how many windows carry it. */
  private readonly peers = new Map<string, { id: string; windows: number }>();
  private total = 0;

  get size(): number {
    return this.total;
  }

  get nameCount(): number {
    return this.byName.size;
  }

  hasName(name: string): boolean {
    return this.byName.has(name);
  }

  /** True when `name` has windows, or had some (not forgotten since). */
  wasSeen(name: string): boolean {
    return this.byName.has(name) || this.gone.has(name);
  }

  /** Windows of `name`. */
  countOf(name: string): number {
    return this.byName.get(name)?.byPeer.size ?? 0;
  }

  get(name: string, peer: string): TrackedWindow | undefined {
    return this.byName.get(name)?.byPeer.get(peer);
  }

  /**
   * The copies of `name` and `peer` a new window should carry: the registry's own when windows
   * already carry them, else fresh ones (a decoded string may be a slice that keeps a whole message).
   */
  intern(name: string, peer: string): [name: string, peer: string] {
    const known = this.byName.get(name)?.name ?? fresh(name);
    return [known, this.peers.get(peer)?.id ?? fresh(peer)];
  }

  add(w: TrackedWindow): void {
    let forName = this.byName.get(w.name);
    if (!forName) {
      forName = new NameWindows(w.name);
      this.byName.set(w.name, forName);
      this.gone.delete(w.name);
    }
    const peer = this.peers.get(w.peer);
    if (peer) peer.windows++;
    else this.peers.set(w.peer, { id: w.peer, windows: 1 });
    forName.byPeer.set(w.peer, w);
    forName.sorted = undefined;
    forName.reshaped();
    w.group = forName;
    this.total++;
  }

  /** Removes `w`; a name without windows is forgotten. */
  remove(w: TrackedWindow): void {
    const forName = this.byName.get(w.name);
    if (!forName?.byPeer.delete(w.peer)) return;
    forName.sorted = undefined;
    forName.reshaped();
    const peer = this.peers.get(w.peer);
    if (peer && --peer.windows === 0) this.peers.delete(w.peer);
    this.total--;
    if (forName.byPeer.size === 0) {
      this.byName.delete(w.name);
      this.gone.add(w.name);
      if (this.gone.size > SEEN_NAMES) this.gone.delete(this.gone.values().next().value!);
    }
  }

  /** The windows of `name` with their version, or undefined for a name without windows. */
  group(name: string): NameWindows | undefined {
    return this.byName.get(name);
  }

  /** Every name's answers may have changed (the wall clock stepped: deadlines from `e` moved). */
  touchAll(): void {
    for (const forName of this.byName.values()) forName.reshaped();
  }

  names(): string[] {
    return [...this.byName.keys()].sort();
  }

  /** The windows of `name`, sorted by peer. */
  sorted(name: string): readonly TrackedWindow[] {
    const forName = this.byName.get(name);
    if (!forName) return [];
    forName.sorted ??= [...forName.byPeer.values()].sort((a, b) => (a.peer < b.peer ? -1 : a.peer > b.peer ? 1 : 0));
    return forName.sorted;
  }

  /** The windows of `name`, unsorted (no copy). */
  of(name: string): Iterable<TrackedWindow> {
    return this.byName.get(name)?.byPeer.values() ?? [];
  }

  /** The windows of `peer`: of one name, or of every name when `name` is undefined. */
  ofPeer(peer: string, name?: string): TrackedWindow[] {
    if (name !== undefined) {
      const w = this.get(name, peer);
      return w ? [w] : [];
    }
    const out: TrackedWindow[] = [];
    for (const { byPeer } of this.byName.values()) {
      const w = byPeer.get(peer);
      if (w) out.push(w);
    }
    return out;
  }

  /** Windows of peers outside `members`; `left`, when given, lists the only peers to look for. */
  notIn(members: ReadonlySet<string>, left?: readonly string[]): TrackedWindow[] {
    const out: TrackedWindow[] = [];
    for (const { byPeer } of this.byName.values()) {
      if (left) {
        for (const peer of left) {
          const w = byPeer.get(peer);
          if (w) out.push(w);
        }
      } else {
        for (const [peer, w] of byPeer) if (!members.has(peer)) out.push(w);
      }
    }
    return out;
  }

  /** Every name with its windows (peer -> window). */
  *byNames(): IterableIterator<[string, ReadonlyMap<string, TrackedWindow>]> {
    for (const [name, forName] of this.byName) yield [name, forName.byPeer];
  }
}

/** A flat copy of `s`, holding nothing else alive. */
function fresh(s: string): string {
  return Buffer.from(s, "utf8").toString("utf8");
}
