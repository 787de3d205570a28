/**
 * Command-line settings, each declared once: its flag, environment variable, help text and the
 * config field it sets (whose default and reason live in config.ts). The commander options of
 * `serve` and of every client command, their help with defaults, the environment and the config
 * file keys are all generated from these lists (resolve-settings.ts reads them).
 */
import { InvalidArgumentError, Option, type Command } from "commander";
import { LOG_LEVELS, parseShard, type ConfigInput, type MonitorConfig, type NatsSettings } from "../config.js";
import { parseDuration } from "../duration.js";
import { ConfigError } from "../errors.js";
import { parseHttpAddress } from "../http/server.js";
import { defaultText } from "./help-defaults.js";

export type Raw = string | number | boolean;

export interface Setting {
  /** Commander's option key (camelCase of the flag). */
  key: string;
  /** The flag, with its argument: `--grace <duration>`; a `--no-...` switch has none. */
  flag: string;
  env: string;
  /** The config field it sets, for its default and for error messages. */
  field: string;
  /** What `--help` says (the env name and the default are added). */
  help: string;
  choices?: readonly string[];
  /** A `--no-...` switch: the flag turns the field off; in a file it is `"key": false`. */
  negated?: boolean;
  /** The default as `--help` words it, when the config value does not say it well. */
  shownDefault?: string;
  apply(input: ConfigInput, value: Raw, source: string): void;
}

const text = (v: Raw) => String(v);

/** The one on/off parser: on, true, yes, 1 / off, false, no, 0 (or a JSON boolean); undefined for anything else. */
export function parseOnOff(v: Raw): boolean | undefined {
  if (typeof v === "boolean") return v;
  const word = String(v).trim().toLowerCase();
  return ["on", "true", "yes", "1"].includes(word) ? true : ["off", "false", "no", "0"].includes(word) ? false : undefined;
}

type Declared = Omit<Setting, "key" | "apply" | "field">;

/** A setting of one config field whose text (or number, from a config file) `parse` turns into its value; undefined: wrong, say `hint`. */
function field(d: Declared, name: keyof MonitorConfig, parse: (v: Raw) => unknown, hint: string): Setting {
  return {
    ...d,
    key: keyOf(d.flag),
    field: name,
    apply: (input, v, source) => {
      const value = parse(v);
      if (value === undefined) throw new ConfigError(source, v, hint);
      (input as Record<string, unknown>)[name] = value;
    },
  };
}

const duration = (d: Declared, name: keyof MonitorConfig) =>
  field(d, name, (v) => (typeof v === "number" ? v : parseDuration(text(v))), "write a duration like 500ms, 30s or 5m");

const whole = (d: Declared, name: keyof MonitorConfig, example: string) =>
  field(d, name, (v) => (Number.isInteger(Number(v)) ? Number(v) : undefined), `give a whole number of ${example}`);

const fraction = (d: Declared, name: keyof MonitorConfig, example: string) =>
  field(
    d,
    name,
    (v) => {
      const n = typeof v === "number" ? v : text(v).trim() === "" ? Number.NaN : Number(v);
      return Number.isFinite(n) ? n : undefined;
    },
    `give a fraction like ${example}`,
  );

const onOff = (d: Declared, name: keyof MonitorConfig) => field(d, name, parseOnOff, d.negated ? "write true or false" : "write on or off");

const words = (d: Declared, name: keyof MonitorConfig) => field(d, name, text, "");

function nats(d: Declared, name: keyof NatsSettings & string): Setting {
  return {
    ...d,
    key: keyOf(d.flag),
    field: `nats.${name}`,
    apply: (input, v) => {
      input.nats = { ...input.nats, [name]: text(v) };
    },
  };
}

/** `--max-windows <n>` -> maxWindows; `--no-jetstream` -> jetstream (commander's attribute names). */
function keyOf(flag: string): string {
  const name = flag.split(" ")[0]!.replace(/^--(no-)?/, "");
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

export const CONNECTION_SETTINGS: Setting[] = [
  { ...nats({ flag: "--nats <url>", env: "NATS_URL", help: "NATS server URL(s), comma separated" }, "servers"), key: "nats" },
  nats({ flag: "--creds <file>", env: "NATS_CREDS", help: "NATS credentials file" }, "creds"),
  nats({ flag: "--nkey <file>", env: "NATS_NKEY", help: "NATS nkey seed file (SU…): log in as that nkey user" }, "nkey"),
  nats({ flag: "--user <name>", env: "NATS_USER", help: "NATS user" }, "user"),
  nats({ flag: "--password <secret>", env: "NATS_PASSWORD", help: "NATS password" }, "password"),
  words({ flag: "--prefix <token>", env: "PEERMON_PREFIX", help: "first token of every peermon subject" }, "prefix"),
];

export const SERVE_SETTINGS: Setting[] = [
  {
    ...words({ flag: "--shard <I/N>", env: "PEERMON_SHARD", help: "own the partitions p with p mod N == I", shownDefault: "all partitions" }, "shard"),
    apply: (input, v, source) => (input.shard = parseShard(text(v), source)),
  },
  {
    ...words(
      {
        flag: "--http <HOST:PORT>",
        env: "PEERMON_HTTP",
        help: "serve HTTP here, e.g. :9464: the status page /, Prometheus /metrics, /healthz and /readyz",
        shownDefault: "off",
      },
      "http",
    ),
    apply: (input, v, source) => {
      try {
        input.http = parseHttpAddress(text(v));
      } catch (err) {
        throw err instanceof ConfigError ? new ConfigError(source, v, err.hint) : err;
      }
    },
  },
  whole({ flag: "--window <n>", env: "PEERMON_WINDOW", help: "metrics kept per (name, peer)" }, "windowCapacity", "metrics, like 10"),
  whole(
    { flag: "--max-windows <n>", env: "PEERMON_MAX_WINDOWS", help: "windows tracked at most; more are rejected as over_limit" },
    "maxWindows",
    "windows, like 2000000",
  ),
  whole({ flag: "--max-names <n>", env: "PEERMON_MAX_NAMES", help: "metric names tracked at most" }, "maxNames", "names, like 1000"),
  duration(
    { flag: "--repeat <duration>", env: "PEERMON_REPEAT", help: "re-send a firing alert this often, 0 = never", shownDefault: "0, never" },
    "repeatIntervalMs",
  ),
  duration({ flag: "--grace <duration>", env: "PEERMON_GRACE", help: "after the monitor itself was cut off, wait this long before alerting" }, "graceMs"),
  { ...words({ flag: "--log-level <level>", env: "PEERMON_LOG_LEVEL", help: "log level", choices: LOG_LEVELS }, "logLevel") },
  whole(
    { flag: "--replicas <n>", env: "PEERMON_STREAM_REPLICAS", help: "replicas of peermon's JetStream streams: 3 on a 3-node cluster" },
    "streamReplicas",
    "stream copies, like 3",
  ),
  duration(
    { flag: "--alert-retention <duration>", env: "PEERMON_ALERT_RETENTION", help: "how long the alert log keeps alerts for catch-up" },
    "alertRetentionMs",
  ),
  duration(
    { flag: "--window-retention <duration>", env: "PEERMON_WINDOW_RETENTION", help: "how long a checkpoint nobody rewrites is kept" },
    "windowRetentionMs",
  ),
  duration(
    { flag: "--checkpoint-interval <duration>", env: "PEERMON_CHECKPOINT_INTERVAL", help: "write the windows' checkpoint this often" },
    "checkpointIntervalMs",
  ),
  whole({ flag: "--partitions <n>", env: "PEERMON_PARTITIONS", help: "partition count of nats.conf's mappings" }, "partitions", "partitions, like 32"),
  fraction(
    {
      flag: "--disruption-threshold <fraction>",
      env: "PEERMON_DISRUPTION_THRESHOLD",
      help: "hold per-peer alerts when more than this share of a name's peers fail at once, 0 = off",
    },
    "disruptionThreshold",
    "0.5 (0 turns it off)",
  ),
  whole(
    { flag: "--disruption-min-peers <n>", env: "PEERMON_DISRUPTION_MIN_PEERS", help: "names with fewer tracked peers never go into a disruption" },
    "disruptionMinPeers",
    "peers, like 10",
  ),
  onOff(
    {
      flag: "--suspicion <on|off>",
      env: "PEERMON_SUSPICION",
      help: "announce peers later than their own rhythm before their ttl runs out, on peermon.suspects.<name>.<peer>",
    },
    "suspicion",
  ),
  words(
    {
      flag: "--confirm <auto|off>",
      env: "PEERMON_CONFIRM",
      help: "a peer that loses metrics fires only once the metrics it should have sent since its deadline are overdue too; punctual peers fire at the deadline either way",
      choices: ["auto", "off"],
    },
    "confirm",
  ),
  onOff(
    {
      flag: "--no-durable-windows",
      env: "PEERMON_DURABLE_WINDOWS",
      help: "a restart starts with empty windows: no checkpoints, no transfer from a sibling",
      negated: true,
      shownDefault: "a restart gets its windows back from a sibling or from checkpoints",
    },
    "durableWindows",
  ),
  onOff(
    {
      flag: "--no-jetstream",
      env: "PEERMON_JETSTREAM",
      help: "use no JetStream: peerset in memory, no alert log",
      negated: true,
      shownDefault: "JetStream is used when the server has it",
    },
    "jetstream",
  ),
  // Delivery to people: README, "Paging people".
  {
    ...words(
      {
        flag: "--alertmanager <urls>",
        env: "PEERMON_ALERTMANAGER",
        help: "post alerts to these Prometheus Alertmanagers, comma separated: each gets every alert",
        shownDefault: "none",
      },
      "alertmanagerUrls",
    ),
    apply: (input, v) => {
      const list = Array.isArray(v) ? (v as unknown[]).map(String) : text(v).split(",");
      input.alertmanagerUrls = list.map((u) => u.trim()).filter(Boolean);
    },
  },
  duration(
    {
      flag: "--alertmanager-repost <duration>",
      env: "PEERMON_ALERTMANAGER_REPOST",
      help: "re-post firing alerts this often, below Alertmanager's resolve_timeout",
    },
    "alertmanagerRepostMs",
  ),
  words({ flag: "--webhook <url>", env: "PEERMON_WEBHOOK", help: "post Alertmanager's webhook payload (version 4) here" }, "webhookUrl"),
  words(
    {
      flag: "--webhook-secret <secret>",
      env: "PEERMON_WEBHOOK_SECRET",
      help: "sign webhook bodies: X-Peermon-Signature: sha256=<HMAC> (the env is safer than the flag)",
    },
    "webhookSecret",
  ),
  words(
    {
      flag: "--external-url <url>",
      env: "PEERMON_EXTERNAL_URL",
      help: "where people reach this monitor's status page, for links in alerts",
      shownDefault: "the --http address",
    },
    "externalUrl",
  ),
  duration(
    { flag: "--delivery-batch <duration>", env: "PEERMON_DELIVERY_BATCH", help: "alerts of one metric name within this window go in one POST" },
    "deliveryBatchMs",
  ),
  duration(
    { flag: "--delivery-ack-wait <duration>", env: "PEERMON_DELIVERY_ACK_WAIT", help: "alerts held by a dead instance are delivered by another after this" },
    "deliveryAckWaitMs",
  ),
];

/** The `--config` option: a JSON file of settings, which flags and the environment beat. */
export const CONFIG_OPTION = { flag: "--config <file>", env: "PEERMON_CONFIG", help: "JSON file with settings; flags and env beat it" };

/**
 * The commander option of `s`, its help saying its choices, env name and default (commander's own
 * default would beat the env). A flag outside its choices is a usage error, as commander's own.
 */
function optionOf(s: Setting): Option {
  const listed = s.choices ? `: ${s.choices.join(", ")}` : "";
  const option = new Option(s.flag, `${s.help}${listed} (env ${s.env}; default: ${s.shownDefault ?? defaultText(s.field)})`);
  const choices = s.choices;
  if (!choices) return option;
  return option.argParser((v: string) => {
    if (!choices.includes(v)) throw new InvalidArgumentError(`Allowed choices are ${choices.join(", ")}.`);
    return v;
  });
}

/** Adds `settings` as options of `cmd`. */
export function addSettings(cmd: Command, settings: readonly Setting[]): Command {
  for (const s of settings) cmd.addOption(optionOf(s));
  return cmd;
}
