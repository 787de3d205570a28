/**
 * The NATS authorization of a peerset, as nats-server reads it: `accounts { PEERMON {…} SYS {…} }`
 * and `system_account: SYS`. Every peer is an nkey user derived from its peer id; the role users
 * have the credentials given. There is no top-level `authorization` and no `no_auth_user`, so a
 * client without valid credentials is refused (and CVE-2023-47090, an `authorization {}` beside
 * an accounts block holding only the system account, cannot apply). Pure: no I/O.
 */
import type { PeerNkey } from "../api/peer-nkey.js";
import type { Subjects } from "../api/subjects.js";
import type { Credential } from "./credential.js";
import { consumerPermissions, monitorPermissions, operatorPermissions, peerManagerPermissions, peerPermissions, type Permissions } from "./permissions.js";

export const ACCOUNT = "PEERMON";
export const SYSTEM_ACCOUNT = "SYS";

export type Role = "monitor" | "peermgr" | "operator" | "consumer" | "sys";

/** A role user: `name` is its NATS user name with a password, and only a label with an nkey. */
export interface RoleUser {
  role: Role;
  name: string;
  credential: Credential;
}

/** Everything the authorization is made from. */
export interface AuthPlan {
  subjects: Subjects;
  /** The partition count of the server's `partition()` mappings (peermon's `partitions`). */
  partitions: number;
  peers: PeerNkey[];
  roles: RoleUser[];
}

/** One entry of an account's `users`, as nats-server reads it. */
export interface NatsUser {
  user?: string;
  password?: string;
  nkey?: string;
  permissions?: Permissions;
}

/** A user and what it is, for the comment above it in the config. */
export interface LabelledUser {
  label: string;
  user: NatsUser;
}

/** Sizes in bytes: nats-server 2.9 reads an account's sizes as numbers or bare units, not quoted ones. */
export interface AccountLimits {
  max_memory: number;
  max_file: number;
  max_streams: number;
  max_consumers: number;
}

export interface Authorization {
  jetstream: AccountLimits;
  mappings: Record<string, string>;
  users: LabelledUser[];
  systemUsers: LabelledUser[];
}

/**
 * JetStream limits of the PEERMON account. Streams: peermon keeps six (PEERSET, ALERTS, WINDOWS,
 * DISRUPTIONS, SUSPECTS and the silences bucket). Memory and file: room for the window checkpoints
 * (512 MiB at most) beside the alert log (256 MiB), the peerset and the rest.
 */
const LIMITS = { max_memory: 256 * 1024 ** 2, max_file: 1024 ** 3, max_streams: 6 } as const;
/**
 * Consumers: the monitors' and operators' own (a few per monitor), plus an ordered consumer on the
 * alert log per cluster peer (IPFS Cluster's PeerMonitor follows alerts with one), counted twice
 * because an ordered consumer that resets creates its successor before the server drops it.
 */
export const BASE_CONSUMERS = 1_000;
export const CONSUMERS_PER_PEER = 2;

export function authorization(plan: AuthPlan): Authorization {
  const s = plan.subjects;
  const peers = plan.peers.map((p) => ({ label: `peer ${p.peer}`, user: { nkey: p.nkey, permissions: peerPermissions(s, p.peer) } }));
  const roles = plan.roles.flatMap((r) => (r.role === "sys" ? [] : [roleUser(r, permissionsOf(r.role, s))]));
  return {
    jetstream: { ...LIMITS, max_consumers: BASE_CONSUMERS + CONSUMERS_PER_PEER * plan.peers.length },
    mappings: partitionMappings(s.prefix, plan.partitions),
    users: [...peers, ...roles],
    systemUsers: plan.roles.filter((r) => r.role === "sys").map((r) => roleUser(r, undefined)),
  };
}

/**
 * The repo's nats.conf mappings, inside the account whose clients publish (a top-level `mappings`
 * applies to the global account only, which no user here belongs to).
 */
export function partitionMappings(prefix: string, partitions: number): Record<string, string> {
  const part = `${prefix}.part.{{partition(${partitions},1)}}`;
  return {
    [`${prefix}.metrics.*.*`]: `${part}.metrics.{{wildcard(1)}}.{{wildcard(2)}}`,
    [`${prefix}.latest.*`]: `${part}.latest.{{wildcard(1)}}`,
    [`${prefix}.peer.*.*`]: `${part}.peer.{{wildcard(1)}}.{{wildcard(2)}}`,
  };
}

function permissionsOf(role: Exclude<Role, "sys">, s: Subjects): Permissions {
  switch (role) {
    case "monitor":
      return monitorPermissions(s);
    case "peermgr":
      return peerManagerPermissions(s);
    case "operator":
      return operatorPermissions(s);
    case "consumer":
      return consumerPermissions(s);
  }
}

function roleUser(r: RoleUser, permissions: Permissions | undefined): LabelledUser {
  const who = r.credential.type === "nkey" ? { nkey: r.credential.nkey } : { user: r.name, password: r.credential.hash };
  const label = r.role === "consumer" ? `alert consumer ${r.name}` : r.role === "sys" ? `system ${r.name}` : r.name;
  return { label, user: permissions ? { ...who, permissions } : who };
}
