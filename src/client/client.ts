/**
 * PeerMonitorClient: what peers, allocators and operators use to talk to peermon over NATS.
 * It knows only the public subjects; shards and replicas are invisible to it.
 *
 * Units (one convention, see metric-input.ts): what you give the SDK is milliseconds (`ttlMs`,
 * `timeoutMs`) or a Date; what it gives back are wire records, times in bigint Unix nanoseconds.
 * Give it a connection that reconnects forever (`connect({ servers, maxReconnectAttempts: -1 })`):
 * with nats.js's default of 10 attempts an outage of ~20 s closes the connection for good, and
 * then informers stop and alert streams end with an error saying so.
 */
import { ErrorCode, RequestStrategy, headers, type NatsConnection, type NatsError, type Msg, type MsgHdrs } from "nats";
import { encodeMetric, decode } from "../api/codec.js";
import { EXCLUDE_HEADER, NON_MEMBERS_HEADER, Subjects, isValidToken } from "../api/subjects.js";
import { decodeHistory, type PeerHistory } from "../api/history.js";
import type { Metric, PeerSet, Silence } from "../api/types.js";
import { connectionClosed, followAlerts, type AlertFilter, type AlertStream } from "./alerts.js";
import { startInformer, type Informer, type InformerOptions } from "./informer.js";
import { decodeMetric, decodeMetricList } from "../api/validate.js";
import { NoMonitorError, PeermonError, QueryError } from "../errors.js";
import { MISSING_SHARDS_HEADER } from "../bus/names.js";
import { followSuspects, type SuspectFilter, type SuspectStream } from "./suspects.js";
import { PeerSetStore, type PeerSetChange } from "./peerset.js";
import { SilenceStore } from "./silences.js";
import type { SilenceInput } from "../api/silence.js";
import type { ReleaseReply } from "../bus/disruption-log.js";
import { TUNING } from "../config.js";
import { metricFrom, type MetricInput } from "./metric-input.js";

export interface ClientOptions {
  /** Subject prefix. @default "peermon" */
  prefix?: string;
  /** Time to wait for a query reply, ms. @default 5000 */
  timeoutMs?: number;
}

export class PeerMonitorClient {
  readonly subjects: Subjects;
  private readonly timeoutMs: number;
  private peersetStore: PeerSetStore | undefined;
  private silenceStore: SilenceStore | undefined;

  constructor(
    readonly nc: NatsConnection,
    options: ClientOptions = {},
  ) {
    this.subjects = new Subjects(options.prefix ?? "peermon");
    this.timeoutMs = options.timeoutMs ?? 5_000;
  }

  /**
   * Publishes one metric on `<prefix>.metrics.<name>.<peer>` and returns it as sent. It is valid
   * unless `valid: false`; it stays fresh `ttlMs` milliseconds after the monitor receives it.
   */
  publishMetric(input: MetricInput): Metric {
    requireToken("metric name", input.name);
    requireToken("peer id", input.peer);
    const metric = metricFrom(input, Date.now());
    this.nc.publish(this.subjects.metric(metric.name, metric.peer), encodeMetric(metric));
    return metric;
  }

  /**
   * Alerts as they come (`for await (const a of client.alerts({ name: "ping" }))`), optionally
   * from the alert log first, so that a consumer that was offline catches up.
   */
  alerts(filter: AlertFilter = {}): AlertStream {
    if (filter.name !== undefined) requireToken("metric name", filter.name);
    if (filter.peer !== undefined) requireToken("peer id", filter.peer);
    return followAlerts(this.nc, this.subjects, filter);
  }

  /**
   * Publishes `name` for `peer` every ttlMs/2 (ttlMs/4 after a failed `produce`) until stopped,
   * across reconnects (what is published while disconnected is sent on reconnect). It stops by
   * itself, telling `onError`, when the connection closes for good.
   */
  startInformer(options: InformerOptions): Informer {
    requireToken("metric name", options.name);
    requireToken("peer id", options.peer);
    const informer = startInformer((m) => this.publishMetric(m), options);
    void this.nc.closed().then(() => {
      if (informer.stopped) return;
      void informer.stop();
      options.onError?.(connectionClosed(`the informer of ${options.name} for ${options.peer} stopped`));
    });
    return informer;
  }

  /** Publishes a full PeerSet snapshot; one over the server's max_payload throws PeerSetTooLarge. */
  publishPeerSet(peerset: PeerSet): void {
    for (const p of peerset.peers) requireToken("peer id", p);
    this.peersets.publishPlain(peerset);
  }

  /**
   * The latest valid, unexpired metric of `name` for each current peer: [] when none is fresh.
   * With `excludeSuspects`, peers the monitor announced suspect (early suspicion, when it runs
   * with `--suspicion on`) are left out: for cheap decisions such as where to place new data.
   * Throws QueryError (code 404) when this monitor never saw `name` from a member (a typo, nothing
   * yet, or only peers outside the peerset send it: the error names them).
   */
  async latest(name: string, options: { excludeSuspects?: boolean } = {}): Promise<Metric[]> {
    return (await this.latestReply(name, options)).metrics;
  }

  /**
   * `latest`, with what the monitor says when it lists nothing: `nonMembers`, the peers outside
   * the peerset that send `name` (their metrics are ignored; add them to the peerset to see them).
   * The 404 of a name only such peers send names them too.
   */
  async latestReply(name: string, options: { excludeSuspects?: boolean } = {}): Promise<{ metrics: Metric[]; nonMembers: string[] }> {
    requireToken("metric name", name);
    let h: MsgHdrs | undefined;
    if (options.excludeSuspects) {
      h = headers();
      h.set(EXCLUDE_HEADER, "suspect");
    }
    const reply = await this.query(this.subjects.latest(name), h);
    const nonMembers = reply.headers?.get(NON_MEMBERS_HEADER);
    return { metrics: decodeMetricList(reply.data), nonMembers: nonMembers ? nonMembers.split(",") : [] };
  }

  /**
   * Early suspicion as it comes (`for await (const e of client.suspects({ name: "ping" }))`):
   * `suspect` when a peer is later than its rhythm explains, `cleared` when it sends again.
   */
  suspects(filter: SuspectFilter = {}): SuspectStream {
    if (filter.name !== undefined) requireToken("metric name", filter.name);
    if (filter.peer !== undefined) requireToken("peer id", filter.peer);
    return followSuspects(this.nc, this.subjects, filter);
  }

  /** The latest metric of `name` from `peer`, expired or not. Throws QueryError (404) when there is none. */
  async latestForPeer(name: string, peer: string): Promise<Metric> {
    requireToken("metric name", name);
    requireToken("peer id", peer);
    return decodeMetric((await this.query(this.subjects.peer(name, peer))).data);
  }

  /**
   * The failure history of `peer` for `name` over the alert log's retention: when it was last seen,
   * its failure episodes, its availability and flap count. Throws QueryError (404) when the monitor
   * knows nothing of it.
   */
  async history(name: string, peer: string): Promise<PeerHistory> {
    requireToken("metric name", name);
    requireToken("peer id", peer);
    return decodeHistory((await this.query(this.subjects.history(name, peer))).data);
  }

  /** Every metric name the monitors know. */
  async names(): Promise<string[]> {
    return (await this.namesCoverage()).names;
  }

  /** Every metric name, and the shards that did not answer (their names are missing from the list). */
  async namesCoverage(): Promise<{ names: string[]; missingShards: number[] }> {
    const reply = await this.query(this.subjects.names);
    const names = decode(reply.data);
    if (!Array.isArray(names) || !names.every((n) => typeof n === "string")) {
      throw new QueryError(502, "the names reply is not a list of strings; is a peermon monitor answering?");
    }
    const missing = reply.headers?.get(MISSING_SHARDS_HEADER);
    return { names, missingShards: missing ? missing.split(",").map(Number) : [] };
  }

  /** The current PeerSet as stored in JetStream, or undefined when none was published yet. */
  async getPeerSet(): Promise<PeerSet | undefined> {
    const reading = await this.peersets.read();
    return reading.type === "current" ? reading.peerset : undefined;
  }

  /** Replaces the PeerSet; resolves once JetStream stored it (see PeerSetStore.set). */
  async setPeers(peers: readonly string[]): Promise<PeerSetChange> {
    for (const p of peers) requireToken("peer id", p);
    return this.peersets.set(peers);
  }

  /** Adds one peer to the stored PeerSet, safe against concurrent writers; a member is a no-op. */
  async addPeer(peer: string): Promise<PeerSetChange> {
    requireToken("peer id", peer);
    return this.peersets.add(peer);
  }

  /** Removes one peer from the stored PeerSet, safe against concurrent writers; a non-member is a no-op. */
  async removePeer(peer: string): Promise<PeerSetChange> {
    requireToken("peer id", peer);
    return this.peersets.remove(peer);
  }

  /** Reads and writes the PeerSet kept in JetStream. */
  get peersets(): PeerSetStore {
    return (this.peersetStore ??= new PeerSetStore(this.nc, this.subjects));
  }

  /** Silences (maintenance windows) kept in JetStream and followed by every monitor. */
  get silences(): SilenceStore {
    return (this.silenceStore ??= new SilenceStore(this.nc, this.subjects));
  }

  /**
   * Silences alerts of `peer` (for one metric name, or all of them) for `forMs`: they are still
   * published, muted, and no sink delivers them. Resolves with the silence; its `id` removes it.
   */
  addSilence(input: SilenceInput): Promise<Silence> {
    return this.silences.add(input);
  }

  /** The silences muting now, soonest end first. */
  listSilences(): Promise<Silence[]> {
    return this.silences.list();
  }

  /** Ends a silence now; alerts it muted that still fire are delivered. Throws SilenceNotFound for an unknown or ended id. */
  removeSilence(id: string): Promise<Silence> {
    return this.silences.remove(id);
  }

  /**
   * Releases the disruption of `name`: its held firing alerts fire now. Resolves with how many
   * were released; QueryError (404) when no disruption of `name` is open, NoMonitorError when no
   * monitor of the name's shard answers.
   */
  async releaseDisruption(name: string): Promise<{ released: number; shards: string[] }> {
    requireToken("metric name", name);
    const subject = this.subjects.release(name);
    const replies: ReleaseReply[] = [];
    try {
      const answers = await this.nc.requestMany(subject, undefined, {
        strategy: RequestStrategy.JitterTimer,
        jitter: 300,
        maxWait: TUNING.operatorReplyWaitMs,
      });
      for await (const m of answers) {
        try {
          replies.push(m.json<ReleaseReply>());
        } catch {
          // not a monitor's reply
        }
      }
    } catch (err) {
      if ((err as NatsError).code !== ErrorCode.NoResponders) throw err;
    }
    if (replies.length === 0) throw new NoMonitorError(subject);
    const open = replies.filter((r) => r.open);
    if (open.length === 0) {
      throw new QueryError(404, `no disruption of ${name} is open: nothing to release (\`peermon status\` lists open disruptions)`);
    }
    return { released: Math.max(...open.map((r) => r.released)), shards: [...new Set(open.map((r) => r.shard))] };
  }

  /**
   * One query. A request that times out is sent once more (each attempt gets half the timeout):
   * the replica that took it may have died with it, and another replica of the shard answers.
   */
  private async query(subject: string, h?: MsgHdrs): Promise<Msg> {
    let reply: Msg | undefined;
    const attemptMs = Math.max(1, Math.ceil(this.timeoutMs / 2));
    for (let attempt = 1; !reply; attempt++) {
      try {
        reply = await this.nc.request(subject, undefined, { timeout: attemptMs, ...(h ? { headers: h } : {}) });
      } catch (err) {
        const code = (err as NatsError).code;
        if (code === ErrorCode.Timeout && attempt < 2) continue;
        if (code === ErrorCode.NoResponders || code === ErrorCode.Timeout) throw new NoMonitorError(subject, err);
        throw new QueryError(500, `query on ${subject} failed: ${(err as Error).message}`, { cause: err });
      }
    }
    const errorCode = reply.headers?.get("Nats-Service-Error-Code");
    if (errorCode) {
      throw new QueryError(Number(errorCode), reply.headers?.get("Nats-Service-Error") || `error ${errorCode}`);
    }
    return reply;
  }
}

/** Throws a PeermonError that says what a valid token is when `value` is not one. */
export function requireToken(what: string, value: string): void {
  if (!isValidToken(value)) {
    throw new PeermonError(`invalid ${what} ${JSON.stringify(value)}: use 1-255 bytes without spaces, '.', '*' or '>'`);
  }
}
