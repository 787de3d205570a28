/**
 * NeverSeen: the peerset's members the windows say nothing of — per name, the members that never
 * reported it while other peers do (*never seen*: listed, not alerted), and the members that never
 * reported anything (*silent on every name*). Reads the registry and the peerset, changes nothing.
 */
import type { WindowRegistry } from "./window-registry.js";

/** Members looked at, at most, to list never-seen peers in one call (status, page): a few ms. */
const SCAN_BUDGET = 200_000;

/** What one listing call may still spend: members to look at, peers to name. */
export interface NeverSeenBudget {
  left: number;
  named?: number;
}

export class NeverSeen {
  private membersSorted: { of: ReadonlySet<string>; list: string[] } | undefined;

  constructor(
    private readonly windows: WindowRegistry,
    /** The current peerset's members, or undefined before one is known. */
    private readonly peerset: () => ReadonlySet<string> | undefined,
  ) {}

  /** A fresh budget for one call (status reply, page render). */
  budget(named = Infinity): NeverSeenBudget {
    return { left: SCAN_BUDGET, named };
  }

  /** True when `peer` is a member with no window of `name` while other peers report it. */
  isNeverSeen(name: string, peer: string): boolean {
    const members = this.peerset();
    return members !== undefined && members.has(peer) && this.windows.hasName(name) && !this.windows.get(name, peer);
  }

  /** The never-seen peers of `name`, sorted (none before a peerset is known, or for an unknown name). */
  neverSeen(name: string): string[] {
    return this.of(name, Infinity, { left: Infinity }).peers;
  }

  /**
   * Per name: how many peers were never seen, and the first `listed` of them; `total` caps the
   * peers named over all names (a reply must fit the server's max_payload).
   */
  summary(listed: number, total = Infinity): Record<string, { count: number; peers: string[] }> {
    const out: Record<string, { count: number; peers: string[] }> = {};
    const budget = this.budget(total);
    for (const name of this.windows.names()) out[name] = this.of(name, listed, budget);
    return out;
  }

  /**
   * How many members never reported `name`, and the first `listed` of them in peer order. The
   * count is exact and cheap: once a peerset is known every window is a member's (the others are
   * freed and their metrics ignored), so it is the members minus the name's windows. The list
   * walks the sorted members, sharing `budget` (members looked at) with the other names of the
   * same call, so that 1,000 names x 10,000 peers cannot stall the event loop; past it a list is
   * cut short (the count still says how many).
   */
  of(name: string, listed: number, budget: NeverSeenBudget): { count: number; peers: string[] } {
    const members = this.sortedMembers();
    const windows = this.windows.countOf(name);
    if (!members || windows === 0) return { count: 0, peers: [] };
    const count = Math.max(0, members.length - windows);
    const peers: string[] = [];
    const most = Math.min(listed, count, budget.named ?? Infinity);
    for (let i = 0; i < members.length && peers.length < most && budget.left > 0; i++, budget.left--) {
      if (!this.windows.get(name, members[i]!)) peers.push(members[i]!);
    }
    if (budget.named !== undefined) budget.named -= peers.length;
    return { count, peers };
  }

  /**
   * Members with no window of any name: silent on every name since they joined (or since this
   * monitor started). How many, and the first `listed` in peer order. The candidates are the
   * members the name with the most windows lacks (one lookup each); each of them is looked for in
   * the other names. Within the scan budget: 2,000 names x 5,000 members, one sending them all,
   * the others one name, is 7,000 lookups, not 10 million.
   */
  silentMembers(listed: number): { count: number; peers: string[] } {
    const members = this.sortedMembers();
    if (!members || this.windows.nameCount === 0) return { count: 0, peers: [] };
    const names = this.windows.names().sort((a, b) => this.windows.countOf(b) - this.windows.countOf(a));
    const [widest, ...others] = names as [string, ...string[]];
    const peers: string[] = [];
    let count = 0;
    let left = SCAN_BUDGET;
    for (let i = 0; i < members.length && left > 0; i++, left--) {
      const peer = members[i]!;
      if (this.windows.get(widest, peer)) continue;
      let seen = false;
      for (const name of others) {
        left--;
        if (this.windows.get(name, peer)) {
          seen = true;
          break;
        }
      }
      if (seen) continue;
      count++;
      if (peers.length < listed) peers.push(peer);
    }
    return { count, peers };
  }

  /** The peerset's members, sorted (once per peerset), or undefined before one is known. */
  private sortedMembers(): readonly string[] | undefined {
    const members = this.peerset();
    if (!members) return undefined;
    if (this.membersSorted?.of !== members) this.membersSorted = { of: members, list: [...members].sort() };
    return this.membersSorted.list;
  }
}
