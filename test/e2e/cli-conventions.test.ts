/**
 * What every command shares (issue 14, point 9): one exit-code convention for usage and
 * validation errors alike, `--json` where the README says, `serve --help` with every default.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { freePort } from "../../src/cli/local-nats.js";
import { runCli } from "../helpers/cli.js";
import { natsServer, REPO_NATS_CONF, startMonitor } from "../helpers/nats.js";

test("cli conventions - exit 2 for anything mistyped, 1 for what could not be done, 0 for help and version", async (t) => {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  await startMonitor(t, server);
  const env = { NATS_URL: server.url };
  const nobody = { NATS_URL: `nats://127.0.0.1:${await freePort()}` };
  const cases: [args: string[], env: NodeJS.ProcessEnv, code: number, stderr: RegExp][] = [
    [["status", "--bogus"], env, 2, /unknown option '--bogus'/],
    [["latest"], env, 2, /missing required argument 'name'/],
    [["nosuchcommand"], env, 2, /unknown command 'nosuchcommand'/],
    [["peerset"], env, 2, /Usage: peermon peerset/],
    [["publish", "ping", "--peer", "P1", "--ttl", "soon"], env, 2, /^peermon: invalid --ttl: "soon"/],
    [["latest", "a.b"], env, 2, /^peermon: invalid metric name: "a\.b"/],
    [["status"], { NATS_URL: "" , PEERMON_PREFIX: "a b" }, 2, /^peermon: invalid --prefix \(PEERMON_PREFIX\)/],
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
