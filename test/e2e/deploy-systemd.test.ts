/**
 * deploy/systemd: peermon's units work with the per-node nats-server@ units.
 * Regression: peermon@.service was ordered only after Debian's single nats-server.service, which
 * deploy/README.md disables on cluster hosts, so a monitor on a NATS host raced its local node at
 * boot and lost it mid-flush at shutdown.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseUnit } from "../helpers/deploy-artefacts.js";

const SYSTEMD = fileURLToPath(new URL("../../deploy/systemd/", import.meta.url));
const unit = (name: string) => parseUnit(readFileSync(join(SYSTEMD, name), "utf8"));
const words = (values: string[] | undefined) => (values ?? []).join(" ").split(/\s+/).filter(Boolean);
const hasSystemd = ["systemctl", "systemd-analyze"].every((c) => spawnSync(c, ["--version"]).status === 0);

/** A scratch root with deploy/systemd's units in /etc/systemd/system. */
function scratchRoot(): { root: string; units: string; remove(): void } {
  const root = mkdtempSync(join(tmpdir(), "peermon-systemd-"));
  const units = join(root, "etc", "systemd", "system");
  mkdirSync(units, { recursive: true });
  for (const f of readdirSync(SYSTEMD)) if (/\.(service|target)$/.test(f)) copyFileSync(join(SYSTEMD, f), join(units, f));
  return { root, units, remove: () => rmSync(root, { recursive: true, force: true }) };
}

test("deploy systemd - peermon's units start after the host's NATS nodes, which nats-server.target gathers", () => {
  for (const name of ["peermon@.service", "peermon.service"]) {
    const after = words(unit(name).Unit!.After);
    assert.ok(after.includes("nats-server.target"), `${name} is ordered after nats-server.target: ${after.join(" ")}`);
    assert.ok(after.includes("nats-server.service"), `${name} still follows Debian's single nats-server.service`);
  }
  const node = unit("nats-server@.service");
  assert.deepEqual(words(node.Unit!.PartOf), ["nats-server.target"]);
  assert.ok(words(node.Unit!.Before).includes("nats-server.target"), "a node starts before the target is reached");
  assert.ok(words(node.Install!.WantedBy).includes("nats-server.target"));
  assert.deepEqual(words(node.Install!.Also), ["nats-server.target"], "enabling a node enables the target");
  assert.ok(existsSync(join(SYSTEMD, "nats-server.target")));
  assert.ok(words(unit("nats-server.target").Install!.WantedBy).includes("multi-user.target"));
});

test("deploy systemd - enabling a node and peermon.target as deploy/README.md says wires the order; systemd-analyze finds nothing wrong", {
  skip: !hasSystemd && "needs systemctl and systemd-analyze",
}, () => {
  const scratch = scratchRoot();
  try {
    const enable = spawnSync("systemctl", [`--root=${scratch.root}`, "enable", "nats-server@n1.service", "peermon.target"], { encoding: "utf8" });
    assert.equal(enable.status, 0, enable.stderr);
    for (const link of [
      "multi-user.target.wants/nats-server@n1.service",
      "nats-server.target.wants/nats-server@n1.service",
      "multi-user.target.wants/nats-server.target",
      "multi-user.target.wants/peermon.target",
    ]) {
      // The links point into the root's /etc (absolute), so look at the link itself.
      assert.ok(lstatSync(join(scratch.units, link), { throwIfNoEntry: false })?.isSymbolicLink(), `systemctl enable made ${link}`);
    }
    const verify = spawnSync(
      "systemd-analyze",
      ["verify", "--man=no", "peermon@0-2.service", "peermon@1-2.service", "nats-server@n1.service", "nats-server.target", "peermon.target", "peermon.service"],
      { cwd: scratch.units, env: { ...process.env, SYSTEMD_UNIT_PATH: `${scratch.units}:` }, encoding: "utf8" },
    );
    // A test machine may lack /usr/bin/node or /usr/sbin/nats-server; anything else is a finding.
    const findings = `${verify.stdout}${verify.stderr}`.split("\n").filter((l) => l && !/is not executable|No such file or directory/.test(l));
    assert.deepEqual(findings, [], "systemd-analyze verify");
    assert.equal(verify.status, 0);
  } finally {
    scratch.remove();
  }
});
