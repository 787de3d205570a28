import { test } from "node:test";
import assert from "node:assert/strict";
import { signBody, verifySignature } from "../../src/delivery/signature.js";

test("signature - HMAC-SHA256 of the body as sha256=<hex> (RFC 4231 test case 2)", () => {
  const body = Buffer.from("what do ya want for nothing?");
  assert.equal(signBody(body, "Jefe"), "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
});

test("signature - verifies the exact bytes only", () => {
  const body = Buffer.from('{"version":"4","status":"firing"}');
  const header = signBody(body, "s3cret");
  assert.equal(verifySignature(body, "s3cret", header), true);
  assert.equal(verifySignature(body, "s3cret", header.toUpperCase().replace("SHA256=", "sha256=")), true, "hex case does not matter");
  assert.equal(verifySignature(Buffer.from('{"version":"4","status":"firing"} '), "s3cret", header), false, "one more byte");
  assert.equal(verifySignature(body, "other", header), false, "another secret");
  for (const bad of [undefined, null, "", "sha256=", "sha1=abc", header.slice(0, -1)]) {
    assert.equal(verifySignature(body, "s3cret", bad), false, `header ${String(bad)}`);
  }
});
