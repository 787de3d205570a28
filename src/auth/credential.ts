/**
 * How a role user (monitor, peer manager, operator, consumer, system) proves who it is in the
 * generated authorization: an nkey public key (`U…`: it signs the server's nonce; nothing secret
 * is in the config) or a bcrypt hash of its password. A password in clear is refused: it would be
 * written into a file every server and backup holds. Pure: no I/O.
 */
import { nkeys } from "nats";

export type Credential = { type: "nkey"; nkey: string } | { type: "bcrypt"; hash: string };

/** What nats-server 2.9 accepts as a bcrypt hash: `$2a$`, `$2b$` or `$2y$`, a cost, 53 characters. */
const BCRYPT = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;

export const CREDENTIAL_HINT =
  "give the user's nkey public key (U…, as `nk -gen user -pubout` prints it; the user then logs in with --nkey <seed file>) " +
  "or a bcrypt hash of its password ($2a$/$2b$/$2y$…, from `nats server passwd` or `htpasswd -nbBC 11 \"\" PASSWORD | tr -d ':\\n'`): " +
  "a password in clear never goes into the config";

/** Reads a credential; undefined when `text` is neither an nkey public key nor a bcrypt hash. */
export function parseCredential(text: string): Credential | undefined {
  const value = text.trim();
  if (BCRYPT.test(value)) return { type: "bcrypt", hash: value };
  if (value.startsWith("U") && isPublicKey(value)) return { type: "nkey", nkey: value };
  return undefined;
}

function isPublicKey(value: string): boolean {
  try {
    nkeys.fromPublic(value);
    return true;
  } catch {
    return false;
  }
}
