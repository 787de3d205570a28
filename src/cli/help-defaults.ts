/**
 * `serve --help` states every option's default. Defaults live once, in DEFAULT_CONFIG; each
 * setting of settings.ts says which config field it sets, so help cannot drift from behaviour.
 * Commander cannot show them itself: a commander default would beat the environment and the
 * config file (flags > env > file > DEFAULT_CONFIG).
 */
import { Help, type Command, type Option } from "commander";
import { DEFAULT_CONFIG } from "../config.js";
import { formatDuration } from "../duration.js";

/** What a default reads like when the config value does not say it well (undefined, 0). */
const WORDS: Record<string, string> = {
  shard: "all partitions",
  http: "off",
  "nats.creds": "none",
  "nats.nkey": "none",
  "nats.user": "none",
  "nats.password": "none",
  repeatIntervalMs: "0, never",
  alertmanagerUrls: "none",
  externalUrl: "the --http address",
};

/** Options that set no config field. */
export const OPTION_DEFAULTS: Record<string, string> = {
  config: "none",
  localNats: "off",
  jetstream: "JetStream is used when the server has it",
  durableWindows: "a restart gets its windows back from a sibling or from checkpoints",
};

/** The default of a config field (`graceMs`, `nats.servers`), as a user writes it. */
export function defaultText(field: string): string {
  if (WORDS[field] !== undefined) return WORDS[field];
  const value = field.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], DEFAULT_CONFIG);
  if (value === undefined) return "none";
  if (typeof value === "number" && field.endsWith("Ms")) return formatDuration(value);
  return String(value);
}

/** Adds `default: ...` to the help of each option of `cmd` found in `defaults` (by attribute name). */
export function showDefaults(cmd: Command, defaults: Record<string, string>): Command {
  return cmd.configureHelp({
    optionDescription(this: Help, option: Option): string {
      const base = Help.prototype.optionDescription.call(this, option);
      const text = defaults[option.attributeName()];
      if (text === undefined) return base;
      // "... (env NATS_URL)" becomes "... (env NATS_URL; default: nats://127.0.0.1:4222)"
      return /\(env [^()]*\)$/.test(base) ? `${base.slice(0, -1)}; default: ${text})` : `${base} (default: ${text})`;
    },
  });
}
