/**
 * What every command shares: one exit-code convention for usage and
 * validation errors alike, `--json` where the README says, `serve --help` with every default.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { freePort } from "../../src/cli/local-nats.js";
import { runCli } from "../helpers/cli.js";
import { client, natsServer, publishMetric, REPO_NATS_CONF, startMonitor, waitUntil } from "../helpers/nats.js";

test("cli conventions - exit 2 for anything mistyped, 1 for what could not be done, 0 for help and version", async (t) => {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  await startMonitor(t, server);
  const env = { NATS_URL: server.url };
  const nobody = { NATS_URL: `nats://127.0.0.1:${await freePort()}` };
  const cases: [args: string[], env: NodeJS.ProcessEnv, code: number, stderr: RegExp][] = [
    [["status", "--bogus"], env, 2, /unknown option '--bogus'/],
    [["latest"], env, 2, /missing required argument 'name'/],
    [["nosuchcommand"], env, 2, /unknown command 'nosuchcommand'/],
    // A group alone is usage (bare `peerset` shows the peerset since issue 21: test/e2e/edges.test.ts).
    [["silence"], env, 2, /Usage: peermon silence/],
    [["publish", "ping", "--peer", "P1", "--ttl", "soon"], env, 2, /^peermon: invalid --ttl: "soon"/],
    [["latest", "a.b"], env, 2, /^peermon: invalid metric name: "a\.b"/],
    [["status"], { NATS_URL: "", PEERMON_PREFIX: "a b" }, 2, /^peermon: invalid --prefix \(PEERMON_PREFIX\)/],
    [["peer", "ping", "P9"], env, 1, /^peermon: no ping metric from peer P9/],
    [["names"], nobody, 1, /^peermon: cannot connect to NATS/],
    [["--help"], env, 0, /^$/],
    [["--version"], env, 0, /^$/],
  ];
  const results = await Promise.all(cases.map(([args, e]) => runCli(t, args, e)));
  results.forEach((r, i) => {
    const [args, , code, stderr] = cases[i]!;
    assert.equal(r.code, code, `peermon ${args.join(" ")}: exit ${code}; stderr:\n${r.stderr}`);
    assert.match(r.stderr, stderr, `peermon ${args.join(" ")}`);
  });
  assert.match(results.at(-2)!.stdout, /Exit status:\n {2}0 +done.*\n {2}1 +it could not be done.*\n {2}2 +usage/, "--help documents the convention");
});

/** The option blocks of a help text: each starts with "  -" and runs until the next. */
function optionBlocks(help: string): string[] {
  const section = help.slice(help.indexOf("Options:")).split(/\n\n/)[0]!;
  return section
    .split(/\n(?= {2}-)/)
    .slice(1)
    .map((b) => b.replace(/\s+/g, " ").trim());
}

test("cli conventions - serve --help says what --http serves and the default of every option", async (t) => {
  const help = await runCli(t, ["serve", "--help"]);
  assert.equal(help.code, 0);
  const blocks = optionBlocks(help.stdout);
  assert.ok(blocks.length >= 20, `the options of serve: ${blocks.length}`);
  for (const block of blocks) {
    if (block.startsWith("-h, --help")) continue;
    assert.match(block, /default: [^)]+\)$/, `a default for: ${block}`);
  }
  const http = blocks.find((b) => b.startsWith("--http"))!;
  for (const path of ["status page /", "/metrics", "/healthz", "/readyz"]) assert.ok(http.includes(path), `--http names ${path}: ${http}`);
  for (const [flag, text] of [
    ["--nats", "nats://127.0.0.1:4222"],
    ["--grace", "30s"],
    ["--window ", "10"],
    ["--alert-retention", "24h"],
    ["--http", "off"],
  ]) {
    assert.match(blocks.find((b) => b.startsWith(flag))!, new RegExp(`default: ${text.replace(/\./g, "\\.")}\\)$`), flag);
  }
});

test("cli conventions - every command but serve takes --json, as the README says", async (t) => {
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  assert.match(readme, /Every command but `serve` takes `--json`/);
  const commandsOf = async (args: string[]) => {
    const help = (await runCli(t, [...args, "--help"])).stdout;
    const section = help.slice(help.indexOf("Commands:")).split(/\n\n/)[0]!;
    return [...section.matchAll(/^ {2}([a-z]+) /gm)].map((m) => m[1]!).filter((c) => c !== "help");
  };
  const commands = await commandsOf([]);
  // A group (peerset, silence, disruption) stands for its subcommands.
  const groups = await Promise.all(commands.map(async (c) => (await commandsOf([c])).map((sub) => `${c} ${sub}`)));
  const all = commands.flatMap((c, i) => (groups[i]!.length > 0 ? groups[i]! : [c]));
  assert.ok(all.length >= 12, all.join(", "));
  const helps = await Promise.all(all.map((c) => runCli(t, [...c.split(" "), "--help"])));
  helps.forEach((h, i) => {
    if (all[i] === "serve") assert.doesNotMatch(h.stdout, /--json/, "serve logs JSON on its own (pino)");
    else assert.match(h.stdout, /^ {2}--json /m, `${all[i]} takes --json`);
  });
});

test("cli conventions - status with several monitors ends with a total that counts each shard once", async (t) => {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  const monitors = await Promise.all(["0/2", "0/2", "1/2", "1/2"].map((s) => startMonitor(t, server, { shard: { index: Number(s[0]), count: 2 } })));
  const nc = await client(t, server);
  const names = ["ping", "freespace", "numpin", "tags"];
  for (const n of names) for (const p of ["P1", "P2"]) publishMetric(nc, { n, p, ttlMs: 60_000 });
  publishMetric(nc, { n: "ping", p: "P3", ttlMs: 0 });
  await waitUntil(() => monitors.reduce((sum, m) => sum + m.supervisor.windowCount, 0) === 2 * 9, "each window in both replicas of its shard");
  await waitUntil(() => monitors.some((m) => m.stats.alertsFiring === 1), "P3 alerted");
  const status = await runCli(t, ["status"], { NATS_URL: server.url });
  assert.equal(status.code, 0, status.stderr);
  const total = status.stdout.slice(status.stdout.indexOf("total |"));
  assert.match(total, /^total \| 4 monitors, 2 shards \(replicas counted once\) \| 9 windows\n/);
  assert.match(total, /^ {2}ping: healthy 2, expired 0, alerted 1$/m);
  assert.match(total, /^ {2}freespace: healthy 2, expired 0, alerted 0$/m);
  const single = await runCli(t, ["status"], { NATS_URL: (await natsServer(t)).url });
  assert.doesNotMatch(single.stdout, /^total/m);
});

test("cli conventions - the command is written `peermon <command>` wherever a user reads it, never `npx peermon`", async (t) => {
  const root = new URL("../../", import.meta.url);
  const read = (path: string) => readFileSync(new URL(path, root), "utf8");
  const userFacing = ["README.md", "examples/README.md", "deploy/README.md", "deploy/compose/docker-compose.yml", "deploy/local/cluster.ts"];
  const sources = readdirSync(new URL("src/cli/", root), { recursive: true })
    .map(String)
    .filter((f) => f.endsWith(".ts"));
  for (const path of [...userFacing, ...sources.map((f) => `src/cli/${f}`)]) {
    // Outside the checkout `npx peermon` asks the public registry for another package of that name.
    assert.doesNotMatch(read(path), /npx peermon/, `${path} writes peermon, not npx peermon`);
  }
  for (const path of ["README.md", "examples/README.md", ...sources.map((f) => `src/cli/${f}`)]) {
    assert.doesNotMatch(read(path), /node bin\/peermon\.js \w/, `${path} writes peermon <command>`);
  }
  const { describe } = await import("../../deploy/local/cluster.js");
  const printed = describe({ dir: "/tmp/x", servers: [], monitors: [], natsUrls: ["nats://127.0.0.1:1"] } as unknown as Parameters<typeof describe>[0]);
  assert.match(printed, /^try: +NATS_URL=nats:\/\/127\.0\.0\.1:1 peermon status$/m, "the local cluster's hint");
  const demoHelp = await runCli(t, ["demo", "--help"]);
  assert.ok(
    demoHelp.stdout
      .split("\n")
      .filter((l) => /^ {2}\S/.test(l) && l.includes("#"))
      .every((l) => l.trimStart().startsWith("peermon ")),
    demoHelp.stdout,
  );
});
