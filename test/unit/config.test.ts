import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_CONFIG, parseShard, resolveConfig, type ConfigInput } from "../../src/config.js";
import { resolveSettings } from "../../src/cli/resolve-settings.js";
import { ConfigError } from "../../src/errors.js";

/** Asserts that `fn` throws a ConfigError whose field and message name `field`. */
function throwsConfigError(fn: () => unknown, field: string | RegExp, ...inMessage: string[]): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    if (typeof field === "string") assert.equal(err.field, field);
    else assert.match(err.field, field);
    for (const text of inMessage) assert.ok(err.message.includes(text), `${JSON.stringify(err.message)} names ${text}`);
    return true;
  });
}

/** A JSON config file in a fresh temp directory; removed by `cleanup`. */
function configFile(content: unknown): { path: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "peermon-config-"));
  const path = join(dir, "peermon.json");
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return { path, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

test("config - resolveConfig with no input equals DEFAULT_CONFIG", () => {
  assert.deepEqual(resolveConfig(), { ...DEFAULT_CONFIG, nats: { ...DEFAULT_CONFIG.nats } });
  assert.deepEqual(resolveConfig({}), resolveConfig());
});

test("config - given fields override defaults, undefined ones do not", () => {
  const c = resolveConfig({ windowCapacity: 25, graceMs: undefined, nats: { servers: "nats://n1:4222", user: undefined } });
  assert.equal(c.windowCapacity, 25);
  assert.equal(c.graceMs, DEFAULT_CONFIG.graceMs);
  assert.deepEqual(c.nats, { servers: "nats://n1:4222" });
});

const INVALID: [what: string, input: ConfigInput, field: string][] = [
  ["windowCapacity 0", { windowCapacity: 0 }, "windowCapacity"],
  ["windowCapacity -1", { windowCapacity: -1 }, "windowCapacity"],
  ["windowCapacity 1.5", { windowCapacity: 1.5 }, "windowCapacity"],
  ["prefix a.b", { prefix: "a.b" }, "prefix"],
  ["empty prefix", { prefix: "" }, "prefix"],
  ["prefix with a space", { prefix: "a b" }, "prefix"],
  ["prefix with a wildcard", { prefix: "peer*" }, "prefix"],
  ["partitions 0", { partitions: 0 }, "partitions"],
  ["user without password", { nats: { user: "alice" } }, "nats.user"],
  ["password without user", { nats: { password: "secret" } }, "nats.user"],
  ["empty servers", { nats: { servers: " " } }, "nats.servers"],
  ["negative graceMs", { graceMs: -1 }, "graceMs"],
  ["negative repeatIntervalMs", { repeatIntervalMs: -1_000 }, "repeatIntervalMs"],
  ["negative rejectLogIntervalMs", { rejectLogIntervalMs: -1 }, "rejectLogIntervalMs"],
  ["NaN graceMs", { graceMs: NaN }, "graceMs"],
  ["stallThresholdMs under 10", { stallThresholdMs: 5 }, "stallThresholdMs"],
  ["wallStepThresholdMs under 10", { wallStepThresholdMs: 5 }, "wallStepThresholdMs"],
  ["probeIntervalMs 0", { probeIntervalMs: 0 }, "probeIntervalMs"],
  ["unknown logLevel", { logLevel: "loud" as never }, "logLevel"],
];

for (const [what, input, field] of INVALID) {
  test(`config - rejects ${what} with a ConfigError naming ${field}`, () => {
    throwsConfigError(() => resolveConfig(input), field, field);
  });
}

test("config - accepts a user with a password and zero durations", () => {
  const c = resolveConfig({ nats: { user: "alice", password: "secret" }, graceMs: 0, repeatIntervalMs: 0 });
  assert.equal(c.nats.user, "alice");
  assert.equal(c.graceMs, 0);
});

test("config - parseShard reads INDEX/COUNT", () => {
  assert.deepEqual(parseShard("0/2"), { index: 0, count: 2 });
  assert.deepEqual(parseShard(" 31/32 "), { index: 31, count: 32 });
  assert.equal(resolveConfig({ shard: parseShard("1/2") }).shard?.index, 1);
});

test("config - parseShard rejects text that is not INDEX/COUNT", () => {
  for (const text of ["x", "", "1", "1/", "/2", "-1/2", "0/2/3", "a/b"]) {
    throwsConfigError(() => parseShard(text), "shard", "INDEX/COUNT");
  }
});

const BAD_SHARDS: [text: string, partitions: number][] = [
  ["2/2", 32],
  ["1/0", 32],
  ["0/33", 32],
  ["4/4", 4],
  ["0/5", 4],
];

for (const [text, partitions] of BAD_SHARDS) {
  test(`config - rejects shard ${text} with ${partitions} partitions`, () => {
    throwsConfigError(() => resolveConfig({ shard: parseShard(text), partitions }), "shard", text);
  });
}

test("config - accepts as many shards as partitions", () => {
  assert.deepEqual(resolveConfig({ shard: parseShard("31/32") }).shard, { index: 31, count: 32 });
});

test("settings - defaults when no flag, env or file is given", () => {
  assert.deepEqual(resolveSettings({}, {}, "serve"), resolveConfig());
});

test("settings - flags beat env, env beats the config file", () => {
  const file = configFile({ window: 7, grace: "10s", nats: "nats://file:4222", repeat: "1m", prefix: "filepfx" });
  try {
    const env = { PEERMON_CONFIG: file.path, PEERMON_WINDOW: "8", PEERMON_GRACE: "20s", NATS_URL: "nats://env:4222" };
    const c = resolveSettings({ window: "9", nats: "nats://flag:4222" }, env, "serve");
    assert.equal(c.windowCapacity, 9, "flag beats env and file");
    assert.equal(c.nats.servers, "nats://flag:4222", "flag beats env and file");
    assert.equal(c.graceMs, 20_000, "env beats file");
    assert.equal(c.repeatIntervalMs, 60_000, "file applies when nothing else is set");
    assert.equal(c.prefix, "filepfx");

    const fromFile = resolveSettings({ config: file.path }, {}, "serve");
    assert.equal(fromFile.windowCapacity, 7);
    assert.equal(fromFile.graceMs, 10_000);
  } finally {
    file.cleanup();
  }
});

test("settings - an empty env var counts as unset", () => {
  const c = resolveSettings({}, { PEERMON_WINDOW: "", NATS_URL: "" }, "serve");
  assert.equal(c.windowCapacity, DEFAULT_CONFIG.windowCapacity);
  assert.equal(c.nats.servers, DEFAULT_CONFIG.nats.servers);
});

test("settings - durations are read as written", () => {
  const cases: [flags: Record<string, unknown>, graceMs: number, repeatMs: number][] = [
    [{ grace: "45s" }, 45_000, 0],
    [{ grace: "1m30s", repeat: "5m" }, 90_000, 300_000],
    [{ grace: "500ms", repeat: "0" }, 500, 0],
    [{ grace: 250 }, 250, 0],
  ];
  for (const [flags, graceMs, repeatMs] of cases) {
    const c = resolveSettings(flags, {}, "serve");
    assert.equal(c.graceMs, graceMs, JSON.stringify(flags));
    assert.equal(c.repeatIntervalMs, repeatMs, JSON.stringify(flags));
  }
});

test("settings - shard, log level and connection settings reach the config", () => {
  const c = resolveSettings(
    { shard: "1/4", logLevel: "debug", user: "alice" },
    { NATS_PASSWORD: "secret", NATS_CREDS: "/etc/nats.creds", PEERMON_PREFIX: "mon" },
    "serve",
  );
  assert.deepEqual(c.shard, { index: 1, count: 4 });
  assert.equal(c.logLevel, "debug");
  assert.deepEqual(c.nats, { servers: DEFAULT_CONFIG.nats.servers, user: "alice", password: "secret", creds: "/etc/nats.creds" });
  assert.equal(c.prefix, "mon");
  assert.equal(resolveSettings({ jetstream: false }, {}, "serve").jetstream, false);
});

test("settings - --nkey (NATS_NKEY) is a seed file to log in with; the flag beats the variable", () => {
  assert.equal(resolveSettings({}, { NATS_NKEY: "/env/peer.nk" }, "client").nats.nkey, "/env/peer.nk");
  assert.equal(resolveSettings({ nkey: "/flag/peer.nk" }, { NATS_NKEY: "/env/peer.nk" }, "serve").nats.nkey, "/flag/peer.nk");
});

test("settings - the client scope reads connection settings only", () => {
  const c = resolveSettings({}, { PEERMON_WINDOW: "abc", PEERMON_GRACE: "nope", NATS_URL: "nats://env:4222" }, "client");
  assert.equal(c.windowCapacity, DEFAULT_CONFIG.windowCapacity);
  assert.equal(c.nats.servers, "nats://env:4222");
});

const SETTING_ERRORS: [what: string, flags: Record<string, unknown>, env: NodeJS.ProcessEnv, inMessage: string[]][] = [
  ["window 0 from a flag", { window: "0" }, {}, ["--window", "PEERMON_WINDOW"]],
  ["window 0 from env", {}, { PEERMON_WINDOW: "0" }, ["--window", "PEERMON_WINDOW"]],
  ["window that is not a number", { window: "abc" }, {}, ["--window", "abc"]],
  ["window 1.5 from env", {}, { PEERMON_WINDOW: "1.5" }, ["PEERMON_WINDOW"]],
  ["bad duration in env", {}, { PEERMON_GRACE: "abc" }, ["PEERMON_GRACE", "abc"]],
  ["bad duration in a flag", { repeat: "10x" }, {}, ["--repeat", "10x"]],
  ["negative duration", { grace: "-1s" }, {}, ["--grace"]],
  ["shard out of range", { shard: "2/2" }, {}, ["--shard", "PEERMON_SHARD"]],
  ["shard that is not I/N in a flag", { shard: "x" }, {}, ["--shard"]],
  ["bad prefix", {}, { PEERMON_PREFIX: "a.b" }, ["--prefix", "PEERMON_PREFIX"]],
  ["user without password", { user: "alice" }, {}, ["--user", "NATS_USER"]],
  ["an nkey and a user", { nkey: "/etc/peermon/monitor.nk", user: "alice", password: "pw" }, {}, ["--nkey", "NATS_NKEY", "log in one way"]],
  ["an nkey and a credentials file", {}, { NATS_NKEY: "/etc/peermon/monitor.nk", NATS_CREDS: "/etc/nats.creds" }, ["--nkey", "NATS_NKEY"]],
  ["unknown log level", {}, { PEERMON_LOG_LEVEL: "loud" }, ["--log-level", "PEERMON_LOG_LEVEL"]],
];

for (const [what, flags, env, inMessage] of SETTING_ERRORS) {
  test(`settings - error for ${what} names ${inMessage.join(" and ")}`, () => {
    throwsConfigError(() => resolveSettings(flags, env, "serve"), /./, ...inMessage);
  });
}

test("settings - a malformed PEERMON_SHARD names the env var (regression: parseShard named only 'shard')", () => {
  throwsConfigError(() => resolveSettings({}, { PEERMON_SHARD: "x" }, "serve"), "PEERMON_SHARD", "PEERMON_SHARD", "INDEX/COUNT");
});

test("settings - a bad value in the config file names the file key", () => {
  const file = configFile({ grace: "soon" });
  try {
    throwsConfigError(() => resolveSettings({ config: file.path }, {}, "serve"), /grace/, '"grace"', file.path);
  } finally {
    file.cleanup();
  }
});

test("settings - a config file that is not a JSON object is rejected", () => {
  for (const content of ["{not json", "[1, 2]", "42"]) {
    const file = configFile(content);
    try {
      throwsConfigError(() => resolveSettings({ config: file.path }, {}, "serve"), "--config", file.path);
    } finally {
      file.cleanup();
    }
  }
  throwsConfigError(() => resolveSettings({ config: join(tmpdir(), "peermon-no-such-dir", "none.json") }, {}, "serve"), "--config");
});

test("settings - an unknown key in the config file is refused, naming it and the closest valid key (regression: typos were ignored)", () => {
  const cases: [content: Record<string, unknown>, key: string, closest: string][] = [
    [{ windw: 25 }, "windw", "window"],
    [{ grace: "45s", gracee: "1m" }, "gracee", "grace"],
    [{ max_windows: 10 }, "max_windows", "max-windows"],
    [{ natsUrl: "nats://n1:4222" }, "natsUrl", "nats"],
  ];
  for (const [content, key, near] of cases) {
    const file = configFile(content);
    try {
      for (const scope of ["serve", "client"] as const) {
        throwsConfigError(() => resolveSettings({ config: file.path }, {}, scope), `key "${key}" in ${file.path}`, `did you mean "${near}"?`);
      }
    } finally {
      file.cleanup();
    }
  }
});

test("settings - a config file may hold every setting, as flag names or camelCase, and the --no- switches as false", () => {
  const file = configFile({
    nats: "nats://file:4222",
    "max-windows": 10,
    maxNames: 5,
    "alert-retention": "2h",
    "log-level": "warn",
    jetstream: false,
    "durable-windows": false,
  });
  try {
    const c = resolveSettings({ config: file.path }, {}, "serve");
    assert.equal(c.nats.servers, "nats://file:4222");
    assert.equal(c.maxWindows, 10);
    assert.equal(c.maxNames, 5);
    assert.equal(c.alertRetentionMs, 7_200_000);
    assert.equal(c.logLevel, "warn");
    assert.equal(c.jetstream, false);
    assert.equal(c.durableWindows, false);
    assert.equal(resolveSettings({ config: file.path }, { PEERMON_JETSTREAM: "true" }, "serve").jetstream, true, "env beats the file");
    assert.equal(resolveSettings({ config: file.path }, {}, "client").nats.servers, "nats://file:4222", "serve keys are fine for a client");
  } finally {
    file.cleanup();
  }
  const wrong = configFile({ jetstream: "no" });
  try {
    throwsConfigError(() => resolveSettings({ config: wrong.path }, {}, "serve"), `"jetstream" in ${wrong.path}`, "true or false");
  } finally {
    wrong.cleanup();
  }
});
