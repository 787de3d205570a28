/**
 * The authorization as a file nats-server includes: NATS config text (with a comment above every
 * user, saying which peer or role it is) or JSON (nats-server reads JSON configs too, and tools read
 * it as data). Both are deterministic: the same peers and roles give the same bytes, so a re-run
 * shows in a diff exactly what changed. Pure: no I/O.
 */
import { ACCOUNT, SYSTEM_ACCOUNT, type Authorization, type LabelledUser } from "./accounts.js";

const HEADER = `# peermon's NATS authorization, written by \`peermon auth\` from peer ids: do not edit it, run the
# command again (docs/security.md, "Peers as nkeys from their libp2p identity"). Include it in the
# server's config (\`include "peermon-accounts.conf"\`) instead of any other accounts block, and
# after each change: nats-server --signal reload.
#
# Every peer is an nkey user: its libp2p Ed25519 key, read from its peer id, signs the server's
# nonce. It may publish its own metrics only (peermon.metrics.*.<its id>, both subject forms), and
# query and follow alerts like an alert consumer. Without valid credentials a client is refused:
# there is no top-level authorization block and no no_auth_user.`;

/** NATS config text. */
export function renderConf(a: Authorization): string {
  const lines = [HEADER, "", "accounts {", `  ${ACCOUNT} {`];
  lines.push(`    jetstream: ${inline(a.jetstream)}`);
  lines.push("    mappings {");
  for (const [from, to] of Object.entries(a.mappings)) lines.push(`      ${JSON.stringify(from)}: ${JSON.stringify(to)}`);
  lines.push("    }");
  lines.push(...users(a.users, "    "));
  lines.push("  }", `  ${SYSTEM_ACCOUNT} {`, ...users(a.systemUsers, "    "), "  }", "}", `system_account: ${SYSTEM_ACCOUNT}`, "");
  return lines.join("\n");
}

/** The same authorization as JSON: a config nats-server accepts as it is. */
export function renderJson(a: Authorization): string {
  const plain = (list: LabelledUser[]) => list.map((u) => u.user);
  const config = {
    accounts: {
      [ACCOUNT]: { jetstream: a.jetstream, mappings: a.mappings, users: plain(a.users) },
      [SYSTEM_ACCOUNT]: { users: plain(a.systemUsers) },
    },
    system_account: SYSTEM_ACCOUNT,
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

/** `users: [ … ]`, one user a line (10,000 peers stay 10,000 readable lines), each under its label. */
function users(list: LabelledUser[], indent: string): string[] {
  if (list.length === 0) return [`${indent}users: []`];
  return [`${indent}users: [`, ...list.flatMap((u) => [`${indent}  # ${u.label}`, `${indent}  ${inline(u.user)}`]), `${indent}]`];
}

/** A value on one line. JSON is NATS config syntax, and quoting every string keeps `$…` from being read as a variable. */
function inline(value: unknown): string {
  return JSON.stringify(value).replace(/,"/g, ', "').replace(/":/g, '": ');
}
