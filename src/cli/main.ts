#!/usr/bin/env node
/**
 * The `peermon` command line. Each command takes the connection flags (--nats, --creds, --user,
 * --password; env NATS_URL, NATS_CREDS, NATS_USER, NATS_PASSWORD). Errors go to stderr, say what
 * to do, and exit with the code of exit.ts's convention (1: could not be done, 2: usage).
 */
import { Command, CommanderError, Option } from "commander";
import { LOG_LEVELS } from "../config.js";
import { SERVICE_VERSION } from "../bus/queries.js";
import { resolveSettings, settingDefaults } from "./settings.js";
import { serve } from "./serve.js";
import { alertsCommand } from "./commands/alerts.js";
import { suspectsCommand } from "./commands/suspects.js";
import { latestCommand } from "./commands/latest.js";
import { namesCommand } from "./commands/names.js";
import { peerCommand } from "./commands/peer.js";
import { peersetCommand } from "./commands/peerset.js";
import { publishCommand } from "./commands/publish.js";
import { demoCommand } from "./commands/demo.js";
import { historyCommand } from "./commands/history.js";
import { withConnection } from "./commands/session.js";
import { statusCommand } from "./commands/status.js";
import { silenceCommand } from "./commands/silence.js";
import { disruptionCommand } from "./commands/disruption.js";
import { EXIT_CODES_HELP, exitCodeOf, throwUsageErrors } from "./exit.js";
import { showDefaults } from "./help-defaults.js";
import { exitQuietlyWhenStdoutCloses } from "./stdout.js";

const program = new Command()
  .name("peermon")
  .description("peer monitor for clusters, on NATS: metric windows, latest-metric queries, alerts")
  .version(SERVICE_VERSION)
  .showHelpAfterError("(run with --help for usage)");

showDefaults(withConnection(program.command("serve")), settingDefaults())
  .description("run a monitor: keep metric windows, answer queries, publish alerts")
  .option("--shard <I/N>", "own the partitions p with p mod N == I (env PEERMON_SHARD)")
  .option("--http <HOST:PORT>", "serve HTTP here, e.g. :9464: the status page /, Prometheus /metrics, /healthz and /readyz (env PEERMON_HTTP)")
  .option("--window <n>", "metrics kept per (name, peer) (env PEERMON_WINDOW)", undefined)
  .option("--max-windows <n>", "windows tracked at most; more are rejected as over_limit (env PEERMON_MAX_WINDOWS)")
  .option("--max-names <n>", "metric names tracked at most (env PEERMON_MAX_NAMES)")
  .option("--repeat <duration>", "re-send a firing alert this often, 0 = never (env PEERMON_REPEAT)")
  .option("--grace <duration>", "after the monitor itself was cut off, wait this long before alerting (env PEERMON_GRACE)")
  .addOption(new Option("--log-level <level>", "log level (env PEERMON_LOG_LEVEL)").choices(LOG_LEVELS))
  .option("--replicas <n>", "replicas of peermon's JetStream streams: 3 on a 3-node cluster (env PEERMON_STREAM_REPLICAS)")
  .option("--alert-retention <duration>", "how long the alert log keeps alerts for catch-up (env PEERMON_ALERT_RETENTION)")
  .option("--window-retention <duration>", "how long a checkpoint nobody rewrites is kept (env PEERMON_WINDOW_RETENTION)")
  .option("--checkpoint-interval <duration>", "write the windows' checkpoint this often (env PEERMON_CHECKPOINT_INTERVAL)")
  .option("--partitions <n>", "partition count of nats.conf's mappings (env PEERMON_PARTITIONS)")
  .option(
    "--disruption-threshold <fraction>",
    "hold per-peer alerts when more than this share of a name's peers fail at once, 0 = off (env PEERMON_DISRUPTION_THRESHOLD)",
  )
  .option("--disruption-min-peers <n>", "names with fewer tracked peers never go into a disruption (env PEERMON_DISRUPTION_MIN_PEERS)")
  .option(
    "--suspicion <on|off>",
    "announce peers later than their own rhythm before their ttl runs out, on peermon.suspects.<name>.<peer> (env PEERMON_SUSPICION)",
  )
  .option("--no-durable-windows", "a restart starts with empty windows: no checkpoints, no transfer from a sibling (env PEERMON_DURABLE_WINDOWS=false)")
  .option("--no-jetstream", "use no JetStream: peerset in memory, no alert log (env PEERMON_JETSTREAM=false)")
  .option("--local-nats", "when nothing answers on the (loopback) --nats address, start a nats-server there with nats.conf (npm start does)")
  // Delivery to people (issue 10): see README, "Paging people".
  .option("--alertmanager <urls>", "post alerts to these Prometheus Alertmanagers, comma separated: each gets every alert (env PEERMON_ALERTMANAGER)")
  .option("--alertmanager-repost <duration>", "re-post firing alerts this often, below Alertmanager's resolve_timeout (env PEERMON_ALERTMANAGER_REPOST)")
  .option("--webhook <url>", "post Alertmanager's webhook payload (version 4) here (env PEERMON_WEBHOOK)")
  .option("--webhook-secret <secret>", "sign webhook bodies: X-Peermon-Signature: sha256=<HMAC> (env PEERMON_WEBHOOK_SECRET, safer than the flag)")
  .option("--external-url <url>", "where people reach this monitor's status page, for links in alerts (env PEERMON_EXTERNAL_URL)")
  .option("--delivery-batch <duration>", "alerts of one metric name within this window go in one POST (env PEERMON_DELIVERY_BATCH)")
  .option("--delivery-ack-wait <duration>", "alerts held by a dead instance are delivered by another after this (env PEERMON_DELIVERY_ACK_WAIT)")
  .addHelpText(
    "after",
    `
Examples:
  peermon serve                                   # monitor on nats://127.0.0.1:4222
  peermon serve --nats nats://n1:4222 --shard 0/2 # first of two shards
  NATS_URL=nats://n1:4222 peermon serve --grace 1m --repeat 5m
  PEERMON_WEBHOOK_SECRET=... peermon serve --alertmanager http://am-0:9093,http://am-1:9093 --webhook https://hooks.example/peermon`,
  )
  .action(async (flags: Record<string, unknown>) => {
    const config = resolveSettings(flags, process.env, "serve");
    await serve(config, { localNats: flags.localNats === true });
  });

program
  .addCommand(publishCommand())
  .addCommand(alertsCommand())
  .addCommand(suspectsCommand())
  .addCommand(latestCommand())
  .addCommand(peerCommand())
  .addCommand(historyCommand())
  .addCommand(namesCommand())
  .addCommand(peersetCommand())
  .addCommand(demoCommand())
  .addCommand(statusCommand())
  .addCommand(silenceCommand())
  .addCommand(disruptionCommand());

program.addHelpText("after", EXIT_CODES_HELP);
throwUsageErrors(program);
exitQuietlyWhenStdoutCloses();

program.parseAsync(process.argv).catch((err: unknown) => {
  // commander has printed its own usage errors already
  if (!(err instanceof CommanderError)) process.stderr.write(`peermon: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(exitCodeOf(err));
});
