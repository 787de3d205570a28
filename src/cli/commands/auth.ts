/**
 * `peermon auth [peers...] | --file <path> | --from-peerset  --monitor <cred> [--peermgr <cred>]
 * [--operator <cred>] [--consumer <name=cred>]... [--sys <cred>] [--out <file>] [--json]`: the NATS
 * authorization of a peerset, from peer ids alone. Every peer becomes an nkey user (its libp2p
 * Ed25519 key, read from its id) allowed to publish only its own metrics; the role users get the
 * credentials given. The rules are src/auth/'s; this file reads arguments and writes the file.
 */
import { chmodSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { Command } from "commander";
import { peerNkeys, type PeerNkey } from "../../api/peer-nkey.js";
import { Subjects } from "../../api/subjects.js";
import { authorization, type RoleUser } from "../../auth/accounts.js";
import { renderConf, renderJson } from "../../auth/render.js";
import { DEFAULT_CONFIG } from "../../config.js";
import { ConfigError, PeermonError, UsageError } from "../../errors.js";
import { CONSUMERS_ENV, missingRoleNotes, roleUsers, type RoleFlags } from "../auth-roles.js";
import { peerList } from "../peer-list.js";
import { resolveSettings } from "../resolve-settings.js";
import { printNote, withConnection, withSession } from "./session.js";

type Flags = RoleFlags & { file?: string; fromPeerset?: boolean; out?: string; json?: boolean; partitions?: string } & Record<string, unknown>;

export function authCommand(): Command {
  return withConnection(new Command("auth"))
    .description("write the NATS authorization of a peerset: every peer an nkey user from its libp2p id, publishing only its own metrics")
    .argument("[peers...]", "libp2p peer ids (12D3KooW… or k51…): Ed25519 identities")
    .option("--file <path>", "read the peer ids from this file (- for stdin), separated by spaces or lines")
    .option("--from-peerset", "take the peers of the peerset stored on the server (connect as the peer manager)")
    .option("--monitor <credential>", "the monitor's nkey public key (U…) or bcrypt hash, [name=] before it to name it (env PEERMON_AUTH_MONITOR); required")
    .option("--peermgr <credential>", "the peer manager's, likewise (env PEERMON_AUTH_PEERMGR)")
    .option("--operator <credential>", "the operator's, likewise (env PEERMON_AUTH_OPERATOR)")
    .option("--consumer <name=credential>", `an alert consumer (a repinner, an allocator); repeat it for each (env ${CONSUMERS_ENV}, comma separated)`, collect)
    .option("--sys <credential>", "a user of the system account SYS, likewise (env PEERMON_AUTH_SYS)")
    .option("--partitions <n>", "the partition() count of the account's mappings, as peermon's --partitions (env PEERMON_PARTITIONS; default: 32)")
    .option("--out <file>", "write the file here (replaced whole, never half written) instead of printing it")
    .option("--json", "write it as JSON: a config nats-server reads too, and data for tools")
    .addHelpText(
      "after",
      `
A credential is an nkey public key (U…: \`nk -gen user -pubout\`; that user logs in with --nkey <seed
file>) or a bcrypt hash of a password (\`nats server passwd\`): never a password in clear. Include the
file in the server's config (deploy/secure/nats-secure.conf does) and reload the server after each
change. docs/security.md, "Peers as nkeys from their libp2p identity", says how it works.

Examples:
  peermon auth --file peers.txt --monitor "$(tail -1 monitor.nk)" --peermgr 'peermgr=$2b$11$…' \\
    --consumer 'repinner=$2b$11$…' --out /etc/nats/peermon-accounts.conf && nats-server --signal reload
  NATS_NKEY=peermgr.nk peermon auth --from-peerset --monitor U… --out /etc/nats/peermon-accounts.conf
  peermon auth 12D3KooW… 12D3KooW… --monitor U… --json`,
    )
    .action(async (args: string[], flags: Flags) => {
      const roles = roleUsers(flags, process.env);
      const partitions = partitionsOf(flags, process.env);
      const { prefix } = resolveSettings(flags, process.env, "client");
      const peers = nkeyUsers(await peerIds(args, flags));
      rejectSharedNkeys(peers, roles);
      const auth = authorization({ subjects: new Subjects(prefix), partitions, peers, roles });
      const text = flags.json ? renderJson(auth) : renderConf(auth);
      if (flags.out === undefined) process.stdout.write(text);
      else writeWhole(flags.out, text);
      for (const note of missingRoleNotes(roles)) printNote(`peermon auth: ${note}`);
      if (flags.out !== undefined) {
        printNote(
          `peermon auth: wrote ${flags.out}: ${peers.length} peer${peers.length === 1 ? "" : "s"}, ${roles.map((r) => r.name).join(", ")}; reload the server: nats-server --signal reload`,
        );
      }
    });
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** The peer ids from the arguments, --file, or the peerset stored on the server: one way only. */
async function peerIds(args: string[], flags: Flags): Promise<string[]> {
  if (!flags.fromPeerset) return peerList(args, flags.file);
  if (args.length > 0 || flags.file !== undefined) {
    throw new UsageError("give the peers one way: as arguments, with --file, or with --from-peerset");
  }
  const reading = await withSession(flags, "auth", (s) => s.client.peersets.read());
  if (reading.type !== "current") {
    throw new PeermonError(
      "no peerset is stored on the server (set one with `peermon peerset set`), so --from-peerset has no peers: give the peer ids as arguments or with --file",
    );
  }
  return reading.peerset.peers;
}

/** Every peer as an nkey user, or an error listing every peer that cannot be one (nothing is written). */
function nkeyUsers(ids: string[]): PeerNkey[] {
  const { peers, refused } = peerNkeys(ids);
  if (refused.length > 0) {
    throw new UsageError(
      `${refused.length} of ${ids.length} peer ids cannot be NATS users, so nothing was written:\n  ${refused.map((e) => e.message).join("\n  ")}`,
    );
  }
  return peers;
}

/** One nkey is one user: a role may not share a peer's key, nor another role's. */
function rejectSharedNkeys(peers: PeerNkey[], roles: RoleUser[]): void {
  const owner = new Map(peers.map((p) => [p.nkey, `peer ${p.peer}`]));
  for (const r of roles) {
    if (r.credential.type !== "nkey") continue;
    const other = owner.get(r.credential.nkey);
    if (other) throw new UsageError(`${r.name} has the nkey of ${other}: give each user its own key (nk -gen user -pubout)`);
    owner.set(r.credential.nkey, r.name);
  }
}

function partitionsOf(flags: Flags, env: NodeJS.ProcessEnv): number {
  const [text, source] = flags.partitions !== undefined ? [flags.partitions, "--partitions"] : [env.PEERMON_PARTITIONS, "PEERMON_PARTITIONS"];
  if (text === undefined || text === "") return DEFAULT_CONFIG.partitions;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 1_024) {
    throw new ConfigError(source, text, "give the partition() count of the server's mappings, 1 to 1024, like 32 (peermon serve's --partitions)");
  }
  return n;
}

/**
 * Writes `path` through a temporary file beside it and a rename, so a server reloading meanwhile
 * reads the old file or the new one, never half of one; an existing file keeps its mode.
 */
function writeWhole(path: string, text: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, text);
    const mode = modeOf(path);
    if (mode !== undefined) chmodSync(tmp, mode);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new PeermonError(`cannot write --out ${path}: ${(err as Error).message}; give a writable path`, { cause: err });
  }
}

function modeOf(path: string): number | undefined {
  try {
    return statSync(path).mode & 0o7777;
  } catch {
    return undefined;
  }
}
