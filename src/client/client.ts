/**
 * PeerMonitorClient: what peers, allocators and operators use to talk to peermon over NATS.
 * It knows only the public subjects; shards and replicas are invisible to it.
 */
import { ErrorCode, RequestStrategy, type NatsConnection, type NatsError, type Msg } from "nats";
import { encodeMetric, encodePeerSet, decode } from "../api/codec.js";
import { Subjects, isValidToken } from "../api/subjects.js";
import type { Metric, MetricInput, PeerSet } from "../api/types.js";
import { followAlerts, type AlertFilter, type AlertStream } from "./alerts.js";
import { startInformer, type Informer, type InformerOptions } from "./informer.js";
import { decodeMetric, decodeMetricList } from "../api/validate.js";
import { NoMonitorError, PeermonError, QueryError } from "../errors.js";
import { MISSING_SHARDS_HEADER } from "../bus/names.js";
import { PeerSetStore, type PeerSetChange } from "./peerset.js";
import { SilenceStore } from "./silences.js";
import type { SilenceInput } from "../api/silence.js";
import type { Silence } from "../api/types.js";
import type { ReleaseReply } from "../bus/disruption-log.js";
import { TUNING } from "../config.js";

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

  /** Publishes one metric on `<prefix>.metrics.<name>.<peer>`; omitted fields take zero values. */
  publishMetric(input: MetricInput): void {
    requireToken("metric name", input.name);
    requireToken("peer id", input.peer);
    const metric: Metric = {
      value: "",
      expire: 0n,
      valid: false,
      weight: 0n,
      partitionable: false,
      receivedAt: 0n,
      ...input,
    };
    this.nc.publish(this.subjects.metric(metric.name, metric.peer), encodeMetric(metric));
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

  /** Publishes `name` for `peer` every ttl/2 (ttl/4 after a failed `produce`) until stopped. */
  startInformer(options: Omit<InformerOptions, "peer"> & { peer: string }): Informer {
    requireToken("metric name", options.name);
    requireToken("peer id", options.peer);
    return startInformer((m) => this.publishMetric(m), options);
  }

  /** Publishes a full PeerSet snapshot. */
  publishPeerSet(peerset: PeerSet): void {
    for (const p of peerset.peers) requireToken("peer id", p);
    this.nc.publish(this.subjects.peerset, encodePeerSet(peerset));
  }

  /** The latest valid, unexpired metric of `name` for each current peer. */
  async latest(name: string): Promise<Metric[]> {
    requireToken("metric name", name);
    return decodeMetricList((await this.query(this.subjects.latest(name))).data);
  }

  /** The latest metric of `name` from `peer`, expired or not. Throws QueryError (404) when there is none. */
  async latestForPeer(name: string, peer: string): Promise<Metric> {
    requireToken("metric name", name);
    requireToken("peer id", peer);
    return decodeMetric((await this.query(this.subjects.peer(name, peer))).data);
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
  private async query(subject: string): Promise<Msg> {
    let reply: Msg | undefined;
    const attemptMs = Math.max(1, Math.ceil(this.timeoutMs / 2));
    for (let attempt = 1; !reply; attempt++) {
      try {
        reply = await this.nc.request(subject, undefined, { timeout: attemptMs });
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
