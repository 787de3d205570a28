/**
 * LatestReplies: each name's encoded `latest` reply, kept between changes, so that a request costs
 * what a bare responder of the same bytes costs. A reply is built at a version of its name's
 * windows (window-registry.ts: it moves with every metric, window added or freed, and suspicion
 * announced or cleared) for one peerset, and stays right until one of them changes or the first
 * listed metric passes its deadline (`validUntil`: fresh strictly before it). What is read at
 * answer time (the `Peermon-Now` header) is never kept here. Pure: time is passed in.
 */

/** One reply as built, with what it was built from. */
export interface LatestReply {
  /** The encoded Metric[] (msgpack). */
  bytes: Uint8Array;
  /** The version of the name's windows it was built at. */
  version: number;
  /** The windows' group it was built from (a name dropped and seen again is another group). */
  group: object;
  /** The peerset's members it was built for (undefined: none known). */
  members: ReadonlySet<string> | undefined;
  /** The earliest deadline among the listed metrics, ms (monotonic); Infinity when none is listed. */
  validUntil: number;
  /** The oldest restore snapshot among the listed metrics (ms, monotonic); Infinity when none is restored. */
  restoredFrom: number;
}

export class LatestReplies {
  private readonly replies = new Map<string, LatestReply>();

  /** The kept reply of `name` (`exclude`: suspects left out) when it is still right at `now`. */
  get(name: string, exclude: boolean, group: { version: number }, members: ReadonlySet<string> | undefined, now: number): LatestReply | undefined {
    const r = this.replies.get(keyOf(name, exclude));
    if (!r || r.group !== group || r.version !== group.version || r.members !== members || now >= r.validUntil) return undefined;
    return r;
  }

  put(name: string, exclude: boolean, reply: LatestReply): void {
    this.replies.set(keyOf(name, exclude), reply);
  }

  /** Forgets every kept reply (the names are gone). */
  clear(): void {
    this.replies.clear();
  }

  get size(): number {
    return this.replies.size;
  }
}

function keyOf(name: string, exclude: boolean): string {
  return exclude ? `${name}\u0000suspects-out` : name;
}
