/**
 * `peermon serve`: runs a monitor until SIGINT/SIGTERM. With --local-nats (what `npm start` uses),
 * a local nats-server with the repo's nats.conf is started when none is reachable, and stopped on exit.
 */
import { fileURLToPath } from "node:url";
import type { MonitorConfig } from "../config.js";
import { createLogger, type Logger } from "../log.js";
import { Monitor } from "../monitor.js";
import { acceptsClients, LocalNatsServer } from "./local-nats.js";

/** The repo's development configuration, two levels above this file (src/cli or dist/cli). */
export const REPO_NATS_CONF = fileURLToPath(new URL("../../nats.conf", import.meta.url));

export interface ServeOptions {
  /** Start a nats-server on the (loopback) --nats address when nothing answers there. */
  localNats: boolean;
}

export async function serve(config: MonitorConfig, options: ServeOptions): Promise<void> {
  const log = createLogger(config.logLevel);
  let local: LocalNatsServer | undefined;
  const port = options.localNats ? loopbackPort(config.nats.servers) : undefined;
  if (port !== undefined && !(await acceptsClients(port))) local = await startLocalNats(port, log);
  let monitor: Monitor;
  try {
    monitor = await Monitor.start(config, { log });
  } catch (err) {
    await local?.stop();
    throw err;
  }
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        log.warn({ signal }, "second signal: exiting now");
        process.exit(130);
      }
      stopping = true;
      log.info({ signal }, "shutting down");
      monitor
        .stop()
        .then(() => local?.stop())
        .finally(resolve);
    };
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
    void monitor.nc.closed().then(() => {
      if (!stopping) {
        log.error({}, "the NATS connection closed for good; exiting");
        process.exitCode = 1;
        stop("closed");
      }
    });
  });
  log.flush();
}

async function startLocalNats(port: number, log: Logger): Promise<LocalNatsServer> {
  const server = await LocalNatsServer.start({ port, configFile: REPO_NATS_CONF });
  log.info(
    { url: server.url, config: REPO_NATS_CONF, storeDir: server.storeDir },
    "no NATS server answered: started a local nats-server with nats.conf (it stops on exit)",
  );
  return server;
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
