/**
 * The documented install paths work as written, on a clean clone: the
 * commands of the code blocks marked `the commands of this block run in test/e2e/install.test.ts`
 * in README.md ("Install the command") and deploy/README.md (bare metal, /opt/peermon) run here,
 * word for word, with npm offline from its cache. The clone is of the committed HEAD.
 * Regression: `npm ci --omit=dev` in a clean clone failed with exit 127 (prepare ran tsc, a
 * devDependency), and the command was `npx peermon`, which outside the checkout asks the public
 * registry for a package called peermon.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { cleanup, natsServer, REPO_NATS_CONF, startMonitor } from "../helpers/nats.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const MARK = "<!-- the commands of this block run in test/e2e/install.test.ts -->";
const VERSION = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;

/** The lines of the sh block after MARK in `file`, comments and blank lines left out. */
function documentedCommands(file: string): string[] {
  const text = readFileSync(join(ROOT, file), "utf8");
  const at = text.indexOf(MARK);
  assert.ok(at >= 0, `${file} marks the block this test runs`);
  const block = /```sh\n([\s\S]*?)```/.exec(text.slice(at))![1]!;
  return block
    .split("\n")
    .map((l) => l.replace(/\s+#.*$/, "").trim())
    .filter(Boolean);
}

interface Run {
  code: number | null;
  output: string;
}

/** Runs `script` with bash -e in `cwd`; npm offline from its cache, quiet, no audit. */
function sh(script: string, cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const child = spawn("bash", ["-ec", script], {
    cwd,
    env: {
      ...process.env,
      npm_config_prefer_offline: "true",
      npm_config_audit: "false",
      npm_config_fund: "false",
      npm_config_update_notifier: "false",
      npm_config_loglevel: "error",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, output })));
}

function workdir(t: Parameters<typeof cleanup>[0]): string {
  const dir = mkdtempSync(join(tmpdir(), "peermon-install-"));
  cleanup(t, () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test("install - bare metal as deploy/README.md writes it: a clean clone, npm ci && npm prune --omit=dev, --version", async (t) => {
  const dir = workdir(t);
  const opt = join(dir, "opt-peermon");
  const commands = documentedCommands("deploy/README.md");
  assert.match(commands[0]!, /^git clone <this repository> \/opt\/peermon && cd \/opt\/peermon$/);
  const script = commands.map((c) => c.replace("<this repository>", `"${ROOT}"`).replaceAll("/opt/peermon", `"${opt}"`)).join("\n");
  const run = await sh(script, dir);
  assert.equal(run.code, 0, run.output);
  assert.match(run.output, new RegExp(`^${VERSION.replace(/\./g, "\\.")}$`, "m"), "peermon --version");
  assert.ok(existsSync(join(opt, "dist", "cli", "main.js")), "dist/ built");
  for (const dev of ["typescript", "tsx"]) assert.ok(!existsSync(join(opt, "node_modules", dev)), `${dev} pruned`);

  // npm ci --omit=dev alone, where dist/ is not built, stops and says what to run (it was exit 127).
  const alone = await sh("rm -rf dist && npm ci --omit=dev", opt);
  assert.notEqual(alone.code, 0);
  assert.match(alone.output, /peermon: cannot build dist\/: TypeScript is a devDependency.*\n.*npm ci && npm prune --omit=dev/);
  assert.doesNotMatch(alone.output, /command not found|127/);
});

test("install - the README's install path puts `peermon` on the PATH for any directory", async (t) => {
  const dir = workdir(t);
  const clone = join(dir, "clone");
  const prefix = join(dir, "global");
  const commands = documentedCommands("README.md");
  assert.ok(
    commands.some((c) => c.includes(`peermon-${VERSION}.tgz`)),
    `the README names the tarball of version ${VERSION}`,
  );
  // npm install -g installs under npm_config_prefix; its bin/ comes first on the PATH.
  const env = { npm_config_prefix: prefix, PATH: `${join(prefix, "bin")}:${process.env.PATH}` };
  const run = await sh([`git clone -q "${ROOT}" "${clone}" && cd "${clone}"`, ...commands].join("\n"), dir, env);
  assert.equal(run.code, 0, run.output);
  assert.match(run.output, new RegExp(`^${VERSION.replace(/\./g, "\\.")}$`, "m"));

  rmSync(clone, { recursive: true, force: true }); // the installed command needs no checkout
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  await startMonitor(t, server);
  const elsewhere = join(dir, "elsewhere");
  const used = await sh(`mkdir -p "${elsewhere}" && cd "${elsewhere}" && command -v peermon && peermon publish ping --peer P1 && peermon names`, dir, {
    ...env,
    NATS_URL: server.url,
    NO_COLOR: "1",
  });
  assert.equal(used.code, 0, used.output);
  assert.match(used.output, new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/bin/peermon$`, "m"), "the installed command");
  assert.match(used.output, /published P1 \| ping: {2}\| ttl: 30s\n/);
  assert.match(used.output, /^ping$/m);
});

test("install - quiet and reproducible: no install-script warnings, the tarball ignored by git, the locked versions installed (regression: msgpackr-extract 3.0.7 for a locked 3.0.4)", async (t) => {
  const dir = workdir(t);
  const clone = join(dir, "clone");
  const prefix = join(dir, "global");
  const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, { version: string }> };
  // npm at its default log level: warnings are what this test is about.
  const env = { npm_config_prefix: prefix, npm_config_loglevel: "warn", PATH: `${join(prefix, "bin")}:${process.env.PATH}` };
  const run = await sh(
    [
      `git clone -q "${ROOT}" "${clone}" && cd "${clone}"`,
      ...documentedCommands("README.md"),
      'echo "untracked: [$(git status --porcelain)]"',
      `node -p 'require("${prefix}/lib/node_modules/peermon/node_modules/msgpackr-extract/package.json").version'`,
      `node -p 'require("${prefix}/lib/node_modules/peermon/node_modules/msgpackr/package.json").version'`,
    ].join("\n"),
    dir,
    env,
  );
  assert.equal(run.code, 0, run.output);
  assert.doesNotMatch(run.output, /install-scripts|allowScripts|allow-scripts/, "no install script left to approve");
  assert.match(run.output, /^untracked: \[\]$/m, "the packed .tgz is ignored");
  assert.match(run.output, new RegExp(`^${lock.packages["node_modules/msgpackr-extract"]!.version.replace(/\./g, "\\.")}$`, "m"), "msgpackr-extract as locked");
  assert.match(run.output, new RegExp(`^${lock.packages["node_modules/msgpackr"]!.version.replace(/\./g, "\\.")}$`, "m"), "msgpackr as locked");
});
