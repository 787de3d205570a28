/**
 * Peer ids of real cluster size: libp2p's ed25519 ids are 52 characters (`12D3KooW` and 44 base58
 * characters), 54 bytes each in a PeerSet. 10,000 of them are about 530 KB.
 */
import { generateKeyPairSync } from "node:crypto";
import { base58btc } from "multiformats/bases/base58";
import { encodePeerSet } from "../../src/api/codec.js";

const BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const LIBP2P_ID_LENGTH = 52;
/** The id the SDK gives a PeerSet (a ULID): the same length, so sizes computed here hold for it. */
const ULID_LIKE = "01J00000000000000000000000";

/** The `i`-th of a family of distinct libp2p-like ids of `length` characters (52 by default). */
export function libp2pId(i: number, length = LIBP2P_ID_LENGTH): string {
  let tail = "";
  for (let n = i; tail.length < 12; n = Math.floor(n / 58)) tail = BASE58[n % 58] + tail;
  return ("12D3KooW" + "x".repeat(Math.max(0, length - 20)) + tail).slice(-length);
}

/** `count` distinct libp2p-like ids. */
export function libp2pIds(count: number): string[] {
  return Array.from({ length: count }, (_, i) => libp2pId(i));
}

/** The encoded size of a PeerSet of `peers` with a ULID id, bytes (what the SDK publishes). */
export function encodedSize(peers: string[]): number {
  return encodePeerSet({ peers, id: ULID_LIKE }).length;
}

/**
 * Distinct libp2p-like ids whose PeerSet (with a ULID id) encodes to exactly `bytes`: full-length
 * ids, then one longer id (about 160 to 220 characters) that makes up the rest; `bytes` >= 300.
 */
export function peersEncodingTo(bytes: number): string[] {
  const per = LIBP2P_ID_LENGTH + 2; // a str8 header and the id
  const count = Math.max(0, Math.floor((bytes - 200) / per));
  const peers = libp2pIds(count);
  const rest = bytes - encodedSize([...peers, "x".repeat(100)]) + 100; // what the last id must take
  peers.push(libp2pId(count, rest));
  const size = encodedSize(peers);
  if (size !== bytes) throw new Error(`peersEncodingTo(${bytes}) made ${size} bytes`);
  return peers;
}

/**
 * `count` real libp2p Ed25519 peer ids (`12D3KooW…`, random keys): base58btc of the identity
 * multihash of the key's protobuf `PublicKey { Type: Ed25519, Data: <32 bytes> }`.
 */
export function realLibp2pIds(count: number): string[] {
  return Array.from({ length: count }, () => {
    const der = generateKeyPairSync("ed25519").publicKey.export({ format: "der", type: "spki" });
    const key = der.subarray(der.length - 32);
    const protobuf = Buffer.concat([Buffer.from([0x08, 0x01, 0x12, 0x20]), key]);
    return base58btc.baseEncode(Buffer.concat([Buffer.from([0x00, protobuf.length]), protobuf]));
  });
}
