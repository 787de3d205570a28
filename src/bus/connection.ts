/**
 * Opening a NATS connection from peermon's settings: servers, credentials, an nkey seed or user/password,
 * reconnecting forever (a monitor must come back by itself), and pings frequent enough that a
 * half-open connection is noticed in seconds rather than minutes.
 */
import { readFileSync } from "node:fs";
import { connect, credsAuthenticator, nkeyAuthenticator, nkeys, type ConnectionOptions, type NatsConnection } from "nats";
import { TUNING, type NatsSettings } from "../config.js";
import { ConnectError, ConfigError } from "../errors.js";

export interface ConnectOptions {
  /** Client name shown by the server (`nats server report connections`). */
  name: string;
  /** Give up reconnecting (false: keep trying forever, as a server process should). @default false */
  finite?: boolean;
  /** Time to wait for the first connection, ms. @default TUNING.connectTimeoutMs */
  timeoutMs?: number;
}

export async function openConnection(settings: NatsSettings, options: ConnectOptions): Promise<NatsConnection> {
  const opts: ConnectionOptions = {
    servers: settings.servers
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
    name: options.name,
    timeout: options.timeoutMs ?? TUNING.connectTimeoutMs,
    maxReconnectAttempts: options.finite ? 3 : -1,
    reconnectTimeWait: TUNING.reconnectWaitMs,
    reconnectJitter: TUNING.reconnectJitterMs,
    pingInterval: TUNING.pingIntervalMs,
    maxPingOut: TUNING.maxPingsOut,
    noAsyncTraces: true,
  };
  if (settings.creds) opts.authenticator = credsAuthenticator(readCreds(settings.creds));
  if (settings.nkey) opts.authenticator = nkeyAuthenticator(readSeed(settings.nkey));
  if (settings.user !== undefined) {
    opts.user = settings.user;
    opts.pass = settings.password;
  }
  try {
    return await connect(opts);
  } catch (err) {
    throw new ConnectError(settings.servers, err);
  }
}

/** The nkey seed in `path`: the first line that is one (a file may hold the public key too). */
export function readSeed(path: string): Uint8Array {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError("nats.nkey", path, `cannot read the nkey seed file (${(err as Error).message}); check the path`);
  }
  const seed = text.split(/\s+/).find((word) => word.startsWith("S"));
  try {
    if (seed === undefined) throw new Error("no seed");
    const encoded = new TextEncoder().encode(seed);
    nkeys.fromSeed(encoded);
    return encoded;
  } catch {
    throw new ConfigError("nats.nkey", path, "the file holds no nkey seed: write the seed (SU…, 58 characters) as `nk -gen user` prints it");
  }
}

function readCreds(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ConfigError("nats.creds", path, `cannot read the credentials file (${(err as Error).message}); check the path`);
  }
}
