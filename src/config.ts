/**
 * The one typed configuration of a monitor. Every field states its unit, its default and why.
 * `DEFAULT_CONFIG` is the single place defaults live; `validateConfig` checks a whole config once,
 * at start, and names the field that is wrong.
 */
import { ConfigError } from "./errors.js";
import { isValidToken } from "./api/subjects.js";
import { requireChoice, requireDuration, requireInt, stripUndefined, validateDelivery, validateShard } from "./config-checks.js";
export { parseShard } from "./config-checks.js";

export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
export const LOG_LEVELS: readonly LogLevel[] = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

/** Which part of the partition space an instance owns: partitions p with p mod count == index. */
export interface ShardSpec {
  index: number;
  count: number;
}

export interface NatsSettings {
  /** Server URL(s), comma separated. @default "nats://127.0.0.1:4222" (the NATS convention) */
  servers: string;
  /** Path of a NATS credentials file. @default undefined */
  creds?: string;
  /**
   * Path of a file holding an nkey seed (`SU…`): the client signs the server's nonce with it.
   * A cluster peer's libp2p Ed25519 key is one (`peermon auth`). @default undefined
   */
  nkey?: string;
  /** User name for user/password authentication. @default undefined */
  user?: string;
  /** Password for user/password authentication. @default undefined */
  password?: string;
}

export interface MonitorConfig {
  nats: NatsSettings;
  /** First token of every peermon subject. @default "peermon" (must match nats.conf's mappings) */
  prefix: string;
  /**
   * Number of partitions that nats.conf's `partition()` mappings spread metric names over.
   * @default 32 (enough to grow to 32 shards without touching publishers)
   */
  partitions: number;
  /** The shard this instance owns; undefined owns every partition. @default undefined */
  shard?: ShardSpec;
  /** Metrics kept per (name, peer) window. @default 10 (IPFS Cluster's original window) */
  windowCapacity: number;
  /**
   * Windows tracked at most; a metric that would open one more is rejected (`over_limit`) and
   * logged. @default 2000000 (about 5 GiB at 2.5 KiB each under load: size it with the memory, deploy/README.md)
   */
  maxWindows: number;
  /** Distinct metric names tracked at most (same). @default 1000 (IPFS Cluster uses a handful) */
  maxNames: number;
  /** Re-send a firing alert every this many ms while it lasts; 0 never. @default 0 (one per episode) */
  repeatIntervalMs: number;
  /**
   * After the monitor itself was cut off (NATS down, a probe unanswered), deadlines that passed or
   * fall due within this many ms of recovery are re-checked only when it has elapsed (a stall gets none).
   * @default 30000 (one ping period of IPFS Cluster: a live peer has re-published by then)
   */
  graceMs: number;
  /** A timer that fires this many ms late means the event loop stalled (counted and logged). @default 1000 */
  stallThresholdMs: number;
  /**
   * The wall clock (judging `e`; stamping `t`, `r`, alert ids) is the monotonic clock plus an
   * offset, re-anchored to the system clock when they disagree by more than this many ms.
   * @default 100 (below ntpd's 128 ms step threshold, so every step NTP makes, and a leap second,
   * is followed; far above the microseconds two clock reads differ by where NTP slews both alike,
   * as on Linux; where the monotonic clock is not slewed, 50 ppm of drift re-anchors every ~30 min)
   */
  wallStepThresholdMs: number;
  /** Period of the round-trip probe that tells whether the NATS connection still works. @default 1000 */
  probeIntervalMs: number;
  /** A probe with no answer after this many ms marks the connection as impaired. @default 2000 */
  probeTimeoutMs: number;
  /** Minimum ms between two log lines about rejected input. @default 10000 */
  rejectLogIntervalMs: number;
  /** pino log level. @default "info" */
  logLevel: LogLevel;
  /**
   * Use JetStream when the server has it: the peerset stream `<PREFIX>_PEERSET` and the alert log
   * `<PREFIX>_ALERTS` (exactly-once alerts across replicas, catch-up for offline consumers).
   * @default true
   */
  jetstream: boolean;
  /** Replicas of peermon's streams: 1 on a single server, 3 on a 3-node cluster. @default 1 */
  streamReplicas: number;
  /** How long the alert log keeps alerts for consumers to catch up, ms. @default 86400000 (a day) */
  alertRetentionMs: number;
  /**
   * A restarted shard comes back with its windows: from a live replica of its shard when one
   * answers, else from checkpoints in JetStream (stream `<PREFIX>_WINDOWS`, each window's newest
   * metric). False: nothing is stored or handed over, a restart starts empty. @default true
   */
  durableWindows: boolean;
  /**
   * Checkpoints are written every this many ms: a window restored from one is at most this old
   * (plus the time the shard was down), and the server writes each window once per interval
   * (docs/durability.md has the cost). @default 10000 (a third of the 30 s grace, under IPFS
   * Cluster's 15 s metric period: a peer that published once since is back in the newest checkpoint)
   */
  checkpointIntervalMs: number;
  /**
   * A checkpoint nobody rewrote for this long is dropped by the server (a shard down that long
   * restarts empty), ms; unchanged checkpoints are rewritten at a quarter of it.
   * @default 3600000 (an hour)
   */
  windowRetentionMs: number;
  /**
   * When a window of a name is about to fire and more than this fraction of the name's tracked
   * peers are late or expired, the name is in a disruption: one event instead of an alert per
   * peer, firing alerts held until it ends or is released; 0 turns it off.
   * @default 0.5 (half the fleet silent at once is a partition or a broken network, not
   * independent failures: Kubernetes' node lifecycle stops evicting at a comparable share)
   */
  disruptionThreshold: number;
  /**
   * Names with fewer tracked peers never go into a disruption: in a small cluster every alert counts.
   * @default 10 (below that, half the peers is a handful: alert them one by one)
   */
  disruptionMinPeers: number;
  /**
   * Early suspicion (ARCHITECTURE.md, "Suspicion"): a detector per window (`rhythm`,
   * src/window/detectors/rhythm.ts, 72 bytes a window) announces a peer later than its own
   * rhythm explains, before its ttl runs out, on `<prefix>.suspects.<name>.<peer>`; `latest` leaves
   * suspects out when asked. It never fires an alert.
   * @default false (docs/detection.md: at ttl = 2 x interval a crashed peer is known in 0.72-0.79 of
   * the TTL's time, not the 0.5 that would make a second signal worth it for every consumer by
   * default; turn it on where peers send 4 or more metrics per ttl: 0.46 with about one false
   * suspicion per peer-week)
   */
  suspicion: boolean;
  /**
   * Expiry confirmation: `auto` fires a peer that loses metrics once the metrics it should have sent since
   * its deadline are overdue too (window/detectors/confirmation.ts). @default "auto" (docs/detection.md: a
   * third fewer false expiries where metrics get lost, a crash still known sooner than IPFS Cluster's check
   * knows it, a punctual peer exactly as with `off`)
   */
  confirm: "auto" | "off";
  /** Serve /healthz and /readyz on this address. @default undefined (no HTTP) */
  http?: { host: string; port: number };
  // ---- delivery to people (src/delivery): Alertmanager and a webhook, from the alert log ----
  /**
   * Prometheus Alertmanager URLs (`http://am:9093`); every alert goes to each of them, as
   * Alertmanager's HA model wants (each instance must see every alert). @default [] (none)
   */
  alertmanagerUrls: string[];
  /**
   * Post firing alerts to Alertmanager again this often while they last, ms. @default 60000
   * (Alertmanager resolves an alert not heard of for its resolve_timeout, 5 m by default: four
   * missed rounds still leave it firing; keep it below the resolve_timeout you configure)
   */
  alertmanagerRepostMs: number;
  /** A receiver of Alertmanager's webhook payload (version 4). @default undefined (none) */
  webhookUrl?: string;
  /** Key of each webhook body's `X-Peermon-Signature` (HMAC-SHA256). @default undefined (unsigned) */
  webhookSecret?: string;
  /**
   * Where people reach this monitor's status page: the alerts' generatorURL and the webhook's
   * externalURL. @default derived from `http` (this host's name when it listens on all interfaces)
   */
  externalUrl?: string;
  /**
   * Alerts of one metric name that fall due within this many ms of the first go in one POST, ms;
   * those arriving while a POST is out join the next one. @default 10 (a lone alert waits no
   * longer; a burst reaches the log at a few thousand alerts/s, so its POSTs still carry dozens:
   * 1,000 alerts in ~27 POSTs, docs/benchmarks.md)
   */
  deliveryBatchMs: number;
  /** Alerts in one POST at most. @default 500 (about 300 KB of JSON: what chat bridges accept) */
  deliveryBatchMax: number;
  /**
   * Alerts held by an instance that died go to another one after this long, ms (the delivery
   * consumers' AckWait; a live instance confirms the alerts it retries every third of it).
   * @default 30000 (a restart is noticed within half a minute, without hurrying slow receivers)
   */
  deliveryAckWaitMs: number;
  /**
   * Alerts of one destination out for delivery at once, all instances together (max_ack_pending).
   * @default 1000 (a burst of 1,000 alerts flows without waiting on acks; while a receiver is down
   * it bounds what instances hold and confirm: about 1 MB)
   */
  deliveryMaxPending: number;
  /** A POST with no answer after this long fails and is retried, ms. @default 10000 */
  deliveryTimeoutMs: number;
}

export const DEFAULT_NATS_URL = "nats://127.0.0.1:4222";

export { TUNING } from "./tuning.js";

export const DEFAULT_CONFIG: Readonly<MonitorConfig> = Object.freeze({
  nats: Object.freeze({ servers: DEFAULT_NATS_URL }),
  prefix: "peermon",
  partitions: 32,
  shard: undefined,
  windowCapacity: 10,
  maxWindows: 2_000_000,
  maxNames: 1_000,
  repeatIntervalMs: 0,
  graceMs: 30_000,
  stallThresholdMs: 1_000,
  wallStepThresholdMs: 100,
  probeIntervalMs: 1_000,
  probeTimeoutMs: 2_000,
  rejectLogIntervalMs: 10_000,
  logLevel: "info",
  jetstream: true,
  streamReplicas: 1,
  alertRetentionMs: 86_400_000,
  durableWindows: true,
  checkpointIntervalMs: 10_000,
  windowRetentionMs: 3_600_000,
  alertmanagerUrls: [],
  alertmanagerRepostMs: 60_000,
  deliveryBatchMs: 10,
  deliveryBatchMax: 500,
  deliveryAckWaitMs: 30_000,
  deliveryMaxPending: 1_000,
  deliveryTimeoutMs: 10_000,
  disruptionThreshold: 0.5,
  disruptionMinPeers: 10,
  suspicion: false,
  confirm: "auto",
});

/**
 * A preset for tests: short grace and probes so that outage handling is observable in seconds.
 * The stall threshold stays generous because CI machines stall for hundreds of ms under load.
 */
export const TEST_CONFIG: Readonly<Partial<MonitorConfig>> = Object.freeze({
  graceMs: 1_500,
  probeIntervalMs: 200,
  probeTimeoutMs: 1_000,
  logLevel: "silent",
  // Tests of per-peer alerting silence many peers at once; disruption tests turn it on.
  disruptionThreshold: 0,
});

export type ConfigInput = Partial<Omit<MonitorConfig, "nats">> & { nats?: Partial<NatsSettings> };

/** Merges `input` over the defaults and validates the result. Throws ConfigError naming the field. */
export function resolveConfig(input: ConfigInput = {}): MonitorConfig {
  const config: MonitorConfig = {
    ...DEFAULT_CONFIG,
    ...stripUndefined(input),
    nats: { ...DEFAULT_CONFIG.nats, ...stripUndefined(input.nats ?? {}) },
  };
  validateConfig(config);
  return config;
}

export function validateConfig(c: MonitorConfig): void {
  requireInt("windowCapacity", c.windowCapacity, 1, 100_000, "a window keeps at least one metric");
  requireInt("maxWindows", c.maxWindows, 1, 100_000_000, "it bounds the monitor's memory");
  requireInt("maxNames", c.maxNames, 1, 1_000_000, "it bounds the metric names tracked");
  requireInt("partitions", c.partitions, 1, 1_024, "it must equal the partition() count in nats.conf");
  requireDuration("repeatIntervalMs", c.repeatIntervalMs, 0);
  requireDuration("graceMs", c.graceMs, 0);
  requireDuration("stallThresholdMs", c.stallThresholdMs, 10);
  requireDuration("wallStepThresholdMs", c.wallStepThresholdMs, 10);
  requireDuration("probeIntervalMs", c.probeIntervalMs, 10);
  requireDuration("probeTimeoutMs", c.probeTimeoutMs, 10);
  requireDuration("rejectLogIntervalMs", c.rejectLogIntervalMs, 0);
  requireInt("streamReplicas", c.streamReplicas, 1, 5, "JetStream keeps 1 to 5 copies of a stream");
  requireDuration("alertRetentionMs", c.alertRetentionMs, 1_000);
  requireDuration("windowRetentionMs", c.windowRetentionMs, 1_000);
  requireDuration("checkpointIntervalMs", c.checkpointIntervalMs, 100);
  if (c.checkpointIntervalMs * 4 > c.windowRetentionMs) {
    throw new ConfigError(
      "checkpointIntervalMs",
      c.checkpointIntervalMs,
      "use at most a quarter of the window retention: the server drops checkpoints nobody rewrote within it",
    );
  }
  requireInt("disruptionMinPeers", c.disruptionMinPeers, 1, 10_000_000, "a disruption needs at least one tracked peer");
  if (typeof c.disruptionThreshold !== "number" || !(c.disruptionThreshold >= 0 && c.disruptionThreshold < 1)) {
    throw new ConfigError("disruptionThreshold", c.disruptionThreshold, "use a fraction from 0 (off) to below 1, like 0.5");
  }
  if (!isValidToken(c.prefix)) {
    throw new ConfigError("prefix", c.prefix, "use one subject token: no spaces, '.', '*' or '>'");
  }
  requireChoice("confirm", c.confirm, ["auto", "off"]);
  if (!LOG_LEVELS.includes(c.logLevel)) {
    throw new ConfigError("logLevel", c.logLevel, `use one of ${LOG_LEVELS.join(", ")}`);
  }
  if (typeof c.nats.servers !== "string" || c.nats.servers.trim() === "") {
    throw new ConfigError("nats.servers", c.nats.servers, "give a URL such as nats://127.0.0.1:4222");
  }
  if ((c.nats.user === undefined) !== (c.nats.password === undefined)) {
    throw new ConfigError("nats.user", c.nats.user, "give both a user and a password, or neither");
  }
  if (c.nats.nkey !== undefined && (c.nats.creds !== undefined || c.nats.user !== undefined)) {
    throw new ConfigError("nats.nkey", c.nats.nkey, "log in one way: an nkey seed, a credentials file or a user and password, not several");
  }
  if (c.shard) validateShard(c.shard, c.partitions);
  validateDelivery(c);
}
