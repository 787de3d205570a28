/**
 * The role users of `peermon auth`, from flags or, where a flag is not given, the environment:
 * `--monitor`, `--peermgr`, `--operator`, `--sys` (one each) and `--consumer` (any number), each
 * `[name=]credential`. The monitor is required (nothing works without it); a missing other role
 * is left out, and `missingRoleNotes` says what nobody can then do. No secret is ever invented.
 */
import type { RoleUser, Role } from "../auth/accounts.js";
import { CREDENTIAL_HINT, parseCredential } from "../auth/credential.js";
import { ConfigError, UsageError } from "../errors.js";

interface RoleFlag {
  role: Exclude<Role, "consumer">;
  flag: string;
  env: string;
  /** What nobody can do without this user. */
  without: string;
}

export const ROLE_FLAGS: RoleFlag[] = [
  { role: "monitor", flag: "--monitor", env: "PEERMON_AUTH_MONITOR", without: "" },
  { role: "peermgr", flag: "--peermgr", env: "PEERMON_AUTH_PEERMGR", without: "nobody may set the peerset (peermon peerset)" },
  { role: "operator", flag: "--operator", env: "PEERMON_AUTH_OPERATOR", without: "nobody may add silences, release a disruption or run peermon status" },
  { role: "sys", flag: "--sys", env: "PEERMON_AUTH_SYS", without: "nobody may log into the system account (server monitoring over NATS)" },
];
export const CONSUMERS_ENV = "PEERMON_AUTH_CONSUMERS";

/** A NATS user name: what nats-server and a shell take without quoting. */
const USER_NAME = /^[A-Za-z0-9_-]{1,64}$/;

export type RoleFlags = Partial<Record<Exclude<Role, "consumer">, string>> & { consumer?: string[] };

/** Every role user given, the monitor first; throws ConfigError naming the flag or variable that is wrong. */
export function roleUsers(flags: RoleFlags, env: NodeJS.ProcessEnv): RoleUser[] {
  const users: RoleUser[] = [];
  for (const r of ROLE_FLAGS) {
    const [value, source] = flags[r.role] !== undefined ? [flags[r.role]!, r.flag] : [env[r.env], r.env];
    if (value === undefined || value === "") {
      if (r.role === "monitor") {
        throw new UsageError(`--monitor is required (env ${r.env}): ${CREDENTIAL_HINT}`);
      }
      continue;
    }
    users.push(roleUser(r.role, value, source, r.role));
  }
  const [consumers, source] = flags.consumer?.length ? [flags.consumer, "--consumer"] : [splitList(env[CONSUMERS_ENV]), CONSUMERS_ENV];
  for (const c of consumers) users.push(roleUser("consumer", c, source, undefined));
  rejectDuplicateNames(users);
  return users;
}

/** What the roles left out mean, one line each (for stderr). */
export function missingRoleNotes(users: RoleUser[]): string[] {
  const given = new Set(users.map((u) => u.role));
  return ROLE_FLAGS.filter((r) => !given.has(r.role)).map((r) => `no ${r.flag}: ${r.without}`);
}

/** `[name=]credential`; a consumer must be named (`repinner=U…`). */
function roleUser(role: Role, text: string, source: string, defaultName: string | undefined): RoleUser {
  const at = text.indexOf("=");
  const name = at >= 0 ? text.slice(0, at).trim() : defaultName;
  const credential = parseCredential(at >= 0 ? text.slice(at + 1) : text);
  if (name === undefined) {
    throw new ConfigError(source, text.length > 0 ? "<not shown>" : text, "name each consumer: --consumer repinner=<nkey or bcrypt hash>");
  }
  if (!USER_NAME.test(name)) throw new ConfigError(source, name, "a user name is 1-64 letters, digits, '-' or '_'");
  // The value is not shown: it may be a password typed in clear.
  if (!credential) throw new ConfigError(at >= 0 ? `${source} (${name})` : source, "<not shown>", CREDENTIAL_HINT);
  return { role, name, credential };
}

function rejectDuplicateNames(users: RoleUser[]): void {
  const seen = new Set<string>();
  for (const u of users) {
    if (seen.has(u.name)) throw new UsageError(`two users are named ${u.name}: give each role and consumer its own name (name=credential)`);
    seen.add(u.name);
  }
}

function splitList(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((v) => v.trim())
    .filter(Boolean);
}
