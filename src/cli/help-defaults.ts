/**
 * `--help` states every option's default. Defaults live once, in DEFAULT_CONFIG; each setting of
 * settings.ts says which config field it sets, so help cannot drift from behaviour. Commander
 * cannot show them itself: a commander default would beat the environment and the config file
 * (flags > env > file > DEFAULT_CONFIG).
 */
import { DEFAULT_CONFIG } from "../config.js";
import { formatDuration } from "../duration.js";

/** What a default reads like when the config value does not say it well (undefined, 0). */
const WORDS: Record<string, string> = {
  "nats.creds": "none",
  "nats.nkey": "none",
  "nats.user": "none",
  "nats.password": "none",
};

/** The default of a config field (`graceMs`, `nats.servers`), as a user writes it. */
export function defaultText(field: string): string {
  if (WORDS[field] !== undefined) return WORDS[field];
  const value = field.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], DEFAULT_CONFIG);
  if (value === undefined) return "none";
  if (typeof value === "number" && field.endsWith("Ms")) return formatDuration(value);
  return String(value);
}
