/**
 * Who may do what on the bus, declared once: every role's NATS permissions, for any prefix. The
 * generated authorization (`peermon auth`), and through it deploy/secure/, is built from these;
 * docs/security.md explains each rule and test/integration/permissions.test.ts proves them on a
 * real server. Pure: no I/O.
 *
 * nats-server 2.9 checks a publish against the subject AFTER its mappings: every rule for a mapped
 * subject (metrics, latest, peer) names the partitioned form (`<prefix>.part.*.…`) as well as the
 * public one, so it holds on servers that check either.
 */
import type { Subjects } from "../api/subjects.js";
import { SERVICE_NAME } from "../bus/queries.js";

/** A user's permissions as nats-server reads them. */
export interface Permissions {
  publish: { allow: string[] };
  subscribe: { allow: string[] } | { deny: string[] };
}

/** Every reply peermon's clients expect comes to an inbox under nats.js's and nats.go's default prefix. */
const INBOX = "_INBOX.>";

/**
 * An alert consumer (repinner, allocator, `peermon alerts|latest`): queries, alerts live or caught
 * up from the alert log through an ordered consumer (create, pull, inspect and delete consumers of
 * that stream only; it cannot list them, so it cannot find another reader's consumer to delete).
 */
export function consumerPermissions(s: Subjects): Permissions {
  const alerts = s.stream("ALERTS");
  return {
    publish: {
      allow: [
        ...queries(s),
        `$JS.API.STREAM.INFO.${alerts}`,
        `$JS.API.CONSUMER.CREATE.${alerts}`,
        `$JS.API.CONSUMER.CREATE.${alerts}.>`,
        `$JS.API.CONSUMER.MSG.NEXT.${alerts}.*`,
        `$JS.API.CONSUMER.INFO.${alerts}.*`,
        `$JS.API.CONSUMER.DELETE.${alerts}.*`,
      ],
    },
    subscribe: { allow: [s.alertsAll, s.suspectsAll, INBOX] },
  };
}

/**
 * A cluster peer: publishes its own metrics and no one else's (the server itself refuses
 * `metrics.*.<another peer>`), and reads what its PeerMonitor needs, as a consumer does.
 */
export function peerPermissions(s: Subjects, peer: string): Permissions {
  const consumer = consumerPermissions(s);
  return {
    publish: { allow: [s.metric("*", peer), `${s.prefix}.part.*.metrics.*.${peer}`, ...consumer.publish.allow] },
    subscribe: consumer.subscribe,
  };
}

/**
 * The monitor (every shard and replica). Publishes the alert, disruption and suspicion logs and
 * events, checkpoints, the internal names scatter and window transfer, the JetStream requests it
 * makes, and replies on `_INBOX.>` only. No `allow_responses`: it would let the monitor publish once
 * on ANY reply subject a requester names (say `$JS.API.STREAM.DELETE.<PREFIX>_ALERTS`); and its
 * JetStream rules leave out purging or updating streams and deleting any but the older versions'
 * every-metric stream, which a start retires. It deletes messages of one stream only, the
 * checkpoints': the journal of new windows, once a checkpoint round carries them (it may already
 * rewrite any checkpoint there).
 */
export function monitorPermissions(s: Subjects): Permissions {
  const p = s.prefix;
  return {
    publish: {
      allow: [
        s.alertLog("*", "*"),
        s.alert("*", "*"),
        s.checkpoint("*", "*"),
        s.internalNames,
        s.windowTransfer("*"),
        s.checkpointed("*"),
        INBOX,
        s.disruptionLog("*"),
        s.disruption("*"),
        `$JS.FC.${silences(s)}.>`,
        s.suspectLog("*", "*"),
        s.suspects("*", "*"),
        "$JS.API.INFO",
        "$JS.API.STREAM.INFO.*",
        "$JS.API.STREAM.CREATE.*",
        "$JS.API.STREAM.MSG.GET.*",
        `$JS.API.STREAM.MSG.DELETE.${s.stream("WINDOWS")}`,
        "$JS.API.CONSUMER.CREATE.>",
        "$JS.API.CONSUMER.MSG.NEXT.>",
        "$JS.API.CONSUMER.INFO.>",
        "$JS.API.CONSUMER.DELETE.>",
      ],
    },
    subscribe: {
      allow: [
        s.metricsAll,
        s.partitionedMetrics("*"),
        s.peerset,
        `${p}.latest.*`,
        `${p}.part.*.latest.*`,
        `${p}.peer.*.*`,
        `${p}.part.*.peer.*.*`,
        s.historyEndpoint(),
        s.names,
        s.internalNames,
        s.windowTransfer("*"),
        s.checkpointed("*"),
        "$SRV.>",
        INBOX,
        s.disruption("*"),
        s.releaseAll,
      ],
    },
  };
}

/**
 * The peer manager (owns membership: `peermon peerset`, `peermon auth --from-peerset`). Publishes
 * peersets, plainly or through JetStream, and reads the stored one back. It cannot create the
 * stream: a monitor does when it starts, so no one can create it with a config of their choosing.
 */
export function peerManagerPermissions(s: Subjects): Permissions {
  const peerset = s.stream("PEERSET");
  return {
    publish: { allow: [s.peerset, "$JS.API.INFO", `$JS.API.STREAM.INFO.${peerset}`, `$JS.API.STREAM.MSG.GET.${peerset}`] },
    subscribe: { allow: [INBOX] },
  };
}

/**
 * The operator (`peermon silence`, `disruption release`, `status`, `history`). Writes and reads
 * entries of the silences bucket, not the bucket itself (a monitor creates it); asks the monitors
 * to release a disruption; reads their `$SRV.STATS`. No metric, alert, log or peerset.
 */
export function operatorPermissions(s: Subjects): Permissions {
  const kv = silences(s);
  return {
    publish: {
      allow: [
        s.releaseAll,
        `$SRV.STATS.${SERVICE_NAME}`,
        s.historyEndpoint(),
        `$KV.${s.stream("SILENCES")}.*`,
        "$JS.API.INFO",
        `$JS.API.STREAM.INFO.${kv}`,
        `$JS.API.DIRECT.GET.${kv}.>`,
        `$JS.API.STREAM.MSG.GET.${kv}`,
        `$JS.API.CONSUMER.CREATE.${kv}`,
        `$JS.API.CONSUMER.CREATE.${kv}.>`,
        `$JS.API.CONSUMER.DELETE.${kv}.*`,
        `$JS.FC.${kv}.>`,
      ],
    },
    subscribe: { allow: [INBOX] },
  };
}

/** The queries, in both subject forms where the server maps them. */
function queries(s: Subjects): string[] {
  const p = s.prefix;
  return [`${p}.latest.*`, `${p}.part.*.latest.*`, `${p}.peer.*.*`, `${p}.part.*.peer.*.*`, s.historyEndpoint(), s.names];
}

/** The silences bucket's stream. */
function silences(s: Subjects): string {
  return `KV_${s.stream("SILENCES")}`;
}
