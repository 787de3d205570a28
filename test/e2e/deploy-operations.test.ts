/**
 * deploy/ as an operator runs it (issue 21, point 10), checked statically as the other deploy
 * tests are (no Docker engine, no cluster here): memory limits and the window cap agree; every
 * monitor's status page and /metrics are reachable (published ports, Services) and scraped
 * (Prometheus configs); alerts link to a page people can open (PEERMON_EXTERNAL_URL); compose
 * leaves the host's NATS ports alone; the NATS images are a current server, past CVE-2023-47090.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { get, parseYaml, type YamlMap } from "../helpers/deploy-artefacts.js";

const DEPLOY = fileURLToPath(new URL("../../deploy/", import.meta.url));
const read = (...p: string[]) => readFileSync(join(DEPLOY, ...p), "utf8");
const compose = parseYaml(read("compose", "docker-compose.yml"))[0] as YamlMap;
const services = get(compose, "services") as YamlMap;
const peermonServices = Object.keys(services).filter((n) => n.startsWith("peermon"));
const kustomization = parseYaml(read("kubernetes", "kustomization.yaml"))[0] as YamlMap;
const k8sDocs = (get(kustomization, "resources") as string[]).flatMap((f) => parseYaml(read("kubernetes", f)) as YamlMap[]);
const settings = get(
  k8sDocs.find((d) => d.kind === "ConfigMap" && get(d, "metadata", "name") === "peermon-settings"),
  "data",
) as YamlMap;
const deployments = k8sDocs.filter((d) => d.kind === "Deployment" && get(d, "metadata", "labels", "app.kubernetes.io/name") === "peermon");

const MiB = 1024 ** 2;
/** deploy/README.md, "Sizing memory": per monitor, 160 MiB + 2.5 KiB a window (RSS under steady load). */
const BASE_BYTES = 160 * MiB;
const BYTES_PER_WINDOW = 2.5 * 1024;

function bytes(quantity: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(Ki|Mi|Gi|k|m|g)?$/i.exec(quantity.trim());
  assert.ok(m, `a memory quantity: ${quantity}`);
  const unit = { ki: 1024, mi: MiB, gi: 1024 * MiB, k: 1024, m: MiB, g: 1024 * MiB }[(m[2] ?? "").toLowerCase()] ?? 1;
  return Number(m[1]) * unit;
}

function heapBytes(nodeOptions: string): number {
  const m = /--max-old-space-size=(\d+)/.exec(nodeOptions);
  assert.ok(m, `NODE_OPTIONS sets the heap: ${nodeOptions}`);
  return Number(m[1]) * MiB;
}

/** The window cap, the heap and the limit of one monitor agree as deploy/README.md says. */
function agree(where: string, maxWindows: string | undefined, nodeOptions: string | undefined, limit: string | undefined): void {
  assert.ok(maxWindows && nodeOptions && limit, `${where}: PEERMON_MAX_WINDOWS, NODE_OPTIONS and a memory limit are set`);
  const windows = Number(maxWindows);
  const need = BASE_BYTES + windows * BYTES_PER_WINDOW;
  assert.ok(need <= bytes(limit), `${where}: ${windows} windows need ${(need / MiB).toFixed(0)} MiB, the limit is ${limit}`);
  const heap = heapBytes(nodeOptions);
  assert.ok(heap <= 0.8 * bytes(limit), `${where}: the heap (${heap / MiB} MiB) leaves room below the limit for Node's other memory`);
  assert.ok(heap >= 64 * MiB + windows * 1.9 * 1024, `${where}: the heap holds the windows (1.9 KiB each at most, docs/benchmarks.md)`);
}

test("deploy operations - the memory limit and the window cap agree (regression: 512Mi for 2,000,000 windows)", () => {
  for (const name of peermonServices) {
    const env = get(services, name, "environment") as YamlMap;
    agree(
      `compose ${name}`,
      env.PEERMON_MAX_WINDOWS as string,
      env.NODE_OPTIONS as string,
      get(services, name, "deploy", "resources", "limits", "memory") as string,
    );
  }
  assert.ok(deployments.length >= 2);
  for (const d of deployments) {
    const c = get(d, "spec", "template", "spec", "containers", 0) as YamlMap;
    agree(
      `kubernetes ${get(d, "metadata", "name")}`,
      settings.PEERMON_MAX_WINDOWS as string,
      settings.NODE_OPTIONS as string,
      get(c, "resources", "limits", "memory") as string,
    );
    assert.equal(get(c, "resources", "requests", "memory"), get(c, "resources", "limits", "memory"), "the memory a monitor needs is requested");
  }
  assert.match(read("README.md"), /## Sizing memory[\s\S]*memory limit\s+≈ 160 MiB \+ PEERMON_MAX_WINDOWS × 2\.5 KiB/);
});

test("deploy operations - every monitor's page and /metrics are published, and scraped by Prometheus", () => {
  // compose: a host port per replica, on loopback, and Prometheus finds every replica by its service name.
  const published = new Set<number>();
  for (const name of peermonServices) {
    const ports = get(services, name, "ports") as string[];
    const replicas = Number(get(services, name, "deploy", "replicas"));
    assert.equal(ports.length, 1, `${name} publishes its HTTP port`);
    const m = /^127\.0\.0\.1:(\d+)-(\d+):9464$/.exec(ports[0]!);
    assert.ok(m, `${name}: a loopback range onto 9464: ${ports[0]}`);
    assert.equal(Number(m[2]) - Number(m[1]) + 1, replicas, `${name}: one port per replica`);
    for (let p = Number(m[1]); p <= Number(m[2]); p++) {
      assert.ok(!published.has(p), `port ${p} is published once`);
      published.add(p);
    }
  }
  const prometheus = get(services, "prometheus") as YamlMap;
  assert.ok(
    (prometheus.volumes as string[]).some((v) => v.startsWith("../prometheus/prometheus.yml:")),
    "compose's Prometheus reads deploy/prometheus/prometheus.yml",
  );
  const scrape = get(parseYaml(read("prometheus", "prometheus.yml"))[0], "scrape_configs") as YamlMap[];
  const job = scrape.find((j) => j.job_name === "peermon")!;
  assert.equal(job.metrics_path, "/metrics");
  const dns = get(job, "dns_sd_configs", 0) as YamlMap;
  assert.deepEqual(dns.names, peermonServices, "every peermon service");
  assert.equal(String(dns.port), "9464");
  // kubernetes: a Service per shard, pods annotated, and a job that keeps them by label and port name.
  for (const d of deployments) {
    const instance = get(d, "spec", "selector", "matchLabels", "app.kubernetes.io/instance") as string;
    const service = k8sDocs.find(
      (s) => s.kind === "Service" && (get(s, "spec", "selector") as YamlMap | undefined)?.["app.kubernetes.io/instance"] === instance,
    );
    assert.ok(service, `a Service for ${instance}`);
    assert.deepEqual(get(service, "spec", "ports", 0), { name: "http", port: "9464", targetPort: "http" });
    const annotations = get(d, "spec", "template", "metadata", "annotations") as YamlMap;
    assert.deepEqual({ ...annotations }, { "prometheus.io/scrape": "true", "prometheus.io/port": "9464", "prometheus.io/path": "/metrics" });
  }
  const k8sJob = (get(parseYaml(read("prometheus", "kubernetes-scrape.yml"))[0], "scrape_configs") as YamlMap[])[0]!;
  const keep = (get(k8sJob, "relabel_configs") as YamlMap[]).filter((r) => r.action === "keep").map((r) => `${(r.source_labels as string[])[0]}=${r.regex}`);
  assert.deepEqual(keep, ["__meta_kubernetes_pod_label_app_kubernetes_io_name=peermon", "__meta_kubernetes_pod_container_port_name=http"]);
});

test("deploy operations - every monitor links its alerts to a page people can open (PEERMON_EXTERNAL_URL)", () => {
  for (const name of peermonServices) {
    const env = get(services, name, "environment") as YamlMap;
    const first = /^127\.0\.0\.1:(\d+)-/.exec((get(services, name, "ports") as string[])[0]!)![1];
    assert.equal(env.PEERMON_EXTERNAL_URL, `http://127.0.0.1:${first}/`, `${name}: its shard's first published port`);
  }
  for (const d of deployments) {
    const env = get(d, "spec", "template", "spec", "containers", 0, "env") as YamlMap[];
    const url = env.find((e) => e.name === "PEERMON_EXTERNAL_URL")?.value as string | undefined;
    assert.match(url ?? "", /^http:\/\/localhost:\d+\/$/, `${get(d, "metadata", "name")} sets PEERMON_EXTERNAL_URL`);
    const port = /:(\d+)\/$/.exec(url!)![1];
    assert.match(read("README.md"), new RegExp(`port-forward service/${get(d, "metadata", "name")} ${port}:9464`), "the README says how that URL is reached");
  }
});

test("deploy operations - compose binds no host port a host nats-server holds (4222, 6222, 8222)", () => {
  for (const [name, service] of Object.entries(services)) {
    for (const p of ((service as YamlMap).ports as string[] | undefined) ?? []) {
      const hostPart = p.split(":").slice(0, -1).join(":");
      const hostPorts = hostPart.split(":").at(-1)!;
      const [from, to] = hostPorts.split("-").map(Number) as [number, number?];
      for (const held of [4222, 6222, 8222]) assert.ok(held < from || held > (to ?? from), `${name} publishes ${p} on the host`);
      assert.match(hostPart, /^127\.0\.0\.1:/, `${name} publishes on the host's loopback only`);
    }
  }
  assert.match(read("compose", "docker-compose.yml"), /NATS_URL=nats:\/\/127\.0\.0\.1:14222 peermon status/);
  assert.match(read("README.md"), /NATS_URL=nats:\/\/127\.0\.0\.1:14222 peermon status/);
});

test("deploy operations - the NATS images run a current nats-server, past the CVE the README cites (fixed in 2.9.23)", () => {
  const images = [
    ...Object.values(services).map((s) => (s as YamlMap).image as string),
    ...k8sDocs
      .filter((d) => d.kind === "StatefulSet" || d.kind === "Deployment")
      .flatMap((d) => (get(d, "spec", "template", "spec", "containers") as YamlMap[]).map((c) => c.image as string)),
  ].filter((i) => i?.startsWith("nats:"));
  assert.ok(images.length >= 4, images.join(", "));
  for (const image of images) {
    const [major, minor, patch] = /^nats:(\d+)\.(\d+)\.(\d+)/.exec(image)!.slice(1).map(Number) as [number, number, number];
    assert.ok(major > 2 || minor > 9 || (minor === 9 && patch >= 23), `${image} is 2.9.23 or later`);
  }
  assert.equal(new Set(images).size, 1, "one nats-server version everywhere");
  assert.match(read("README.md"), new RegExp(`images run nats-server ${images[0]!.slice(5).replace("-alpine", "").replace(/\./g, "\\.")}`));
});
