/**
 * What every client command shares: the connection flags, a connection opened from them (closed
 * when the command is done), the signals that end a following command, and how a line is printed.
 */
import type { Command } from "commander";
import type { NatsConnection } from "nats";
import { openConnection } from "../../bus/connection.js";
import { isValidToken } from "../../api/subjects.js";
import { PeerMonitorClient } from "../../client/client.js";
import { ConfigError } from "../../errors.js";
import type { MonitorConfig } from "../../config.js";
import { resolveSettings } from "../resolve-settings.js";
import { EXIT_OK } from "../exit.js";
import { addSettings, CONFIG_OPTION, CONNECTION_SETTINGS } from "../settings.js";

/** Adds the connection settings (--nats, --creds, --nkey, --user, --password, --prefix) and --config to `cmd`. */
export function withConnection(cmd: Command): Command {
  return addSettings(cmd, CONNECTION_SETTINGS).option(CONFIG_OPTION.flag, `${CONFIG_OPTION.help} (env ${CONFIG_OPTION.env}; default: none)`);
}

export interface Session {
  config: MonitorConfig;
  nc: NatsConnection;
  client: PeerMonitorClient;
}

export interface SessionOptions {
  /**
   * Keep reconnecting while the command runs (followers: `alerts`, `publish --every`); one-shot
   * commands give up after a few attempts. @default false
   */
  follow?: boolean;
}

/**
 * Connects with the command's settings, runs `fn`, and closes the connection (flushing what was
 * published) whatever happens. `command` names the connection on the server (`peermon-cli latest`).
 */
export async function withSession<T>(
  flags: Record<string, unknown>,
  command: string,
  fn: (s: Session) => Promise<T>,
  options: SessionOptions = {},
): Promise<T> {
  const config = resolveSettings(flags, process.env, "client");
  const nc = await openConnection(config.nats, { name: `peermon-cli ${command}`, finite: !options.follow });
  try {
    return await fn({ config, nc, client: new PeerMonitorClient(nc, { prefix: config.prefix }) });
  } finally {
    await closeConnection(nc);
  }
}

/** How long closing a command's connection waits for the server to take what was published, ms. */
export const DRAIN_WAIT_MS = 300;
/** A command that was asked to stop exits after this long whatever it waits for, ms. */
export const SIGNAL_EXIT_MS = 700;

/**
 * Drains `nc` (what was published reaches the server) for at most DRAIN_WAIT_MS, then closes it:
 * during an outage a drain waits for the server to come back, and a command must not.
 */
export async function closeConnection(nc: NatsConnection): Promise<void> {
  if (nc.isClosed()) return;
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, DRAIN_WAIT_MS)));
  await Promise.race([nc.drain().catch(() => undefined), waited]);
  clearTimeout(timer);
  if (!nc.isClosed()) await nc.close().catch(() => undefined);
}

/** Checks command-line tokens before connecting, so a typo fails fast (a usage error) and says why. */
export function checkTokens(tokens: Record<string, string | undefined>): void {
  for (const [what, value] of Object.entries(tokens)) {
    if (value !== undefined && !isValidToken(value)) {
      throw new ConfigError(what, value, "use 1-255 bytes without spaces, '.', '*' or '>'");
    }
  }
}

/**
 * Resolves with the signal's name at the first SIGINT or SIGTERM; the listeners are then removed.
 * From then on the command has SIGNAL_EXIT_MS to end by itself (close its connection, print what
 * it has); past that it exits with code 0 anyway, whatever its connection is doing.
 */
export function untilSignal(): { done: Promise<NodeJS.Signals>; cancel(): void } {
  let cancel = () => {};
  const done = new Promise<NodeJS.Signals>((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      cancel();
      setTimeout(() => process.exit(process.exitCode ?? EXIT_OK), SIGNAL_EXIT_MS).unref();
      resolve(signal);
    };
    const onInt = () => on("SIGINT");
    const onTerm = () => on("SIGTERM");
    process.once("SIGINT", onInt);
    process.once("SIGTERM", onTerm);
    cancel = () => {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
    };
  });
  return { done, cancel };
}

export function printLine(line: string): void {
  process.stdout.write(`${line}\n`);
}

export function printNote(line: string): void {
  process.stderr.write(`${line}\n`);
}
