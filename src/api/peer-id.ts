/**
 * libp2p peer ids as text, read the way libp2p's peer-id spec says: a string starting with `1` or
 * `Qm` is a bare base58btc multihash (`12D3KooW…` Ed25519, `16Uiu2…` Secp256k1, `Qm…` a SHA-256 of
 * a larger key); anything else is a multibase CIDv1 with the `libp2p-key` codec (`k51…` base36,
 * `bafz…` base32). The multihash is the identity of the key's protobuf (`PublicKey { Type = 1;
 * Data = 2 }`) when that protobuf is at most 42 bytes (Ed25519, Secp256k1), else its SHA-256, which
 * hides the key. Pure: no I/O.
 */
import { CID } from "multiformats/cid";
import * as Digest from "multiformats/hashes/digest";
import { base32 } from "multiformats/bases/base32";
import { base36 } from "multiformats/bases/base36";
import { base58btc } from "multiformats/bases/base58";
import { PeerIdError } from "../errors.js";

/** libp2p's key types, by their protobuf enum value (`crypto.pb.KeyType`). */
export const KEY_TYPES = ["RSA", "Ed25519", "Secp256k1", "ECDSA"] as const;
export type KeyType = (typeof KEY_TYPES)[number];

/** What a peer id tells about its key. */
export type PeerKey =
  /** The key itself is in the id (identity multihash). */
  | { type: "inline"; keyType: KeyType; publicKey: Uint8Array }
  /** The id is the SHA-256 of the key's protobuf: the key (and its type) cannot be read from it. */
  | { type: "hashed" };

export interface PeerIdentity {
  /** The id as libp2p prints it (`peer.ID.String()`): base58btc of the multihash. Peers publish under it. */
  id: string;
  key: PeerKey;
}

const IDENTITY = 0x00;
const SHA2_256 = 0x12;
const LIBP2P_KEY = 0x72;
/** Protobuf tags of `PublicKey`: field 1 as a varint, field 2 as length-delimited bytes. */
const TYPE_FIELD = (1 << 3) | 0;
const DATA_FIELD = (2 << 3) | 2;
const MULTIBASES = base32.decoder.or(base36.decoder).or(base58btc.decoder);

/** Reads a peer id in any of its text forms; throws PeerIdError saying what is wrong with it. */
export function parsePeerId(text: string): PeerIdentity {
  const multihash = text.startsWith("1") || text.startsWith("Qm") ? bareMultihash(text) : cidMultihash(text);
  const digest = decodeDigest(text, multihash);
  const id = base58btc.baseEncode(digest.bytes);
  if (digest.code === SHA2_256 && digest.size === 32) return { id, key: { type: "hashed" } };
  if (digest.code !== IDENTITY) {
    throw new PeerIdError(text, `not a libp2p peer id: its multihash (code 0x${digest.code.toString(16)}) is neither an inline key nor a SHA-256 of one`);
  }
  return { id, key: { type: "inline", ...publicKeyOf(text, digest.digest) } };
}

function bareMultihash(text: string): Uint8Array {
  try {
    return base58btc.baseDecode(text);
  } catch (err) {
    throw new PeerIdError(text, `not a libp2p peer id: it is not base58btc (${(err as Error).message})`);
  }
}

function cidMultihash(text: string): Uint8Array {
  let cid: CID;
  try {
    cid = CID.parse(text, MULTIBASES);
  } catch (err) {
    throw new PeerIdError(text, `not a libp2p peer id: it is neither a base58 multihash (12D3KooW…, Qm…) nor a CID (k51…, bafz…): ${(err as Error).message}`);
  }
  if (cid.code !== LIBP2P_KEY) {
    throw new PeerIdError(text, `not a libp2p peer id: it is a CID of codec 0x${cid.code.toString(16)}, not of a libp2p key (0x72)`);
  }
  return cid.multihash.bytes;
}

function decodeDigest(text: string, multihash: Uint8Array): ReturnType<typeof Digest.decode> {
  try {
    return Digest.decode(multihash);
  } catch (err) {
    throw new PeerIdError(text, `not a libp2p peer id: it is not a multihash (${(err as Error).message})`);
  }
}

/** The two fields of a libp2p `PublicKey` protobuf: `Type` (1, varint) and `Data` (2, bytes). */
function publicKeyOf(text: string, proto: Uint8Array): { keyType: KeyType; publicKey: Uint8Array } {
  const bad = (why: string) => new PeerIdError(text, `not a libp2p peer id: its inline public key is not a libp2p PublicKey protobuf (${why})`);
  let keyType: KeyType | undefined;
  let publicKey: Uint8Array | undefined;
  for (let at = 0; at < proto.length; ) {
    const [tag, afterTag] = varint(proto, at, bad);
    if (tag === TYPE_FIELD) {
      const [value, next] = varint(proto, afterTag, bad);
      keyType = KEY_TYPES[value];
      if (keyType === undefined) throw bad(`unknown key type ${value}`);
      at = next;
    } else if (tag === DATA_FIELD) {
      const [length, start] = varint(proto, afterTag, bad);
      if (start + length > proto.length) throw bad("its key data is cut short");
      publicKey = proto.subarray(start, start + length);
      at = start + length;
    } else {
      throw bad(`unexpected field tag ${tag}`);
    }
  }
  if (keyType === undefined || publicKey === undefined) throw bad("the key type or the key data is missing");
  return { keyType, publicKey };
}

/** A protobuf varint at `at` (at most 4 bytes: peer id fields are small): [value, offset after it]. */
function varint(bytes: Uint8Array, at: number, bad: (why: string) => Error): [number, number] {
  let value = 0;
  for (let i = 0; i < 4 && at + i < bytes.length; i++) {
    const b = bytes[at + i]!;
    value |= (b & 0x7f) << (7 * i);
    if ((b & 0x80) === 0) return [value, at + i + 1];
  }
  throw bad("a varint runs past its end");
}
