#!/usr/bin/env node
/**
 * The `peermon` command line. Each command takes the connection flags (--nats, --creds, --user,
 * --password; env NATS_URL, NATS_CREDS, NATS_USER, NATS_PASSWORD). Errors go to stderr with a
 * non-zero exit code and say what to do.
 */
import { Command, Option } from "commander";
import { LOG_LEVELS } from "../config.js";
import { PeermonError, QueryError } from "../errors.js";
import { SERVICE_VERSION } from "../bus/queries.js";
import { resolveSettings } from "./settings.js";
import { serve } from "./serve.js";
import { alertsCommand } from "./commands/alerts.js";
import { latestCommand } from "./commands/latest.js";
import { namesCommand } from "./commands/names.js";
import { peerCommand } from "./commands/peer.js";
import { peersetCommand } from "./commands/peerset.js";
import { publishCommand } from "./commands/publish.js";
import { demoCommand } from "./commands/demo.js";
import { withConnection } from "./commands/session.js";
import { statusCommand } from "./commands/status.js";

const program = new Command()
  .name("peermon")
  .description("peer monitor for clusters, on NATS: metric windows, latest-metric queries, alerts")
  .version(SERVICE_VERSION)
  .showHelpAfterError("(run with --help for usage)");

withConnection(program.command("serve"))
  .description("run a monitor: keep metric windows, answer queries, publish alerts")
  .option("--shard <I/N>", "own the partitions p with p mod N == I (env PEERMON_SHARD)")
  .option("--http <HOST:PORT>", "serve /healthz and /readyz here, e.g. :9464 (env PEERMON_HTTP)")
  .option("--window <n>", "metrics kept per (name, peer) (env PEERMON_WINDOW)", undefined)
  .option("--max-windows <n>", "windows tracked at most; more are rejected as over_limit (env PEERMON_MAX_WINDOWS)")
  .option("--max-names <n>", "metric names tracked at most (env PEERMON_MAX_NAMES)")
  .option("--repeat <duration>", "re-send a firing alert this often, 0 = never (env PEERMON_REPEAT)")
  .option("--grace <duration>", "after the monitor itself was cut off, wait this long before alerting (env PEERMON_GRACE)")
  .addOption(
    new Option("--log-level <level>", "log level (env PEERMON_LOG_LEVEL)").choices(LOG_LEVELS),
  )
  .option("--replicas <n>", "replicas of peermon's JetStream streams: 3 on a 3-node cluster (env PEERMON_STREAM_REPLICAS)")
  .option("--alert-retention <duration>", "how long the alert log keeps alerts for catch-up (env PEERMON_ALERT_RETENTION)")
  .option("--window-retention <duration>", "how long a checkpoint nobody rewrites is kept (env PEERMON_WINDOW_RETENTION)")
  .option("--checkpoint-interval <duration>", "write the windows' checkpoint this often (env PEERMON_CHECKPOINT_INTERVAL)")
  .option("--partitions <n>", "partition count of nats.conf's mappings (env PEERMON_PARTITIONS)")
  .option("--no-durable-windows", "a restart starts with empty windows: no checkpoints, no transfer from a sibling (env PEERMON_DURABLE_WINDOWS=false)")
  .option("--no-jetstream", "use no JetStream: peerset in memory, no alert log (env PEERMON_JETSTREAM=false)")
  .option("--local-nats", "when nothing answers on the (loopback) --nats address, start a nats-server there with nats.conf (npm start does)")
  .addHelpText(
    "after",
    `
Examples:
  peermon serve                                   # monitor on nats://127.0.0.1:4222
  peermon serve --nats nats://n1:4222 --shard 0/2 # first of two shards
  NATS_URL=nats://n1:4222 peermon serve --grace 1m --repeat 5m`,
  )
  .action(async (flags: Record<string, unknown>) => {
    const config = resolveSettings(flags, process.env, "serve");
    await serve(config, { localNats: flags.localNats === true });
  });

program
  .addCommand(publishCommand())
  .addCommand(alertsCommand())
  .addCommand(latestCommand())
  .addCommand(peerCommand())
  .addCommand(namesCommand())
  .addCommand(peersetCommand())
  .addCommand(demoCommand())
  .addCommand(statusCommand());

/**
 * Exit codes: 1 when the monitor could not answer what was asked (not found, no monitor) or on an
 * unexpected failure; 2 when what the user gave is wrong (settings, arguments, connection).
 */
function exitCode(err: unknown): number {
  if (err instanceof QueryError) return 1;
  return err instanceof PeermonError ? 2 : 1;
}

program.parseAsync(process.argv).catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`peermon: ${message}\n`);
  process.exit(exitCode(err));
});
