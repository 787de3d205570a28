/**
 * What `npm start` (`serve --local-nats`) says of the nats-server it uses (issue 21, point 3): one
 * already answering is used, and the log says so and what of nats.conf it lacks; its own temporary
 * server's data goes away on exit, and the log says that too.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { freePort } from "../../src/cli/local-nats.js";
import { spawnCli } from "../helpers/cli.js";
import { natsServer, REPO_NATS_CONF } from "../helpers/nats.js";

test("npm start - a plain nats-server already answers: it is used, and the log says what of nats.conf it lacks", async (t) => {
  const server = await natsServer(t, { jetstream: false });
  const serve = spawnCli(t, ["serve", "--local-nats", "--nats", server.url]);
  await serve.waitForOutput(/a nats-server already answers on 127\.0\.0\.1:\d+/, "stderr");
  assert.match(serve.stderr, /using it, not one with nats\.conf, and it lacks the partition mappings/);
  assert.match(serve.stderr, /max_payload 8MB \(it allows 1MB/);
  assert.match(serve.stderr, /JetStream \(the stored peerset/);
  assert.match(serve.stderr, /stop it and run `npm start` again/);
  assert.doesNotMatch(serve.stderr, /started a local nats-server/);
  assert.equal((await serve.stop("SIGTERM")).code, 0);
});

test("npm start - a nats-server with nats.conf already answers: used, nothing lacking", async (t) => {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  const serve = spawnCli(t, ["serve", "--local-nats", "--nats", server.url]);
  await serve.waitForOutput(/a nats-server already answers on 127\.0\.0\.1:\d+: using it \(it has what nats\.conf sets\)/, "stderr");
  assert.equal((await serve.stop("SIGTERM")).code, 0);
});

test("npm start - its own temporary nats-server: the log says the data goes away on exit", async (t) => {
  const port = await freePort();
  const serve = spawnCli(t, ["serve", "--local-nats", "--nats", `nats://127.0.0.1:${port}`]);
  await serve.waitForOutput(/peermon monitor serving/, "stderr");
  assert.match(serve.stderr, /its JetStream data \(the peerset, the alert log, silences, checkpoints\) in \S+ goes away with it/);
  assert.equal((await serve.stop("SIGTERM")).code, 0);
});
