import { test } from "node:test";
import assert from "node:assert/strict";
import { distinctSuffixLength, peerLabel } from "../../src/api/peer-label.js";
import { libp2pIds, realLibp2pIds } from "../helpers/peer-ids.js";
import { parsePeerId } from "../../src/api/peer-id.js";

test("peer label - a libp2p id keeps its kind and the end that tells it apart; short ids stay whole", () => {
  assert.equal(peerLabel("12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK"), "12D3…rRJsNK");
  assert.equal(peerLabel("12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK", 8), "12D3…swrRJsNK");
  assert.equal(peerLabel("P1"), "P1");
  assert.equal(peerLabel("a-peer-named-19chars"), "a-pe…9chars");
});

test("peer label - the test helper's real libp2p ids parse as Ed25519 keys", () => {
  for (const id of realLibp2pIds(5)) {
    assert.match(id, /^12D3KooW[1-9A-HJ-NP-Za-km-z]{44}$/);
    assert.equal(parsePeerId(id).key.type, "inline");
  }
});

test("peer label - the suffix grows until every peer of the fleet reads differently", () => {
  assert.equal(distinctSuffixLength(["12D3KooWaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaxyz123", "12D3KooWbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbxyz123"]), 7);
  assert.equal(distinctSuffixLength(["P1", "P2"]), 6, "short ids: the minimum");
  const twice = "12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK";
  assert.equal(distinctSuffixLength([twice, twice]), 6, "the same id twice (a row and its silence) counts once");
  const fleet = [...realLibp2pIds(200), ...libp2pIds(2_000)];
  const n = distinctSuffixLength(fleet);
  assert.equal(new Set(fleet.map((p) => peerLabel(p, n))).size, 2_200, `${n} characters tell 2,200 peers apart`);
});
