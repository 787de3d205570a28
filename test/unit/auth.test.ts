import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { nkeys } from "nats";
import { peerNkeys } from "../../src/api/peer-nkey.js";
import { Subjects } from "../../src/api/subjects.js";
import { authorization, BASE_CONSUMERS, CONSUMERS_PER_PEER, partitionMappings, type RoleUser } from "../../src/auth/accounts.js";
import { parseCredential } from "../../src/auth/credential.js";
import { consumerPermissions, peerPermissions } from "../../src/auth/permissions.js";
import { renderConf, renderJson } from "../../src/auth/render.js";
import { missingRoleNotes, roleUsers } from "../../src/cli/auth-roles.js";
import { ConfigError, UsageError } from "../../src/errors.js";
import { natsMappings, natsText } from "../helpers/deploy-artefacts.js";
import { ED25519_PEERS, NKEY_VECTORS } from "../helpers/nkey-vectors.js";
import { REPO_NATS_CONF } from "../helpers/nats.js";

const HASH = "$2b$11$3aKRGqpdobkrgw9XlPDu4upIEO8VRwpFa2jzmWxjrgyl.6H/8jBbW";
const MONITOR_NKEY = nkeys.createUser().getPublicKey();
const [A, B] = ED25519_PEERS;

test("auth permissions - a peer publishes its own metrics in both subject forms, and reads as a consumer does", () => {
  const s = new Subjects("peermon");
  const p = peerPermissions(s, A!.peer_id);
  const own = p.publish.allow.filter((x) => x.includes(".metrics."));
  assert.deepEqual(own, [`peermon.metrics.*.${A!.peer_id}`, `peermon.part.*.metrics.*.${A!.peer_id}`]);
  assert.deepEqual(p.publish.allow.slice(2), consumerPermissions(s).publish.allow);
  assert.deepEqual(p.subscribe, { allow: ["peermon.alerts.>", "peermon.suspects.>", "_INBOX.>"] });
  assert.ok(
    !p.publish.allow.some((x) => /alertlog|peerset|checkpoint|internal|_INBOX|\$SRV|\$KV|STREAM\.(CREATE|DELETE|PURGE)/.test(x)),
    p.publish.allow.join(" "),
  );
  assert.ok(
    p.publish.allow.filter((x) => x.startsWith("$JS.")).every((x) => x.includes("PEERMON_ALERTS")),
    "JetStream on the alert log only",
  );
});

test("auth permissions - follow the prefix: subjects and stream names", () => {
  const p = peerPermissions(new Subjects("mon"), A!.peer_id);
  assert.equal(p.publish.allow[0], `mon.metrics.*.${A!.peer_id}`);
  assert.ok(p.publish.allow.includes("$JS.API.CONSUMER.MSG.NEXT.MON_ALERTS.*"));
  assert.ok(
    p.publish.allow.every((x) => x.startsWith("mon.") || x.startsWith("$JS.")),
    p.publish.allow.join(" "),
  );
});

test("auth accounts - peers, role users with their credentials, the system account apart, mappings as in nats.conf", () => {
  const roles: RoleUser[] = [
    { role: "monitor", name: "monitor", credential: { type: "nkey", nkey: MONITOR_NKEY } },
    { role: "consumer", name: "repinner", credential: { type: "bcrypt", hash: HASH } },
    { role: "sys", name: "sys", credential: { type: "bcrypt", hash: HASH } },
  ];
  const peers = peerNkeys([A!.peer_id, B!.peer_id]).peers;
  const a = authorization({ subjects: new Subjects("peermon"), partitions: 32, peers, roles });
  assert.deepEqual(
    a.users.map((u) => u.label),
    [...peers.map((p) => `peer ${p.peer}`), "monitor", "alert consumer repinner"],
  );
  assert.deepEqual(Object.keys(a.users[2]!.user), ["nkey", "permissions"]);
  assert.deepEqual({ ...a.users[3]!.user, permissions: undefined }, { user: "repinner", password: HASH, permissions: undefined });
  assert.deepEqual(a.systemUsers, [{ label: "system sys", user: { user: "sys", password: HASH } }]);
  assert.equal(a.jetstream.max_consumers, BASE_CONSUMERS + CONSUMERS_PER_PEER * 2, "an ordered consumer on the alert log per peer");
  assert.deepEqual(a.mappings, natsMappings(natsText(readFileSync(REPO_NATS_CONF, "utf8"))));
  assert.equal(partitionMappings("mon", 8)["mon.latest.*"], "mon.part.{{partition(8,1)}}.latest.{{wildcard(1)}}");
});

test("auth render - the same inputs give the same bytes; JSON is the same config as data", () => {
  const plan = () => ({
    subjects: new Subjects("peermon"),
    partitions: 32,
    peers: peerNkeys([B!.cid_v1, A!.peer_id, A!.peer_id]).peers,
    roles: [{ role: "monitor", name: "monitor", credential: { type: "bcrypt", hash: HASH } }] as RoleUser[],
  });
  const conf = renderConf(authorization(plan()));
  assert.equal(renderConf(authorization(plan())), conf);
  assert.match(conf, /^accounts \{$/m);
  assert.match(conf, /^system_account: SYS$/m);
  assert.match(conf, new RegExp(`^ {6}# peer ${A!.peer_id}\\n {6}\\{"nkey": "${A!.nkey_user}"`, "m"));
  assert.doesNotMatch(conf.replace(/"[^"\n]*"/g, '""'), /\$/, "every $ is inside a quoted string: nothing is read as a variable");
  const json = JSON.parse(renderJson(authorization(plan())));
  assert.equal(json.system_account, "SYS");
  assert.deepEqual(
    json.accounts.PEERMON.users.map((u: { nkey?: string; user?: string }) => u.nkey ?? u.user),
    [...[A!, B!].sort((x, y) => (x.peer_id < y.peer_id ? -1 : 1)).map((v) => v.nkey_user), "monitor"],
  );
});

test("auth peers - one user per peer whatever form its id takes, sorted; every id that cannot be one is listed", () => {
  const ids = [B!.peer_id, A!.cid_v1, A!.peer_id, ...NKEY_VECTORS.filter((v) => v.key_type !== "Ed25519").map((v) => v.peer_id), "P1"];
  const { peers, refused } = peerNkeys(ids);
  assert.deepEqual(
    peers.map((p) => p.peer),
    [A!.peer_id, B!.peer_id].sort(),
  );
  assert.deepEqual(
    refused.map((e) => e.peer),
    ids.slice(3),
  );
});

test("auth credentials - an nkey public key or a bcrypt hash; a password in clear, a seed or garbage is none", () => {
  assert.deepEqual(parseCredential(` ${MONITOR_NKEY}\n`), { type: "nkey", nkey: MONITOR_NKEY });
  assert.deepEqual(parseCredential(HASH), { type: "bcrypt", hash: HASH });
  for (const bad of ["monitor-example-pw", A!.nkey_seed, "AAJUTBNTVMD4YEUT6X4XMTIM5ARWJ47CKCK6S4MNQLIV5KOTXZBLDTMD", "$2b$11$short", ""]) {
    assert.equal(parseCredential(bad), undefined, bad);
  }
});

test("auth roles - flags beat the environment; --monitor is required; consumers are named; a bad value is never shown", () => {
  const env = { PEERMON_AUTH_MONITOR: `mon=${HASH}`, PEERMON_AUTH_OPERATOR: MONITOR_NKEY, PEERMON_AUTH_CONSUMERS: `repinner=${HASH}, allocator=${HASH}` };
  const fromEnv = roleUsers({}, env);
  assert.deepEqual(
    fromEnv.map((u) => [u.role, u.name, u.credential.type]),
    [
      ["monitor", "mon", "bcrypt"],
      ["operator", "operator", "nkey"],
      ["consumer", "repinner", "bcrypt"],
      ["consumer", "allocator", "bcrypt"],
    ],
  );
  assert.deepEqual(missingRoleNotes(fromEnv), [
    "no --peermgr: nobody may set the peerset (peermon peerset)",
    "no --sys: nobody may log into the system account (server monitoring over NATS)",
  ]);
  const fromFlags = roleUsers({ monitor: MONITOR_NKEY, consumer: [`a=${HASH}`] }, env);
  assert.deepEqual(
    fromFlags.map((u) => u.name),
    ["monitor", "operator", "a"],
  );

  assert.throws(
    () => roleUsers({}, {}),
    (e: unknown) => e instanceof UsageError && /^--monitor is required \(env PEERMON_AUTH_MONITOR\): give the user's nkey/.test(e.message),
  );
  const secret = "hunter2-in-clear";
  assert.throws(
    () => roleUsers({ monitor: secret }, {}),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.message.startsWith("invalid --monitor:") &&
      !e.message.includes(secret) &&
      /a password in clear never goes into the config/.test(e.message),
  );
  assert.throws(() => roleUsers({ monitor: HASH, consumer: [HASH] }, {}), /name each consumer: --consumer repinner=/);
  assert.throws(() => roleUsers({ monitor: HASH, consumer: [`monitor=${HASH}`] }, {}), /two users are named monitor/);
  assert.throws(() => roleUsers({ monitor: `bad name=${HASH}` }, {}), /a user name is 1-64 letters/);
});
