import { test } from "node:test";
import assert from "node:assert/strict";
import { nkeys } from "nats";
import { base32 } from "multiformats/bases/base32";
import { base58btc } from "multiformats/bases/base58";
import { CID } from "multiformats/cid";
import * as Digest from "multiformats/hashes/digest";
import { parsePeerId } from "../../src/api/peer-id.js";
import { crc16, peerNkey, userNkey } from "../../src/api/peer-nkey.js";
import { PeerIdError } from "../../src/errors.js";
import { ED25519_PEERS, NKEY_VECTORS } from "../helpers/nkey-vectors.js";

test("peer nkey - every Ed25519 vector's base58 id is the nkey go-libp2p and nats-io/nkeys made, byte for byte", () => {
  assert.equal(ED25519_PEERS.length, 4);
  for (const v of ED25519_PEERS) assert.deepEqual(peerNkey(v.peer_id), { peer: v.peer_id, nkey: v.nkey_user }, v.peer_id);
});

test("peer nkey - the CIDv1 form (k51…, and bafz… of the same CID) gives the same nkey and the base58 id peers publish under", () => {
  for (const v of ED25519_PEERS) {
    assert.deepEqual(peerNkey(v.cid_v1), { peer: v.peer_id, nkey: v.nkey_user }, v.cid_v1);
    const inBase32 = cidInBase32(v.peer_id);
    assert.match(inBase32, /^bafz/);
    assert.deepEqual(peerNkey(inBase32), { peer: v.peer_id, nkey: v.nkey_user }, inBase32);
  }
});

test("peer nkey - the nkey is the vector's seed's public key, and nkeys.js reads it back (prefix U, checksum)", () => {
  for (const v of ED25519_PEERS) {
    const { nkey } = peerNkey(v.peer_id);
    assert.equal(nkeys.fromSeed(new TextEncoder().encode(v.nkey_seed)).getPublicKey(), nkey);
    assert.equal(nkeys.fromPublic(nkey).getPublicKey(), nkey);
  }
});

test("peer nkey - a key of another type is refused with an error naming its type and the fix", () => {
  const others = NKEY_VECTORS.filter((v) => v.key_type !== "Ed25519");
  assert.deepEqual(others.map((v) => v.key_type).sort(), ["ECDSA", "RSA", "Secp256k1"]);
  for (const v of others) {
    assert.throws(
      () => peerNkey(v.peer_id),
      (err: unknown) => {
        assert.ok(err instanceof PeerIdError);
        assert.equal(err.peer, v.peer_id);
        assert.match(err.message, new RegExp(`^peer ${v.peer_id}: it has an? .*${v.key_type}`));
        assert.match(err.message, /which a NATS nkey cannot be; give the peer an Ed25519 identity \(ipfs-cluster-service init/);
        return true;
      },
      v.peer_id,
    );
  }
});

test("peer nkey - ids libp2p hashes (Qm…) say why the key type is RSA or ECDSA: the key is not in the id", () => {
  assert.deepEqual(parsePeerId("QmPucrBsuiqpjjkSU7zTw8NyH6e9nG37bkT2psTMiEG8di").key, { type: "hashed" });
  const secp = parsePeerId("16Uiu2HAm11PBhiQ6E6WQXW8E2u4g8MC9nuJrayQdtECarufmMnNz");
  assert.equal(secp.key.type === "inline" && secp.key.keyType, "Secp256k1");
  assert.equal(secp.key.type === "inline" && secp.key.publicKey.length, 33, "a compressed secp256k1 point");
});

test("peer nkey - malformed ids are refused as not a libp2p peer id, saying what is wrong", () => {
  const sha1Multihash = CID.createV1(0x72, Digest.create(0x11, new Uint8Array(20).fill(1))).toString(base32);
  const cases: [string, RegExp][] = [
    ["", /nor a CID/],
    ["P1", /nor a CID/],
    ["12D3KooW", /not a multihash/],
    ["12D3KooWSsQQzc54ih7TbEwi7NgdSzswjUReYuHaNkt9yoVMq5U0", /not base58btc/], // 0 is not a base58 digit
    ["12D3KooWSsQQzc54ih7TbEwi7NgdSzswjUReYuHaNkt9yoVMq5U9x", /not a multihash/], // one character too many
    ["bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi", /a CID of codec 0x70, not of a libp2p key/],
    [sha1Multihash, /its multihash \(code 0x11\) is neither an inline key nor a SHA-256/],
  ];
  for (const [text, reason] of cases) {
    assert.throws(
      () => peerNkey(text),
      (err: unknown) => err instanceof PeerIdError && err.message.startsWith(`peer ${text}: not a libp2p peer id: `) && reason.test(err.message),
      text,
    );
  }
});

test("peer nkey - an inline key whose protobuf is damaged is refused, never read past its end", () => {
  // identity multihash (0x00, length) of a PublicKey protobuf: Type = Ed25519, Data = 32 bytes.
  const proto = [0x08, 0x01, 0x12, 0x20, ...new Array(32).fill(7)];
  const id = (bytes: number[]) => base58btc.baseEncode(Uint8Array.from([0x00, bytes.length, ...bytes]));
  assert.equal(peerNkey(id(proto)).nkey, userNkey(new Uint8Array(32).fill(7)));
  assert.throws(() => peerNkey(id(proto.slice(0, 20))), /its key data is cut short/);
  assert.throws(() => peerNkey(id([0x08, 0x09, ...proto.slice(2)])), /unknown key type 9/);
  assert.throws(() => peerNkey(id([0x12, 0x20, ...proto.slice(4)])), /the key type or the key data is missing/);
  assert.throws(() => peerNkey(id([0x1a, 0x00, ...proto])), /unexpected field tag 26/);
  assert.throws(() => peerNkey(id([0x08, 0x01, 0x12, 0x10, ...new Array(16).fill(7)])), /its Ed25519 key is 16 bytes, not 32/);
});

test("peer nkey - CRC-16/XMODEM matches its check value", () => {
  assert.equal(crc16(new TextEncoder().encode("123456789")), 0x31c3);
  assert.equal(crc16(new Uint8Array()), 0);
});

/** The id as a CIDv1 in base32 (`bafz…`), made independently with multiformats. */
function cidInBase32(peerId: string): string {
  return CID.createV1(0x72, Digest.decode(base58btc.baseDecode(peerId))).toString(base32);
}
