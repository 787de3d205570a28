/**
 * What `npm start` (`serve --local-nats`) says of the nats-server it uses. When one already
 * answers on the address it does not start its own: it says so, and which of what the repo's
 * nats.conf sets this server lacks — the partition mappings (`serve --shard` needs them), the
 * 8 MB max_payload (big `latest` replies and peersets), JetStream (the stored peerset, the alert
 * log, silences) — since a leftover server from another project looks like a working one.
 */
import { randomBytes } from "node:crypto";
import { createInbox, type NatsConnection } from "nats";
import { Subjects } from "../api/subjects.js";

/** nats.conf's max_payload, bytes. */
export const NATS_CONF_MAX_PAYLOAD = 8 * 1024 * 1024;

/** What of nats.conf the server behind `nc` lacks, in words (nothing: it has all of it). */
export async function lacksOfNatsConf(nc: NatsConnection, prefix: string): Promise<string[]> {
  const lacks: string[] = [];
  if (!(await partitions(nc, prefix))) lacks.push("the partition mappings (`serve --shard` needs them)");
  const maxPayload = nc.info?.max_payload ?? 0;
  if (maxPayload < NATS_CONF_MAX_PAYLOAD) {
    lacks.push(`max_payload 8MB (it allows ${formatBytes(maxPayload)}: \`latest\` and peersets of large fleets fail)`);
  }
  if (!(await hasJetStream(nc))) lacks.push("JetStream (the stored peerset, the alert log, silences)");
  return lacks;
}

/**
 * True when the server maps the public query subjects to partitioned ones, as nats.conf's
 * `mappings` do: a probe published on `<prefix>.peer.<probe>.<probe>` arrives on its partitioned
 * form. Our own message comes back before the flush does (the server handles them in order). A
 * monitor that hears the probe answers it 404, harmlessly, to an inbox nobody reads.
 */
async function partitions(nc: NatsConnection, prefix: string): Promise<boolean> {
  const token = `peermon-probe-${randomBytes(6).toString("hex")}`;
  let mapped = false;
  const sub = nc.subscribe(`${prefix}.part.*.peer.${token}.${token}`, { callback: () => (mapped = true) });
  try {
    nc.publish(new Subjects(prefix).peer(token, token), undefined, { reply: createInbox() });
    await nc.flush();
  } finally {
    sub.unsubscribe();
  }
  return mapped;
}

async function hasJetStream(nc: NatsConnection): Promise<boolean> {
  try {
    await (await nc.jetstreamManager()).getAccountInfo();
    return true;
  } catch {
    return false;
  }
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${Math.round((n / 1024 / 1024) * 10) / 10}MB` : `${Math.round(n / 1024)}KB`;
}
