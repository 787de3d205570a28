/**
 * Every failure peermon reports, one class each. Messages say what was wrong and what to do.
 */
export class PeermonError extends Error {
  override name = "PeermonError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A configuration value (flag, environment variable or file) is invalid. */
export class ConfigError extends PeermonError {
  override name = "ConfigError";
  constructor(
    readonly field: string,
    readonly value: unknown,
    /** What to write instead, e.g. "write a duration like 500ms, 30s or 5m". */
    readonly hint: string,
  ) {
    super(`invalid ${field}: ${JSON.stringify(value) ?? String(value)}; ${hint}`);
  }
}

/** The arguments of a command are wrong (missing, contradictory, unreadable, too large to send). */
export class UsageError extends PeermonError {
  override name = "UsageError";
}

/**
 * A text that should be a libp2p peer id is not one, or names a key that cannot be a NATS nkey.
 * `reason` says what is wrong (and, for a key, what to do); the message starts with the peer.
 */
export class PeerIdError extends PeermonError {
  override name = "PeerIdError";
  constructor(
    readonly peer: string,
    readonly reason: string,
  ) {
    super(`peer ${peer}: ${reason}`);
  }
}

/** The NATS server could not be reached or refused the connection. */
export class ConnectError extends PeermonError {
  override name = "ConnectError";
  constructor(servers: string, cause: unknown) {
    super(
      `cannot connect to NATS at ${servers}: ${describe(cause)}; ` +
        "check that nats-server runs there (or pass --nats <url>), and the credentials if it needs them",
      { cause },
    );
  }
}

/** A query to the monitor failed; `code` follows the services framework's error header. */
export class QueryError extends PeermonError {
  override name = "QueryError";
  constructor(
    readonly code: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** No monitor answered a query: none runs for this prefix (or shard), or it is not reachable. */
export class NoMonitorError extends QueryError {
  override name = "NoMonitorError";
  constructor(subject: string, cause?: unknown) {
    super(503, `no peermon monitor answered on ${subject}; start one with \`peermon serve\` (or check --nats and the prefix)`, { cause });
  }
}

/** `silence rm` named a silence that does not exist or is already over. */
export class SilenceNotFound extends QueryError {
  override name = "SilenceNotFound";
  constructor(id: string, endedAt?: string) {
    super(
      404,
      endedAt
        ? `silence ${id} ended at ${endedAt}: there is nothing to remove (list the running ones with \`peermon silence ls\`)`
        : `no silence ${id}; list the running ones and their ids with \`peermon silence ls\``,
    );
  }
}

/** The server has no JetStream (or this account may not use it): the peerset (or silences) cannot be stored there. */
export class JetStreamMissing extends PeermonError {
  override name = "JetStreamMissing";
  constructor(
    purpose: string,
    cause: unknown,
    /** What JetStream's absence means, and what else to do. */
    context = "(monitors then keep the peerset in memory only); enable it (`jetstream: enabled` in the server config, " +
      "or nats-server -js), or publish the full set with `peermon peerset set <peer>...`",
  ) {
    super(`cannot ${purpose}: JetStream is not enabled on the NATS server ${context}`, { cause });
  }
}

export function describe(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}
