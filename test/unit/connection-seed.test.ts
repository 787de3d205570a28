import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readSeed } from "../../src/bus/connection.js";
import { ConfigError } from "../../src/errors.js";
import { ED25519_PEERS } from "../helpers/nkey-vectors.js";

const [peer] = ED25519_PEERS;

function withFile(content: string, fn: (path: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), "peermon-seed-"));
  try {
    const path = join(dir, "peer.nk");
    writeFileSync(path, content);
    fn(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("--nkey - reads the seed from its file, alone or followed by the public key (as nk -pubout writes it)", () => {
  for (const content of [peer!.nkey_seed, `${peer!.nkey_seed}\n`, `${peer!.nkey_seed}\n${peer!.nkey_user}\n`]) {
    withFile(content, (path) => assert.equal(new TextDecoder().decode(readSeed(path)), peer!.nkey_seed));
  }
});

test("--nkey - a file without a seed, or none at all, is an error that says what the file must hold", () => {
  // nothing, a public key, a seed with one character changed (its checksum fails)
  for (const content of ["", peer!.nkey_user, "SUAPTQM3WIP6G5GMX747I3KQ4VVVVZZ5SY56DYMGMZQHYHQATCYAZ3V4QU"]) {
    withFile(content, (path) =>
      assert.throws(
        () => readSeed(path),
        (err: unknown) => err instanceof ConfigError && /holds no nkey seed: write the seed \(SU…/.test(err.message),
      ),
    );
  }
  assert.throws(() => readSeed(join(tmpdir(), "peermon-no-such-dir", "peer.nk")), /cannot read the nkey seed file .*check the path/);
});
