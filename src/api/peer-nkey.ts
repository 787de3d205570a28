/**
 * A libp2p Ed25519 peer id as a NATS user nkey. Both are Ed25519 public keys, so a cluster peer
 * connects to NATS signing the server's nonce with its own libp2p private key, and the server
 * knows it by the nkey derived here from its peer id alone. Pure: no I/O.
 *
 * An nkey is base32 (RFC 4648, no padding) of: a prefix byte (user: 20 << 3, printed `U`), the
 * 32-byte key, and a CRC-16/XMODEM of those 33 bytes, little endian (nats-io/nkeys `Encode`).
 * nkeys.js has that encoder but not in its public surface, so it is written out here and tested
 * byte for byte against keys made by nats-io/nkeys, and read back with nkeys.js's `fromPublic`.
 */
import { base32upper } from "multiformats/bases/base32";
import { PeerIdError } from "../errors.js";
import { parsePeerId, type KeyType } from "./peer-id.js";

/** A peer of the cluster as a NATS user. */
export interface PeerNkey {
  /** The peer id as libp2p prints it (`12D3KooW…`): what its metric subjects carry. */
  peer: string;
  /** Its NATS user public key (`U…`, 56 characters). */
  nkey: string;
}

const USER_PREFIX = 20 << 3;
const ED25519_KEY_BYTES = 32;

const FIX =
  "give the peer an Ed25519 identity (ipfs-cluster-service init creates one: move the old identity.json aside first), " +
  "then run peermon auth again with its new id";

/** The NATS user of the peer `text` (any text form of its id); throws PeerIdError when it has none. */
export function peerNkey(text: string): PeerNkey {
  const { id, key } = parsePeerId(text);
  if (key.type === "hashed") {
    throw new PeerIdError(
      text,
      "it has an RSA or ECDSA key (its id is a SHA-256 of the key, as libp2p makes them for keys over 42 bytes; " +
        `an Ed25519 id, 12D3KooW…, holds the key itself), which a NATS nkey cannot be; ${FIX}`,
    );
  }
  if (key.keyType !== "Ed25519") throw new PeerIdError(text, `it has ${article(key.keyType)} ${key.keyType} key, which a NATS nkey cannot be; ${FIX}`);
  if (key.publicKey.length !== ED25519_KEY_BYTES) {
    throw new PeerIdError(text, `not a libp2p peer id: its Ed25519 key is ${key.publicKey.length} bytes, not ${ED25519_KEY_BYTES}`);
  }
  return { peer: id, nkey: userNkey(key.publicKey) };
}

/**
 * The NATS users of a list of peer ids (any text form): one per peer, sorted by peer id (a re-run
 * from a peerset in another order gives the same file), the same peer written twice counted once;
 * and every id that cannot be one, with why.
 */
export function peerNkeys(texts: string[]): { peers: PeerNkey[]; refused: PeerIdError[] } {
  const byPeer = new Map<string, PeerNkey>();
  const refused: PeerIdError[] = [];
  for (const text of texts) {
    try {
      const p = peerNkey(text);
      byPeer.set(p.peer, p);
    } catch (err) {
      if (!(err instanceof PeerIdError)) throw err;
      refused.push(err);
    }
  }
  const peers = [...byPeer.values()].sort((a, b) => (a.peer < b.peer ? -1 : a.peer > b.peer ? 1 : 0));
  return { peers, refused };
}

/** The NATS user public key (`U…`) of a raw 32-byte Ed25519 public key. */
export function userNkey(publicKey: Uint8Array): string {
  const raw = new Uint8Array(1 + publicKey.length + 2);
  raw[0] = USER_PREFIX;
  raw.set(publicKey, 1);
  const crc = crc16(raw.subarray(0, 1 + publicKey.length));
  raw[raw.length - 2] = crc & 0xff;
  raw[raw.length - 1] = crc >>> 8;
  return base32upper.baseEncode(raw);
}

/** CRC-16/XMODEM (polynomial 0x1021, initial value 0), as nkeys checksums their keys. */
export function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const b of bytes) {
    crc ^= b << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** "an RSA", "an ECDSA", but "a Secp256k1". */
function article(keyType: KeyType): string {
  return keyType === "Secp256k1" ? "a" : "an";
}
