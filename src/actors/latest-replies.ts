/**
 * LatestReplies: each name's encoded `latest` reply, kept between changes, so that a request costs
 * what a bare responder of the same bytes costs. A reply is built at a version of its name's
 * windows (window-registry.ts: it moves with every metric, window added or freed, suspicion
 * announced or cleared) for one peerset, and stays right until one of them changes or the first
 * listed metric passes its deadline (`validUntil`: fresh strictly before it). What is read at
 * answer time (the `Peermon-Now` header) is never kept here.
 *
 * Under ingest the reply is patched, not rebuilt: the windows given a metric since it was built
 * (their group's `touched`) are written again in place, into a copy (the bytes handed out are
 * never changed), when each still is listed and its map has the same length; anything else (a
 * window that joins or leaves the answer, a value of another length, a window added or freed, a
 * suspicion, a restored metric listed) rebuilds it. Pure: time is passed in.
 */
import { MsgpackWriter } from "../api/msgpack-writer.js";
import { isFresh } from "../window/deadline.js";

/** What a reply is written from: one window of the name. */
export interface ReplyWindow {
  readonly deadline: number;
  readonly restoredFrom: number | undefined;
  /** Its place in the last full reply of its name (without exclusions) built; -1 before any. */
  replyAt: number;
}

/** The windows of one name, as the registry keeps them: what a kept reply is checked against. */
export interface ReplyGroup<W> {
  /** Moves at every change of what `latest` of the name could answer. */
  version: number;
  /** Moves when the answer may change otherwise than by a window's own metric: windows added or freed, a suspicion. */
  shape: number;
  /** Windows given a metric since the kept reply was built or patched; undefined: none kept, or too many (rebuild). */
  touched: W[] | undefined;
}

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

interface Kept<W> extends LatestReply {
  shape: number;
  /** The listed windows, in order, and where each one's map starts (one more: the end). */
  listed: readonly W[];
  offsets: Int32Array;
}

export interface ReplyPorts<W> {
  /** Whether `w` belongs in the answer at `now` (valid, current member, fresh; not suspect with `exclude`). */
  listed(w: W, now: number, exclude: boolean): boolean;
  /** Writes the newest metric of `w` as its wire map. */
  encode(w: W, out: MsgpackWriter): void;
}

export class LatestReplies<W extends ReplyWindow> {
  private readonly replies = new Map<string, Kept<W>>();
  private readonly scratch = new MsgpackWriter(1_024);

  constructor(private readonly ports: ReplyPorts<W>) {}

  /**
   * The reply of `name` at `now` (`exclude`: suspects left out), from `windows` (the name's, sorted
   * by peer) of `group` for `members`: kept, patched or built.
   */
  reply(
    name: string,
    exclude: boolean,
    group: ReplyGroup<W> | undefined,
    members: ReadonlySet<string> | undefined,
    now: number,
    windows: readonly W[],
  ): LatestReply {
    const key = exclude ? `${name}\u0000suspects-out` : name;
    const kept = this.replies.get(key);
    if (group && kept && kept.group === group && kept.members === members && isFresh(kept.validUntil, now)) {
      if (kept.version === group.version) return kept;
      const patched = exclude ? undefined : this.patch(kept, group, now);
      if (patched) {
        this.replies.set(key, patched);
        return patched;
      }
    }
    const built = this.build(windows, exclude, group, members, now);
    if (group) {
      this.replies.set(key, built);
      if (!exclude) group.touched = [];
    }
    return built;
  }

  get size(): number {
    return this.replies.size;
  }

  private build(windows: readonly W[], exclude: boolean, group: ReplyGroup<W> | undefined, members: ReadonlySet<string> | undefined, now: number): Kept<W> {
    const listed = windows.filter((w) => this.ports.listed(w, now, exclude));
    const out = new MsgpackWriter(256 + listed.length * 160);
    out.arrayHeader(listed.length);
    const offsets = new Int32Array(listed.length + 1);
    let validUntil = Infinity;
    let restoredFrom = Infinity;
    for (let i = 0; i < listed.length; i++) {
      const w = listed[i]!;
      offsets[i] = out.mark;
      this.ports.encode(w, out);
      if (!exclude) w.replyAt = i;
      if (w.deadline < validUntil) validUntil = w.deadline;
      const from = w.restoredFrom;
      if (from !== undefined && from < restoredFrom) restoredFrom = from;
    }
    offsets[listed.length] = out.mark;
    const version = group?.version ?? 0;
    return { bytes: out.bytes(), version, group: group ?? this, members, validUntil, restoredFrom, shape: group?.shape ?? 0, listed, offsets };
  }

  /** `kept` with the windows touched since written again in place; undefined when it must be rebuilt. */
  private patch(kept: Kept<W>, group: ReplyGroup<W>, now: number): Kept<W> | undefined {
    const touched = group.touched;
    if (touched === undefined || kept.shape !== group.shape || Number.isFinite(kept.restoredFrom)) return undefined;
    const bytes = kept.bytes.slice();
    let validUntil = kept.validUntil;
    for (const w of touched) {
      const i = w.replyAt;
      const wasListed = i >= 0 && kept.listed[i] === w;
      if (!this.ports.listed(w, now, false)) {
        if (wasListed) return undefined;
        continue;
      }
      if (!wasListed) return undefined;
      this.scratch.reset();
      this.ports.encode(w, this.scratch);
      const map = this.scratch.bytes();
      const at = kept.offsets[i]!;
      if (kept.offsets[i + 1]! - at !== map.length) return undefined;
      bytes.set(map, at);
      if (w.deadline < validUntil) validUntil = w.deadline;
    }
    group.touched = [];
    return { ...kept, bytes, version: group.version, validUntil };
  }
}
