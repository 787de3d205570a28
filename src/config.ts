/**
 * The one typed configuration of a monitor. Every field states its unit, its default and why.
 * `DEFAULT_CONFIG` is the single place defaults live; `validateConfig` checks a whole config once,
 * at start, and names the field that is wrong.
 */
import { ConfigError } from "./errors.js";
import { isValidToken } from "./api/subjects.js";

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
   * logged. @default 2000000 (about 11 GiB of heap at 5.6 KiB each: set it to what the host holds)
   */
  maxWindows: number;
  /** Distinct metric names tracked at most (same). @default 1000 (IPFS Cluster uses a handful) */
  maxNames: number;
  /** Re-send a firing alert every this many ms while it lasts; 0 never. @default 0 (one per episode) */
  repeatIntervalMs: number;
  /**
   * After the monitor itself was cut off (NATS down, event loop stalled), deadlines that passed or
   * fall due within this many ms of recovery are re-checked only when it has elapsed.
   * @default 30000 (one ping period of IPFS Cluster: a live peer has re-published by then)
   */
  graceMs: number;
  /** A timer that fires this many ms late means the event loop stalled. @default 1000 */
  stallThresholdMs: number;
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
  /** Serve /healthz and /readyz on this address. @default undefined (no HTTP) */
  http?: { host: string; port: number };
}

export const DEFAULT_NATS_URL = "nats://127.0.0.1:4222";

/**
 * Fixed tunables: not settings an operator changes, but numbers the code depends on, kept here
 * with their reasons so that no default hides inline in an I/O module.
 */
export const TUNING = Object.freeze({
  /** First connection attempt gives up after this long, ms: a wrong --nats fails fast. */
  connectTimeoutMs: 5_000,
  /** Pause between reconnect attempts, ms (nats.js adds its own jitter): back within a second. */
  reconnectWaitMs: 500,
  /** Client PING period, ms, and unanswered PINGs before the client calls the link stale: a
   * half-open TCP connection is noticed in about 20 s by the client (the link probe is faster). */
  pingIntervalMs: 10_000,
  maxPingsOut: 2,
  /** Each shutdown step (services, peerset, alerts, drain) waits at most this long, ms, so that a
   * monitor whose server is gone still stops. */
  stopStepMs: 2_000,
  /** The final drain of the connection waits at most this long, ms. */
  drainMs: 3_000,
  /** A sharded `names` query waits this long for every shard, ms (a live shard answers in ms). */
  namesGatherMs: 1_000,
  /** Peers listed per metric name on the status page (troubled first): a page stays light. */
  statusPeersPerName: 200,
  /**
   * Each JetStream request of an alert append gives up after this long, ms: while a stream elects
   * a new leader requests go unanswered, and a short timeout with quick retries gets the alert
   * through soon after the election instead of one default timeout (5 s) later.
   */
  appendTimeoutMs: 1_000,
  /** Alerts in flight to the bus at once: a backlog is worked off this many at a time. */
  maxAlertsInFlight: 64,
  /** Longest pause between two attempts of an alert that failed, ms. */
  maxAlertRetryPauseMs: 1_000,
  /** A window replay that received nothing for this long asks the server whether anything is left, ms. */
  replayIdleCheckMs: 250,
  /**
   * A checkpoint or transfer message holds about this many bytes of windows (at most a quarter of
   * the server's max_payload): ~1,500 windows, small enough to write and read without a stall.
   */
  windowBatchBytes: 256 * 1024,
  /** Checkpoint messages awaiting the server's acknowledgement at once. */
  checkpointsInFlight: 8,
  /** Checkpoint messages read ahead at a restore (each up to windowBatchBytes). */
  checkpointReadAhead: 16,
  /**
   * Each request of a transfer from a sibling replica waits this long, ms: a live sibling answers
   * in milliseconds, and a restore that falls back to checkpoints must still answer within 2 s.
   */
  transferTimeoutMs: 1_000,
  /** Transfer requests in flight at once. */
  transferConcurrency: 4,
  /** A sibling keeps the bucket split it made for a transfer this long, ms (one transfer's length). */
  transferSplitKeepMs: 10_000,
});

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
  requireDuration("probeIntervalMs", c.probeIntervalMs, 10);
  requireDuration("probeTimeoutMs", c.probeTimeoutMs, 10);
  requireDuration("rejectLogIntervalMs", c.rejectLogIntervalMs, 0);
  requireInt("streamReplicas", c.streamReplicas, 1, 5, "JetStream keeps 1 to 5 copies of a stream");
  requireDuration("alertRetentionMs", c.alertRetentionMs, 1_000);
  requireDuration("windowRetentionMs", c.windowRetentionMs, 1_000);
  requireDuration("checkpointIntervalMs", c.checkpointIntervalMs, 100);
  if (c.checkpointIntervalMs * 4 > c.windowRetentionMs) {
    throw new ConfigError("checkpointIntervalMs", c.checkpointIntervalMs, "use at most a quarter of the window retention: the server drops checkpoints nobody rewrote within it");
  }
  if (!isValidToken(c.prefix)) {
    throw new ConfigError("prefix", c.prefix, "use one subject token: no spaces, '.', '*' or '>'");
  }
  if (!LOG_LEVELS.includes(c.logLevel)) {
    throw new ConfigError("logLevel", c.logLevel, `use one of ${LOG_LEVELS.join(", ")}`);
  }
  if (typeof c.nats.servers !== "string" || c.nats.servers.trim() === "") {
    throw new ConfigError("nats.servers", c.nats.servers, "give a URL such as nats://127.0.0.1:4222");
  }
  if ((c.nats.user === undefined) !== (c.nats.password === undefined)) {
    throw new ConfigError("nats.user", c.nats.user, "give both a user and a password, or neither");
  }
  if (c.shard) validateShard(c.shard, c.partitions);
}

function validateShard(shard: ShardSpec, partitions: number): void {
  const text = `${shard.index}/${shard.count}`;
  if (!Number.isInteger(shard.count) || shard.count < 1 || shard.count > partitions) {
    throw new ConfigError("shard", text, `the shard count must be 1..${partitions} (the partitions in nats.conf)`);
  }
  if (!Number.isInteger(shard.index) || shard.index < 0 || shard.index >= shard.count) {
    throw new ConfigError("shard", text, `the shard index must be 0..${shard.count - 1}, as in --shard 0/${shard.count}`);
  }
}

/** Parses `I/N` as written on the command line; errors name `source` (the flag or env var used). */
export function parseShard(text: string, source = "shard"): ShardSpec {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!match) throw new ConfigError(source, text, "write it as INDEX/COUNT, for example --shard 0/2");
  return { index: Number(match[1]), count: Number(match[2]) };
}

function requireInt(field: string, value: unknown, min: number, max: number, why: string): void {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(field, value, `use a whole number from ${min} to ${max}: ${why}`);
  }
}

function requireDuration(field: string, value: unknown, minMs: number): void {
  if (typeof value !== "number" || !Number.isFinite(value) || value < minMs) {
    throw new ConfigError(field, value, `use a duration of at least ${minMs}ms, written like 500ms, 30s or 5m`);
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
