/**
 * The checks of one config field each, for validateConfig (config.ts): each throws a ConfigError
 * that names the field and says what to write instead.
 */
import { parseDestinationUrl, redactUrl } from "./delivery/destination-url.js";
import { ConfigError } from "./errors.js";

/** An http(s) URL; the error shows it redacted (credentials and tokens stay out of messages). */
export function requireUrl(field: string, url: unknown): void {
  try {
    if (typeof url !== "string") throw new TypeError("not a URL: write it like http://alertmanager:9093");
    parseDestinationUrl(url);
  } catch (err) {
    throw new ConfigError(field, typeof url === "string" ? redactUrl(url) : String(url), (err as Error).message);
  }
}

/** Parses `I/N` as written on the command line; errors name `source` (the flag or env var used). */
export function parseShard(text: string, source = "shard"): { index: number; count: number } {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!match) throw new ConfigError(source, text, "write it as INDEX/COUNT, for example --shard 0/2");
  return { index: Number(match[1]), count: Number(match[2]) };
}

export function validateShard(shard: { index: number; count: number }, partitions: number): void {
  const text = `${shard.index}/${shard.count}`;
  if (!Number.isInteger(shard.count) || shard.count < 1 || shard.count > partitions) {
    throw new ConfigError("shard", text, `the shard count must be 1..${partitions} (the partitions in nats.conf)`);
  }
  if (!Number.isInteger(shard.index) || shard.index < 0 || shard.index >= shard.count) {
    throw new ConfigError("shard", text, `the shard index must be 0..${shard.count - 1}, as in --shard 0/${shard.count}`);
  }
}

/** A whole number within [min, max]. */
export function requireInt(field: string, value: unknown, min: number, max: number, why: string): void {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(field, value, `use a whole number from ${min} to ${max}: ${why}`);
  }
}

/** One of `choices`. */
export function requireChoice(field: string, value: unknown, choices: readonly string[]): void {
  if (!choices.includes(value as string)) throw new ConfigError(field, value, `use one of ${choices.join(", ")}`);
}

/** A duration in ms of at least `minMs`. */
export function requireDuration(field: string, value: unknown, minMs: number): void {
  if (typeof value !== "number" || !Number.isFinite(value) || value < minMs) {
    throw new ConfigError(field, value, `use a duration of at least ${minMs}ms, written like 500ms, 30s or 5m`);
  }
}

/** The delivery fields of a config (MonitorConfig's), checked together. */
export interface DeliveryFields {
  alertmanagerUrls: unknown;
  webhookUrl?: string;
  webhookSecret?: string;
  externalUrl?: string;
  alertmanagerRepostMs: number;
  deliveryBatchMs: number;
  deliveryBatchMax: number;
  deliveryAckWaitMs: number;
  deliveryMaxPending: number;
  deliveryTimeoutMs: number;
}

/** Alertmanager and webhook URLs, the secret (never shown), and delivery's timings and bounds. */
export function validateDelivery(c: DeliveryFields): void {
  if (!Array.isArray(c.alertmanagerUrls)) {
    throw new ConfigError("alertmanagerUrls", "<not a list>", "give URLs separated by commas, like http://am-0:9093,http://am-1:9093");
  }
  for (const url of c.alertmanagerUrls) requireUrl("alertmanagerUrls", url);
  if (c.webhookUrl !== undefined) requireUrl("webhookUrl", c.webhookUrl);
  if (c.externalUrl !== undefined) requireUrl("externalUrl", c.externalUrl);
  if (c.webhookSecret !== undefined) {
    // The secret itself never appears in an error.
    if (typeof c.webhookSecret !== "string" || c.webhookSecret === "") {
      throw new ConfigError("webhookSecret", "<redacted>", "give a non-empty secret (better in the environment than on the command line)");
    }
    if (c.webhookUrl === undefined) throw new ConfigError("webhookSecret", "<redacted>", "it signs webhook bodies: give the webhook URL too");
  }
  requireDuration("alertmanagerRepostMs", c.alertmanagerRepostMs, 1_000);
  requireDuration("deliveryBatchMs", c.deliveryBatchMs, 0);
  requireInt("deliveryBatchMax", c.deliveryBatchMax, 1, 100_000, "it bounds the alerts in one POST");
  requireDuration("deliveryAckWaitMs", c.deliveryAckWaitMs, 1_000);
  requireInt("deliveryMaxPending", c.deliveryMaxPending, 1, 1_000_000, "it bounds the alerts out for delivery at once");
  requireDuration("deliveryTimeoutMs", c.deliveryTimeoutMs, 100);
}

/** `o` without its undefined fields (so that they do not hide defaults when merged). */
export function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
