/**
 * `peermon serve`: runs a monitor until SIGINT/SIGTERM. With --local-nats (what `npm start` uses),
 * a local nats-server with the repo's nats.conf is started when none is reachable, and stopped on exit.
 */
import { fileURLToPath } from "node:url";
import type { MonitorConfig } from "../config.js";
import { createLogger, type Logger } from "../log.js";
import { Monitor } from "../monitor.js";
import { acceptsClients, LocalNatsServer } from "./local-nats.js";
import { lacksOfNatsConf } from "./server-check.js";
import { applyServeV8Flags } from "./v8-settings.js";

/** The repo's development configuration, two levels above this file (src/cli or dist/cli). */
export const REPO_NATS_CONF = fileURLToPath(new URL("../../nats.conf", import.meta.url));

export interface ServeOptions {
  /** Start a nats-server on the (loopback) --nats address when nothing answers there. */
  localNats: boolean;
}

export async function serve(config: MonitorConfig, options: ServeOptions): Promise<void> {
  applyServeV8Flags();
  const log = createLogger(config.logLevel);
  let local: Promise<LocalNatsServer | undefined> = Promise.resolve(undefined);
  let monitor: Monitor | undefined;
  const stopLocal = () => local.then((server) => server?.stop()).catch(() => undefined);
  // Listened for from the start: a signal while the monitor starts ends the process at once, its
  // own nats-server stopped first (nothing serves yet, so nothing is lost).
  const signals = stopSignals(log, () => {
    if (monitor) return false;
    log.warn({}, "stopped while starting");
    void stopLocal().finally(() => process.exit(0));
    return true;
  });
  try {
    const port = options.localNats ? loopbackPort(config.nats.servers) : undefined;
    const running = port !== undefined && (await acceptsClients(port));
    if (port !== undefined && !running) local = startLocalNats(port, log);
    await local;
    monitor = await Monitor.start(config, { log });
    if (running) await sayWhatItLacks(monitor, port, log);
  } catch (err) {
    await stopLocal();
    signals.release();
    throw err;
  }
  const closed = monitor.nc.closed().then(() => "closed" as const);
  const ended = await Promise.race([signals.first, closed]);
  if (ended === "closed") {
    log.error({}, "the NATS connection closed for good; exiting");
    process.exitCode = 1;
  } else {
    log.info({ signal: ended }, "shutting down");
  }
  await monitor.stop();
  await stopLocal();
  signals.release();
  // Stopped: the process ends now. A connection closed while it reconnected can leave the NATS
  // client's reconnect timer behind, which would hold the process up to a second longer.
  await new Promise<void>((resolve) => log.flush(() => resolve()));
  process.exit();
}

/**
 * SIGINT and SIGTERM, listened for from now on until `release()`: `first` resolves with the first
 * one, unless `whileStarting` took care of it (returned true); a second one exits at once.
 */
function stopSignals(log: Logger, whileStarting: () => boolean): { first: Promise<NodeJS.Signals>; release(): void } {
  let seen = 0;
  let resolveFirst: (signal: NodeJS.Signals) => void = () => {};
  const first = new Promise<NodeJS.Signals>((resolve) => (resolveFirst = resolve));
  const on = (signal: NodeJS.Signals) => {
    if (seen++ > 0) {
      log.warn({ signal }, "second signal: exiting now");
      process.exit(130);
    }
    if (!whileStarting()) resolveFirst(signal);
  };
  process.on("SIGINT", on);
  process.on("SIGTERM", on);
  return {
    first,
    release: () => {
      process.off("SIGINT", on);
      process.off("SIGTERM", on);
    },
  };
}

async function startLocalNats(port: number, log: Logger): Promise<LocalNatsServer> {
  const server = await LocalNatsServer.start({ port, configFile: REPO_NATS_CONF });
  log.info(
    { url: server.url, config: REPO_NATS_CONF, storeDir: server.storeDir },
    `no NATS server answered: started a local nats-server with nats.conf; it stops on exit, and its JetStream data ` +
      `(the peerset, the alert log, silences, checkpoints) in ${server.storeDir} goes away with it: ` +
      `to keep them, run \`nats-server -c nats.conf -sd <dir>\` yourself before \`npm start\``,
  );
  return server;
}

/** `--local-nats` found a server already answering: says it uses it, and what of nats.conf it lacks. */
async function sayWhatItLacks(monitor: Monitor, port: number, log: Logger): Promise<void> {
  const lacks = await lacksOfNatsConf(monitor.nc, monitor.config.prefix);
  const where = `127.0.0.1:${port}`;
  if (lacks.length === 0) return log.info({ url: `nats://${where}` }, `a nats-server already answers on ${where}: using it (it has what nats.conf sets)`);
  log.warn(
    { url: `nats://${where}`, lacks },
    `a nats-server already answers on ${where}: using it, not one with nats.conf, and it lacks ${lacks.join("; ")}; ` +
      "stop it and run `npm start` again to get one with nats.conf, or restart it with `nats-server -c nats.conf`",
  );
}

/** The port of the first server URL when it is on this machine's loopback, else undefined. */
export function loopbackPort(servers: string): number | undefined {
  const first = servers.split(",")[0]!.trim();
  let url: URL;
  try {
    url = new URL(first.includes("://") ? first : `nats://${first}`);
  } catch {
    return undefined;
  }
  if (!["127.0.0.1", "localhost", "[::1]"].includes(url.hostname)) return undefined;
  return url.port ? Number(url.port) : 4222;
}
