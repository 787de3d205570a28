/**
 * deploy/'s Alertmanager parts stay in step: the configuration the README shows and the tests run
 * (deploy/alertmanager/alertmanager.yml) is valid for Alertmanager, Kubernetes holds an exact copy,
 * and every monitor of every artefact posts to every Alertmanager of that artefact.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { get, parseEnvFile, parseYaml, type YamlMap } from "../helpers/deploy-artefacts.js";

const DEPLOY = fileURLToPath(new URL("../../deploy/", import.meta.url));
const read = (...p: string[]) => readFileSync(join(DEPLOY, ...p), "utf8");
const CONFIG = read("alertmanager", "alertmanager.yml");

const k8sDocs = parseYaml(read("kubernetes", "alertmanager.yaml")) as YamlMap[];
const k8s = (kind: string) => k8sDocs.find((d) => d.kind === kind)!;

test("deploy alertmanager - the configuration passes amtool check-config", (t) => {
  const amtool = ["/usr/bin/amtool", "amtool"].find((p) => !p.startsWith("/") || existsSync(p))!;
  const run = spawnSync(amtool, ["check-config", join(DEPLOY, "alertmanager", "alertmanager.yml")], { encoding: "utf8" });
  if (run.error) return t.skip(`amtool not installed (${run.error.message}); the integration tests still run the file`);
  assert.equal(run.status, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /SUCCESS/);
});

test("deploy alertmanager - the README's minimal configuration is this file (so it is the one tested)", () => {
  const readme = readFileSync(fileURLToPath(new URL("../../README.md", import.meta.url)), "utf8");
  const section = readme.slice(readme.indexOf("## Paging people"));
  const block = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
  const withoutComments = CONFIG.split("\n")
    .filter((l) => !l.trimStart().startsWith("#"))
    .join("\n")
    .trim();
  assert.equal(block?.trim(), withoutComments);
});

test("deploy alertmanager - it groups by alertname and metric and notifies resolved alerts", () => {
  assert.match(CONFIG, /group_by: \[alertname, metric\]/);
  assert.match(CONFIG, /send_resolved: true/);
  const resolveTimeout = /resolve_timeout: (\d+)m/.exec(CONFIG);
  assert.ok(resolveTimeout && Number(resolveTimeout[1]) * 60_000 > 60_000, "above peermon's 1 m re-post interval");
});

test("deploy alertmanager - Kubernetes holds an exact copy and posts to each pod of its StatefulSet", () => {
  const configMap = k8s("ConfigMap");
  assert.equal(get(configMap, "data", "alertmanager.yml"), CONFIG, "kubernetes/alertmanager.yaml's ConfigMap = alertmanager/alertmanager.yml");
  const replicas = Number(get(k8s("StatefulSet"), "spec", "replicas"));
  const service = get(k8s("Service"), "metadata", "name") as string;
  const settings = get(parseYaml(read("kubernetes", "peermon-settings.yaml"))[0] as YamlMap, "data") as YamlMap;
  const urls = (settings.PEERMON_ALERTMANAGER as string).split(",");
  assert.deepEqual(
    urls,
    Array.from({ length: replicas }, (_, i) => `http://alertmanager-${i}.${service}:9093`),
    "every Alertmanager pod, by its stable name",
  );
  const args = get(k8s("StatefulSet"), "spec", "template", "spec", "containers", 0, "args") as string[];
  for (let i = 0; i < replicas; i++) assert.ok(args.includes(`--cluster.peer=alertmanager-${i}.${service}:9094`), `gossip peer ${i}`);
  const container = get(k8s("StatefulSet"), "spec", "template", "spec", "containers", 0) as YamlMap;
  const containerPorts = Object.fromEntries((container.ports as YamlMap[]).map((p) => [p.name as string, Number(p.containerPort)]));
  for (const p of get(k8s("Service"), "spec", "ports") as YamlMap[]) {
    assert.equal(Number(p.port), containerPorts[p.targetPort as string], `Service ${service} ${p.name}`);
  }
  assert.equal(containerPorts.web, 9093);
  const kustomization = parseYaml(read("kubernetes", "kustomization.yaml"))[0] as YamlMap;
  assert.ok((get(kustomization, "resources") as string[]).includes("alertmanager.yaml"));
});

test("deploy alertmanager - compose mounts the file and every monitor posts to its Alertmanager", () => {
  const compose = parseYaml(read("compose", "docker-compose.yml"))[0] as YamlMap;
  const services = get(compose, "services") as YamlMap;
  const am = services.alertmanager as YamlMap;
  assert.ok((am.volumes as string[]).includes("../alertmanager/alertmanager.yml:/etc/alertmanager/alertmanager.yml:ro"));
  const monitors = Object.keys(services).filter((n) => n.startsWith("peermon"));
  assert.ok(monitors.length > 0);
  for (const name of monitors) {
    assert.equal(get(services, name, "environment", "PEERMON_ALERTMANAGER"), "http://alertmanager:9093", `${name}`);
  }
});

test("deploy alertmanager - systemd's settings show how to page", () => {
  const text = read("systemd", "default", "peermon");
  assert.match(text, /^#PEERMON_ALERTMANAGER=http:\/\/\S+:9093,http:\/\/\S+:9093$/m);
  assert.deepEqual(
    Object.keys(parseEnvFile(text)).filter((k) => k.includes("ALERTMANAGER") || k.includes("WEBHOOK")),
    [],
    "commented out: no Alertmanager is assumed",
  );
});
