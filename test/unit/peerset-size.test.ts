import { test } from "node:test";
import assert from "node:assert/strict";
import { encodePeerSet, MAX_PEERSET_BYTES } from "../../src/api/codec.js";
import { peersetLimit } from "../../src/bus/peerset-stream.js";
import { formatBytes, PeerSetTooLarge } from "../../src/client/peerset-too-large.js";
import { PeermonError } from "../../src/errors.js";
import { libp2pIds, peersEncodingTo } from "../helpers/peer-ids.js";
import { setup } from "../helpers/supervisor.js";

const PS_ID = "01HZZZZZZZZZZZZZZZZZZZZZZZ";
const MB8 = 8 * 1024 * 1024;

const LIMITS: [what: string, maxPayload: number | undefined, streamMaxMsgSize: number | undefined, limit: number][] = [
  ["the server's max_payload when the stream has no limit", MB8, -1, MB8],
  ["the server's max_payload when the stream's limit is not given", MB8, undefined, MB8],
  ["the stream's limit when it is lower (an operator's 64 KiB)", MB8, 65_536, 65_536],
  ["the server's max_payload when the stream's limit is higher", 1_048_576, MB8, 1_048_576],
  ["the server's max_payload when the stream's limit is 0 (none)", MB8, 0, MB8],
  ["64 MiB (nats-server's highest max_payload) when it is unknown", undefined, -1, MAX_PEERSET_BYTES],
  ["the stream's limit when max_payload is unknown", undefined, 1_000, 1_000],
];

for (const [what, maxPayload, stream, limit] of LIMITS) {
  test(`peerset size - the limit is ${what}`, () => {
    assert.equal(peersetLimit(maxPayload, stream), limit);
  });
}

const SIZES: [bytes: number, text: string][] = [
  [1, "1 byte"],
  [1_023, "1,023 bytes"],
  [65_536, "65,536 bytes (64 KiB)"],
  [540_035, "540,035 bytes (527.4 KiB)"],
  [8_388_608, "8,388,608 bytes (8 MiB)"],
  [8_388_609, "8,388,609 bytes (8.0 MiB)"],
];

for (const [bytes, text] of SIZES) {
  test(`peerset size - ${bytes} bytes read ${JSON.stringify(text)}`, () => {
    assert.equal(formatBytes(bytes), text);
  });
}

test("peerset size - refused by the server: the error names max_payload, its size, and how to raise it", () => {
  const err = PeerSetTooLarge.byServer(155_342, 8_388_609, 8_388_608, new Error("MAX_PAYLOAD_EXCEEDED"));
  assert.ok(err instanceof PeermonError, "a user error: the CLI exits 2 with its message");
  assert.deepEqual([err.limitedBy, err.limitBytes, err.bytes, err.peers], ["server", 8_388_608, 8_388_609, 155_342]);
  assert.match(
    err.message,
    /^the peerset of 155342 peers is 8,388,609 bytes \(8\.0 MiB\) encoded, over the NATS server's max_payload of 8,388,608 bytes \(8 MiB\)/,
  );
  assert.match(err.message, /raise max_payload in the server's config \(for example `max_payload: 16MB`; nats-server takes up to 64MB\)/);
  assert.match(err.message, /try again$/);
});

test("peerset size - refused by the stream: the error names its max_msg_size and the command that removes it", () => {
  const legacy = PeerSetTooLarge.byStream(1_300, 70_235, 65_536, "PEERMON_PEERSET", undefined);
  assert.match(legacy.message, /over the 65,536 bytes \(64 KiB\) that the stream PEERMON_PEERSET accepts \(its max_msg_size\)/);
  assert.match(legacy.message, /`nats stream edit PEERMON_PEERSET --max-msg-size=-1`/);
  const operators = PeerSetTooLarge.byStream(2, 2_000, 1_000, "X_PEERSET", undefined);
  assert.match(operators.message, /\(its max_msg_size\): remove/, "an operator's limit is not blamed on peermon");
});

test("peerset size - the intake applies a PeerSet of 10,000 libp2p ids", () => {
  const { sup, units, intake } = setup();
  const peers = libp2pIds(10_000);
  intake.receivePeerSet(encodePeerSet({ peers, id: PS_ID }), MB8);
  assert.equal(sup.currentPeerSet?.peers.length, 10_000);
  assert.equal(units.stats.peersetsApplied, 1);
  assert.equal(units.stats.rejectedTotal(), 0);
});

test("peerset size - a PeerSet one byte over the given limit is counted as too_large and changes nothing", () => {
  const { sup, units, intake } = setup();
  sup.applyPeerSet({ peers: ["P1"], id: PS_ID });
  const data = encodePeerSet({ peers: peersEncodingTo(100_001), id: PS_ID });
  intake.receivePeerSet(data, 100_000);
  assert.equal(units.stats.rejected.too_large, 1);
  assert.equal(units.stats.rejectedTotal(), 1);
  assert.deepEqual(sup.currentPeerSet, { peers: ["P1"], id: PS_ID }, "the previous peerset stays");
  intake.receivePeerSet(data, 100_001);
  assert.equal(sup.currentPeerSet?.peers.length, peersEncodingTo(100_001).length, "at the limit it is applied");
});
