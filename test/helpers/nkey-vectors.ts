/**
 * The shared vectors of test/vectors/libp2p-nkeys.json (made with go-libp2p and nats-io/nkeys; the
 * Go module tests against the same file): libp2p peer ids, and for the Ed25519 ones the NATS user
 * nkey each one is and its seed, so that a test can connect as that peer.
 */
import { readFileSync } from "node:fs";

export interface NkeyVector {
  peer_id: string;
  key_type: "Ed25519" | "Secp256k1" | "RSA" | "ECDSA";
  /** The same id as a CIDv1 (base36, libp2p-key codec); Ed25519 vectors only. */
  cid_v1?: string;
  nkey_user?: string;
  nkey_seed?: string;
}

/** An Ed25519 vector: a peer that can be a NATS user. */
export type Ed25519Vector = Required<NkeyVector>;

export const NKEY_VECTORS: NkeyVector[] = JSON.parse(readFileSync(new URL("../vectors/libp2p-nkeys.json", import.meta.url), "utf8")).vectors;

export const ED25519_PEERS = NKEY_VECTORS.filter((v): v is Ed25519Vector => v.key_type === "Ed25519");
