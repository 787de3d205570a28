/**
 * Command-line settings: each one has a flag, an environment variable and a config-file key, and
 * flags beat the environment, which beats the file. Errors name what the user wrote.
 */
import { readFileSync } from "node:fs";
import { parseShard, resolveConfig, type ConfigInput, type MonitorConfig, type NatsSettings } from "../config.js";
import { parseDuration } from "../duration.js";
import { ConfigError } from "../errors.js";
import { parseHttpAddress } from "../http/server.js";
import { closest } from "./closest.js";
import { defaultText, OPTION_DEFAULTS } from "./help-defaults.js";

type Raw = string | number | boolean;

export interface Setting {
  /** Commander's option key (camelCase of the flag). */
  key: string;
  flag: string;
  env: string;
  /** The config field it sets, for error messages. */
  field: string;
  apply(input: ConfigInput, value: Raw, source: string): void;
}

const text = (v: Raw) => String(v);

function natsSetting(key: keyof NatsSettings & string, flag: string, env: string): Setting {
  return {
    key: key === "servers" ? "nats" : key,
    flag,
    env,
    field: `nats.${key}`,
    apply: (input, v) => {
      input.nats = { ...input.nats, [key]: text(v) };
    },
  };
}

/**
 * A setting of one config field whose text (or number, from a config file) `parse` turns into the
 * field's value; undefined means the value is wrong, and the error says `hint`.
 */
function fieldSetting(key: string, flag: string, env: string, field: keyof MonitorConfig, parse: (v: Raw) => unknown, hint: string): Setting {
  return {
    key,
    flag,
    env,
    field,
    apply: (input, v, source) => {
      const value = parse(v);
      if (value === undefined) throw new ConfigError(source, v, hint);
      (input as Record<string, unknown>)[field] = value;
    },
  };
}

function durationSetting(key: string, flag: string, env: string, field: keyof MonitorConfig): Setting {
  const parse = (v: Raw) => (typeof v === "number" ? v : parseDuration(text(v)));
  return fieldSetting(key, flag, env, field, parse, "write a duration like 500ms, 30s or 5m");
}

function intSetting(key: string, flag: string, env: string, field: keyof MonitorConfig, example: string): Setting {
  const parse = (v: Raw) => (Number.isInteger(Number(v)) ? Number(v) : undefined);
  return fieldSetting(key, flag, env, field, parse, `give a whole number of ${example}`);
}

function fractionSetting(key: string, flag: string, env: string, field: keyof MonitorConfig, example: string): Setting {
  const parse = (v: Raw) => {
    const n = typeof v === "number" ? v : text(v).trim() === "" ? Number.NaN : Number(v);
    return Number.isFinite(n) ? n : undefined;
  };
  return fieldSetting(key, flag, env, field, parse, `give a fraction like ${example}`);
}

/** `on` or `off` (also true/false, yes/no, 1/0). */
function switchSetting(key: string, flag: string, env: string, field: keyof MonitorConfig): Setting {
  const parse = (v: Raw) => {
    const word = String(v).trim().toLowerCase();
    return ["on", "true", "yes", "1"].includes(word) ? true : ["off", "false", "no", "0"].includes(word) ? false : undefined;
  };
  return fieldSetting(key, flag, env, field, parse, "write on or off");
}

function textSetting(key: string, flag: string, env: string, field: keyof MonitorConfig): Setting {
  return { key, flag, env, field, apply: (input, v) => ((input as Record<string, unknown>)[field] = text(v)) };
}

export const CONNECTION_SETTINGS: Setting[] = [
  natsSetting("servers", "--nats", "NATS_URL"),
  natsSetting("creds", "--creds", "NATS_CREDS"),
  natsSetting("user", "--user", "NATS_USER"),
  natsSetting("password", "--password", "NATS_PASSWORD"),
  {
    key: "prefix",
    flag: "--prefix",
    env: "PEERMON_PREFIX",
    field: "prefix",
    apply: (input, v) => (input.prefix = text(v)),
  },
];

export const SERVE_SETTINGS: Setting[] = [
  {
    key: "shard",
    flag: "--shard",
    env: "PEERMON_SHARD",
    field: "shard",
    apply: (input, v, source) => (input.shard = parseShard(text(v), source)),
  },
  intSetting("window", "--window", "PEERMON_WINDOW", "windowCapacity", "metrics, like 10"),
  intSetting("maxWindows", "--max-windows", "PEERMON_MAX_WINDOWS", "maxWindows", "windows, like 2000000"),
  intSetting("maxNames", "--max-names", "PEERMON_MAX_NAMES", "maxNames", "names, like 1000"),
  intSetting("replicas", "--replicas", "PEERMON_STREAM_REPLICAS", "streamReplicas", "stream copies, like 3"),
  intSetting("partitions", "--partitions", "PEERMON_PARTITIONS", "partitions", "partitions, like 32"),
  durationSetting("repeat", "--repeat", "PEERMON_REPEAT", "repeatIntervalMs"),
  durationSetting("grace", "--grace", "PEERMON_GRACE", "graceMs"),
  durationSetting("alertRetention", "--alert-retention", "PEERMON_ALERT_RETENTION", "alertRetentionMs"),
  durationSetting("windowRetention", "--window-retention", "PEERMON_WINDOW_RETENTION", "windowRetentionMs"),
  fractionSetting("disruptionThreshold", "--disruption-threshold", "PEERMON_DISRUPTION_THRESHOLD", "disruptionThreshold", "0.5 (0 turns it off)"),
  intSetting("disruptionMinPeers", "--disruption-min-peers", "PEERMON_DISRUPTION_MIN_PEERS", "disruptionMinPeers", "peers, like 10"),
  switchSetting("suspicion", "--suspicion", "PEERMON_SUSPICION", "suspicion"),
  durationSetting("checkpointInterval", "--checkpoint-interval", "PEERMON_CHECKPOINT_INTERVAL", "checkpointIntervalMs"),
  {
    key: "http",
    flag: "--http",
    env: "PEERMON_HTTP",
    field: "http",
    apply: (input, v, source) => {
      try {
        input.http = parseHttpAddress(text(v));
      } catch (err) {
        throw err instanceof ConfigError ? new ConfigError(source, v, err.hint) : err;
      }
    },
  },
  // Delivery to people (issue 10).
  {
    key: "alertmanager",
    flag: "--alertmanager",
    env: "PEERMON_ALERTMANAGER",
    field: "alertmanagerUrls",
    apply: (input, v) => {
      const list = Array.isArray(v) ? (v as unknown[]).map(String) : text(v).split(",");
      input.alertmanagerUrls = list.map((u) => u.trim()).filter(Boolean);
    },
  },
  durationSetting("alertmanagerRepost", "--alertmanager-repost", "PEERMON_ALERTMANAGER_REPOST", "alertmanagerRepostMs"),
  textSetting("webhook", "--webhook", "PEERMON_WEBHOOK", "webhookUrl"),
  textSetting("webhookSecret", "--webhook-secret", "PEERMON_WEBHOOK_SECRET", "webhookSecret"),
  textSetting("externalUrl", "--external-url", "PEERMON_EXTERNAL_URL", "externalUrl"),
  durationSetting("deliveryBatch", "--delivery-batch", "PEERMON_DELIVERY_BATCH", "deliveryBatchMs"),
  durationSetting("deliveryAckWait", "--delivery-ack-wait", "PEERMON_DELIVERY_ACK_WAIT", "deliveryAckWaitMs"),
  {
    key: "logLevel",
    flag: "--log-level",
    env: "PEERMON_LOG_LEVEL",
    field: "logLevel",
    apply: (input, v) => (input.logLevel = text(v) as MonitorConfig["logLevel"]),
  },
];

/** Each setting's default as `--help` shows it, by commander attribute name (see help-defaults.ts). */
export function settingDefaults(): Record<string, string> {
  const entries = [...CONNECTION_SETTINGS, ...SERVE_SETTINGS].map((s) => [s.key, defaultText(s.field)]);
  return { ...Object.fromEntries(entries), ...OPTION_DEFAULTS };
}

/** Boolean settings with a `--no-...` flag; in a config file they are written `"jetstream": false`. */
const SWITCHES = [
  { key: "jetstream", fileKeys: ["jetstream"], env: "PEERMON_JETSTREAM" },
  { key: "durableWindows", fileKeys: ["durable-windows", "durableWindows"], env: "PEERMON_DURABLE_WINDOWS" },
] as const;

/** Every key a config file may hold: each setting's flag name (and its camelCase), for every command. */
function knownFileKeys(): Set<string> {
  const keys = [...CONNECTION_SETTINGS, ...SERVE_SETTINGS].flatMap((s) => [s.flag.slice(2), s.key]);
  return new Set([...keys, ...SWITCHES.flatMap((s) => s.fileKeys)]);
}

/** Throws a ConfigError naming the first key that is no setting, and the closest one that is. */
function rejectUnknownKeys(file: Record<string, unknown>, path: string): void {
  const known = knownFileKeys();
  for (const [key, value] of Object.entries(file)) {
    if (known.has(key)) continue;
    const flagNames = [...known].filter((k) => !/[A-Z]/.test(k));
    throw new ConfigError(
      `key "${key}" in ${path}`,
      value,
      `there is no such setting: did you mean "${closest(key, known)}"? Keys are the flags' names: ${flagNames.join(", ")}`,
    );
  }
}

/** Reads a JSON config file whose keys are the flags' names (`nats`, `window`, `grace`, ...). */
export function readConfigFile(path: string): Record<string, Raw> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new ConfigError("--config", path, `cannot read it as JSON (${(err as Error).message})`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError("--config", path, 'it must hold one JSON object, like {"grace": "30s"}');
  }
  return parsed as Record<string, Raw>;
}

/**
 * Builds a validated MonitorConfig from commander's options, the environment and an optional file.
 * `scope` is "serve" for the monitor, "client" for the other commands (connection settings only).
 */
export function resolveSettings(flags: Record<string, unknown>, env: NodeJS.ProcessEnv, scope: "serve" | "client"): MonitorConfig {
  const configPath = (flags.config as string | undefined) ?? env.PEERMON_CONFIG;
  const file = configPath ? readConfigFile(configPath) : {};
  if (configPath) rejectUnknownKeys(file, configPath);
  const settings = scope === "serve" ? [...CONNECTION_SETTINGS, ...SERVE_SETTINGS] : CONNECTION_SETTINGS;
  const input: ConfigInput = {};
  for (const s of settings) {
    const fromFlag = flags[s.key];
    const fromEnv = env[s.env];
    const fromFile = file[s.key] ?? file[s.flag.slice(2)];
    const [value, source] =
      fromFlag !== undefined
        ? [fromFlag as Raw, s.flag]
        : fromEnv !== undefined && fromEnv !== ""
          ? [fromEnv, s.env]
          : fromFile !== undefined
            ? [fromFile, `"${s.key}" in ${configPath}`]
            : [undefined, ""];
    if (value !== undefined) s.apply(input, value, source);
  }
  if (scope === "serve") for (const sw of SWITCHES) if (switchedOff(sw, flags, env, file, configPath)) input[sw.key] = false;
  try {
    return resolveConfig(input);
  } catch (err) {
    if (err instanceof ConfigError) {
      const s = settings.find((x) => x.field === err.field);
      if (s) throw new ConfigError(`${s.flag} (${s.env})`, err.value, err.hint);
    }
    throw err;
  }
}

/** A `--no-...` switch: the flag, else the variable, else the file's `"key": false` turns it off. */
function switchedOff(
  sw: (typeof SWITCHES)[number],
  flags: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
  file: Record<string, Raw>,
  configPath: string | undefined,
): boolean {
  if (flags[sw.key] === false) return true;
  if (env[sw.env] !== undefined && env[sw.env] !== "") return isFalse(env[sw.env]);
  const key = sw.fileKeys.find((k) => file[k] !== undefined);
  if (key === undefined) return false;
  if (typeof file[key] !== "boolean") throw new ConfigError(`"${key}" in ${configPath}`, file[key], "write true or false");
  return file[key] === false;
}

function isFalse(value: string | undefined): boolean {
  return value !== undefined && ["0", "false", "no", "off"].includes(value.trim().toLowerCase());
}
