/**
 * JetStream facts peermon relies on, named once.
 */
import { DiscardPolicy, ErrorCode, StorageType, type JetStreamManager, type NatsConnection, type NatsError, type StreamConfig } from "nats";
import { JetStreamMissing } from "../errors.js";

/** JetStream's error code for a failed expected-last-subject-sequence check. */
const WRONG_LAST_SEQUENCE = 10071;

/** JetStream's error code when a message is over the stream's `max_msg_size`. */
const MESSAGE_OVER_STREAM_LIMIT = 10054;

/** True when a publish failed because another writer appended to the subject first. */
export function isSequenceConflict(err: unknown): boolean {
  return (err as NatsError).api_error?.err_code === WRONG_LAST_SEQUENCE;
}

/** JetStream's error code when the server has it but this account may not use it. */
const JETSTREAM_NOT_ENABLED_FOR_ACCOUNT = 10039;

/** The JetStream manager of a client command; JetStreamMissing (saying what to do) when the server has none. */
export async function jetStreamFor(nc: NatsConnection, purpose: string, context?: string): Promise<JetStreamManager> {
  try {
    return await nc.jetstreamManager();
  } catch (err) {
    const e = err as NatsError;
    if (e.code === ErrorCode.JetStreamNotEnabled || e.api_error?.err_code === JETSTREAM_NOT_ENABLED_FOR_ACCOUNT) {
      throw new JetStreamMissing(purpose, err, context);
    }
    throw err;
  }
}

/** True when a publish failed because the message is over the stream's `max_msg_size`. */
export function isOverStreamLimit(err: unknown): boolean {
  return (err as NatsError).api_error?.err_code === MESSAGE_OVER_STREAM_LIMIT;
}

/** True when nats.js refused to send a message over the server's `max_payload`. */
export function isOverMaxPayload(err: unknown): boolean {
  return (err as NatsError).code === ErrorCode.MaxPayloadExceeded;
}

/** True when the server refused a request for lack of permission: asking again will not help. */
export function isPermissionDenied(err: unknown): boolean {
  return (err as NatsError).code === ErrorCode.PermissionsViolation;
}

/** The largest message the server takes, bytes (1 MiB, nats-server's default, before the first INFO). */
export function maxPayloadOf(nc: NatsConnection): number {
  return nc.info?.max_payload ?? 1024 * 1024;
}

/** True for "no such stream" / "no such message". */
export function isNotFound(err: unknown): boolean {
  return (err as NatsError).code === "404";
}

/**
 * Creates one of peermon's streams unless it exists (an existing stream is left as it is: its
 * limits are the operator's to change). File storage, oldest messages discarded first.
 */
export async function ensureStream(jsm: JetStreamManager, config: Partial<StreamConfig> & { name: string }): Promise<void> {
  try {
    await jsm.streams.info(config.name);
    return;
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  await jsm.streams.add({ discard: DiscardPolicy.Old, storage: StorageType.File, ...config });
}
