import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_CONFIG, resolveConfig } from "../../src/config.js";
import { consumerName } from "../../src/delivery/follow.js";
import { parseDestinationUrl, redactUrl } from "../../src/delivery/destination-url.js";
import { destinationsOf, statusPageUrl } from "../../src/delivery/destinations.js";
import { ConfigError } from "../../src/errors.js";
import { resolveSettings } from "../../src/cli/resolve-settings.js";

test("destination url - what may be shown: scheme, host and port; credentials and paths are hidden", () => {
  const table: [string, string][] = [
    ["http://am:9093", "http://am:9093"],
    ["http://am:9093/", "http://am:9093"],
    ["https://ops:hunter2@am.example.com", "https://***@am.example.com"],
    ["https://hooks.example.com/services/T000/B000/XXXXSECRET", "https://hooks.example.com/…"],
    ["https://ntfy.example.com/alerts?auth=tok3n", "https://ntfy.example.com/…"],
  ];
  for (const [url, shown] of table) assert.equal(parseDestinationUrl(url).redacted, shown, url);
  assert.equal(redactUrl("not a url with s3cret"), "<not a URL>");
});

test("destination url - credentials become a Basic authorization and leave the URL", () => {
  const u = parseDestinationUrl("https://ops:p%40ss@am.example.com:9443/prefix");
  assert.equal(u.url, "https://am.example.com:9443/prefix");
  assert.equal(u.authorization, `Basic ${Buffer.from("ops:p@ss").toString("base64")}`);
  assert.equal(parseDestinationUrl("http://am:9093").authorization, undefined);
});

test("destination url - the hash names a destination stably, ignores credentials, and differs between URLs", () => {
  const a = parseDestinationUrl("http://am-0:9093");
  assert.match(a.hash, /^[0-9a-f]{8}$/);
  assert.equal(parseDestinationUrl("http://am-0:9093").hash, a.hash);
  assert.equal(parseDestinationUrl("http://user:changed@am-0:9093").hash, a.hash, "a new password keeps the consumer");
  assert.notEqual(parseDestinationUrl("http://am-1:9093").hash, a.hash);
});

test("destination url - only http and https, with errors that do not repeat the URL", () => {
  for (const bad of ["ftp://x/y", "am:9093", "", "http//nope"]) {
    assert.throws(
      () => parseDestinationUrl(bad),
      (err: Error) => err instanceof TypeError && !err.message.includes(bad || "\u0000"),
    );
  }
});

test("destinations - one per Alertmanager (each its own consumer) and one for the webhook; duplicates once", () => {
  const s = resolveConfig({
    alertmanagerUrls: ["http://am-0:9093", "http://am-1:9093", "http://am-0:9093/"],
    webhookUrl: "https://hooks.example.com/in",
    webhookSecret: "s3cret",
  });
  const ds = destinationsOf(s, { statusPage: "" });
  assert.deepEqual(
    ds.map((d) => d.kind),
    ["alertmanager", "alertmanager", "webhook"],
  );
  const names = ds.map(consumerName);
  assert.equal(new Set(names).size, 3);
  for (const n of names) assert.match(n, /^peermon-deliver-(alertmanager|webhook)-[0-9a-f]{8}$/);
  assert.deepEqual(destinationsOf(DEFAULT_CONFIG, { statusPage: "" }), [], "nothing configured: nothing delivered");
});

test("destinations - the status page link: --external-url, else the --http address, this host's name for all interfaces", () => {
  assert.equal(statusPageUrl({ externalUrl: "https://peermon.example.com/", http: { host: "0.0.0.0", port: 9464 } }), "https://peermon.example.com/");
  assert.equal(statusPageUrl({ http: { host: "0.0.0.0", port: 9464 } }, "monitor-3"), "http://monitor-3:9464/");
  assert.equal(statusPageUrl({ http: { host: "::", port: 9464 } }, "monitor-3"), "http://monitor-3:9464/");
  assert.equal(statusPageUrl({ http: { host: "10.0.0.5", port: 9464 } }, "monitor-3"), "http://10.0.0.5:9464/");
  assert.equal(statusPageUrl({ http: { host: "fd00::5", port: 9464 } }, "m"), "http://[fd00::5]:9464/");
  assert.equal(statusPageUrl({}), "", "no --http: no link");
});

function configError(input: Parameters<typeof resolveConfig>[0]): ConfigError {
  try {
    resolveConfig(input);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err;
  }
  assert.fail("expected a ConfigError");
}

test("config - delivery settings are checked at start; errors name the field and never show a secret", () => {
  const bad = configError({ alertmanagerUrls: ["http://am:9093", "ftp://ops:hunter2@am:21/x"] });
  assert.equal(bad.field, "alertmanagerUrls");
  assert.doesNotMatch(bad.message, /hunter2|ops/);
  assert.match(bad.message, /only http:\/\/ and https:\/\//);
  const orphan = configError({ webhookSecret: "s3cret" });
  assert.equal(orphan.field, "webhookSecret");
  assert.doesNotMatch(orphan.message, /s3cret/);
  assert.match(orphan.message, /give the webhook URL too/);
  assert.doesNotMatch(configError({ webhookUrl: "https://h/x", webhookSecret: "" }).message, /""/);
  assert.equal(configError({ alertmanagerRepostMs: 10 }).field, "alertmanagerRepostMs");
  assert.equal(configError({ deliveryBatchMax: 0 }).field, "deliveryBatchMax");
  assert.equal(configError({ deliveryAckWaitMs: 500 }).field, "deliveryAckWaitMs");
  assert.equal(configError({ externalUrl: "peermon.example.com" }).field, "externalUrl");
});

test("config - delivery defaults: nothing delivered, re-posts every minute, a 10 ms batch window", () => {
  const c = resolveConfig();
  assert.deepEqual(c.alertmanagerUrls, []);
  assert.equal(c.webhookUrl, undefined);
  assert.equal(c.alertmanagerRepostMs, 60_000);
  assert.equal(c.deliveryBatchMs, 10);
  assert.ok(c.alertmanagerRepostMs * 4 < 5 * 60_000, "four rounds within Alertmanager's default resolve_timeout");
});

test("settings - delivery flags beat the environment, which beats the file; lists are comma separated", () => {
  const env = {
    PEERMON_ALERTMANAGER: "http://am-0:9093, http://am-1:9093",
    PEERMON_WEBHOOK: "https://hooks.example.com/in",
    PEERMON_WEBHOOK_SECRET: "from-env",
    PEERMON_ALERTMANAGER_REPOST: "30s",
  };
  const c = resolveSettings({ deliveryBatch: "10ms", externalUrl: "https://peermon.example.com/" }, env, "serve");
  assert.deepEqual(c.alertmanagerUrls, ["http://am-0:9093", "http://am-1:9093"]);
  assert.equal(c.webhookUrl, "https://hooks.example.com/in");
  assert.equal(c.webhookSecret, "from-env");
  assert.equal(c.alertmanagerRepostMs, 30_000);
  assert.equal(c.deliveryBatchMs, 10);
  assert.equal(c.externalUrl, "https://peermon.example.com/");
  assert.deepEqual(resolveSettings({ alertmanager: "http://flag:9093" }, env, "serve").alertmanagerUrls, ["http://flag:9093"]);
});

test("settings - a bad delivery setting names the flag and its variable, and shows no secret", () => {
  assert.throws(
    () => resolveSettings({ webhookSecret: "hunter2" }, {}, "serve"),
    (err: Error) => /--webhook-secret \(PEERMON_WEBHOOK_SECRET\)/.test(err.message) && !err.message.includes("hunter2"),
  );
  assert.throws(
    () => resolveSettings({}, { PEERMON_ALERTMANAGER: "http://am:9093,gopher://ops:hunter2@x/" }, "serve"),
    (err: Error) => /--alertmanager \(PEERMON_ALERTMANAGER\)/.test(err.message) && !err.message.includes("hunter2"),
  );
});

test('destinations - a URL of another scheme is shown as it is in the error, credentials and path hidden (regression: "<not a URL>")', () => {
  assert.equal(redactUrl("ftp://x"), "ftp://x");
  assert.equal(redactUrl("ftp://user:s3cret@x/path/token"), "ftp://***@x/…");
  assert.throws(
    () => resolveConfig({ webhookUrl: "ftp://x" }),
    /invalid webhookUrl: "ftp:\/\/x"; only http:\/\/ and https:\/\/ URLs can receive alerts, not ftp:\/\//,
  );
});
