/**
 * deploy/ stays one topology: 3 NATS nodes with JetStream and nats.conf's mappings, 2 shards x 2
 * replicas of peermon, streams with 3 replicas. Checked without Docker or Kubernetes by reading the
 * compose file, the manifests and the units (a small YAML subset reader: block maps and lists,
 * JSON flow values, literal blocks), validating every NATS config with `nats-server -t`, and
 * running the local cluster of deploy/local/cluster.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { connect, RequestStrategy } from "nats";
import { encodePeerSet } from "../../src/api/codec.js";
import { PeerMonitorClient } from "../../src/client/client.js";
import { DEFAULT_CONFIG, parseShard, resolveConfig } from "../../src/config.js";
import { MAPPINGS_FILE, NODE_TEMPLATE, renderTemplate, writeNodeConfig } from "../../deploy/local/nats-nodes.js";
import { localCluster, processAlive } from "../helpers/local-cluster.js";
import { libp2pIds } from "../helpers/peer-ids.js";
import {
  parseYaml,
  get,
  natsText,
  withIncludes,
  natsBlock,
  natsField,
  natsMappings,
  natsRoutes,
  portOf,
  hostOf,
  parseUnit,
  parseEnvFile,
  type YamlMap,
} from "../helpers/deploy-artefacts.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DEPLOY = join(ROOT, "deploy");
const at = (...p: string[]) => join(DEPLOY, ...p);
const read = (path: string) => readFileSync(path, "utf8");

/** The topology every artefact implements. */
const NATS_NODES = 3;
const SHARDS = 2;
const REPLICAS = 2;
const PORTS = { client: 4222, cluster: 6222, monitor: 8222, http: 9464 };
/** Hosts that run peermon.target (deploy/README.md): one replica of each shard per host. */
const SYSTEMD_MONITOR_HOSTS = 2;

// ---- the artefacts, read once ----

const natsConf = read(join(ROOT, "nats.conf"));
const compose = parseYaml(read(at("compose", "docker-compose.yml")))[0] as YamlMap;
const composeServices = get(compose, "services") as YamlMap;
const natsServices = Object.keys(composeServices).filter((n) => /^nats-\d+$/.test(n));
const peermonServices = Object.keys(composeServices).filter((n) => n.startsWith("peermon"));
const kustomization = parseYaml(read(at("kubernetes", "kustomization.yaml")))[0] as YamlMap;
const k8sDocs = (get(kustomization, "resources") as string[]).flatMap((f) => parseYaml(read(at("kubernetes", f))).map((d) => ({ file: f, doc: d as YamlMap })));
const k8s = (kind: string, name?: string) => k8sDocs.filter(({ doc }) => doc.kind === kind && (name === undefined || get(doc, "metadata", "name") === name));
const one = (kind: string, name: string) => {
  const found = k8s(kind, name);
  assert.equal(found.length, 1, `one ${kind} ${name} in deploy/kubernetes`);
  return found[0]!.doc;
};
const natsConfigMap = one("ConfigMap", "nats-config");
const natsStatefulSet = one("StatefulSet", "nats");
const peermonSettings = get(one("ConfigMap", "peermon-settings"), "data") as YamlMap;
const peermonDeployments = k8s("Deployment").map(({ doc }) => doc);
const unit = (name: string) => parseUnit(read(at("systemd", name)));
const target = unit("peermon.target");
const systemdInstances = target.Unit!.Wants!.join(" ").split(/\s+/).filter(Boolean);

/** Every NATS config of deploy/, fully expanded (includes resolved), with a name for messages. */
function clusteredConfigs(): { name: string; text: string }[] {
  const k8sDir = mkdtempSync(join(tmpdir(), "peermon-deploy-k8s-"));
  try {
    for (const [key, value] of Object.entries(get(natsConfigMap, "data") as YamlMap)) {
      writeFileSync(join(k8sDir, key), value as string);
    }
    return [
      { name: "deploy/nats/cluster.conf (compose)", text: withIncludes(read(at("nats", "cluster.conf")), at("nats")) },
      { name: "deploy/nats/cluster-node.conf.template (hosts, local)", text: withIncludes(renderedTemplate(), at("nats")) },
      { name: "deploy/kubernetes nats-config", text: withIncludes(read(join(k8sDir, "nats.conf")), k8sDir) },
    ];
  } finally {
    rmSync(k8sDir, { recursive: true, force: true });
  }
}

function renderedTemplate(): string {
  return renderTemplate(read(NODE_TEMPLATE), {
    SERVER_NAME: "n1",
    CLIENT_LISTEN: `0.0.0.0:${PORTS.client}`,
    CLUSTER_LISTEN: `0.0.0.0:${PORTS.cluster}`,
    MONITOR_LISTEN: `0.0.0.0:${PORTS.monitor}`,
    STORE_DIR: "/var/lib/nats/n1",
    ROUTES: [1, 2, 3].map((i) => `nats-route://n${i}:${PORTS.cluster}`).join(", "),
  });
}

// ---- the checks ----

test("deploy - compose: the files it mounts, its build context and the Dockerfile's sources exist", () => {
  for (const name of Object.keys(composeServices)) {
    for (const volume of ((composeServices[name] as YamlMap).volumes as string[] | undefined) ?? []) {
      const source = volume.split(":")[0]!;
      if (source.startsWith(".")) assert.ok(existsSync(at("compose", source)), `${name} mounts ${source}`);
    }
  }
  for (const name of peermonServices) {
    const context = join(at("compose"), get(composeServices, name, "build", "context") as string);
    const dockerfile = join(context, get(composeServices, name, "build", "dockerfile") as string);
    assert.equal(dockerfile, at("compose", "Dockerfile"), `${name} builds deploy/compose/Dockerfile`);
    assert.equal(context, ROOT.replace(/\/$/, ""), `${name} builds from the repository root`);
  }
  // Every COPY source (from the context) exists and is let through by Dockerfile.dockerignore.
  const allowed = read(at("compose", "Dockerfile.dockerignore"))
    .split("\n")
    .filter((l) => l.startsWith("!"));
  for (const [, sources] of read(at("compose", "Dockerfile")).matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
    for (const source of sources!.split(/\s+/)) {
      assert.ok(existsSync(join(ROOT, source)), `the Dockerfile copies ${source}`);
      assert.ok(allowed.includes(`!${source}`), `Dockerfile.dockerignore lets ${source} through`);
    }
  }
});

test("deploy - kubernetes: the listed resources and the ConfigMaps pods use exist; Secrets are optional", () => {
  for (const file of get(kustomization, "resources") as string[]) assert.ok(existsSync(at("kubernetes", file)), file);
  // ConfigMaps that pods need exist; Secrets are optional (credentials are left to the operator).
  for (const { doc } of [...k8s("Deployment"), ...k8s("StatefulSet")]) {
    const pod = get(doc, "spec", "template", "spec") as YamlMap;
    const containers = get(pod, "containers") as YamlMap[];
    const refs = [...((pod.volumes as YamlMap[] | undefined) ?? []), ...containers.flatMap((c) => (c.envFrom as YamlMap[] | undefined) ?? [])];
    for (const ref of refs) {
      const cm = (ref.configMap ?? ref.configMapRef) as YamlMap | undefined;
      if (cm) one("ConfigMap", cm.name as string);
      const secret = (ref.secret ?? ref.secretRef) as YamlMap | undefined;
      if (secret) assert.equal(secret.optional, "true", `the Secret ${secret.secretName ?? secret.name} is optional`);
    }
  }
  const natsData = get(natsConfigMap, "data") as YamlMap;
  for (const [, file] of (natsData["nats.conf"] as string).matchAll(/^\s*include\s+"([^"]+)"/gm)) {
    assert.ok(file! in natsData, `nats-config has ${file}, which nats.conf includes`);
  }
});

test("deploy - systemd and NATS configs: the executables, environment files and includes they name exist", () => {
  // /opt/peermon is the repository; /etc/default/* are deploy/systemd/default/*.
  for (const name of ["peermon@.service", "peermon.service"]) {
    const exec = unit(name).Service!.ExecStart![0]!;
    assert.match(exec, /^\/usr\/bin\/node \/opt\/peermon\/bin\/peermon\.js serve/);
    assert.ok(existsSync(join(ROOT, "bin", "peermon.js")));
  }
  for (const instance of systemdInstances) {
    const [, name] = /^peermon@(.+)\.service$/.exec(instance) ?? [];
    assert.ok(name, `peermon.target wants instances of peermon@.service: ${instance}`);
    for (const env of unit("peermon@.service").Service!.EnvironmentFile!) {
      const path = env.replace(/^-/, "").replace("%i", name);
      assert.ok(existsSync(at("systemd", "default", path.replace("/etc/default/", ""))), `${instance} reads ${path}`);
    }
  }
  assert.match(unit("nats-server@.service").Service!.ExecStart![0]!, /-c \/etc\/nats-server\/%i\.conf$/);
  // NATS configs: their includes resolve.
  for (const file of ["cluster.conf", "cluster-node.conf.template"]) withIncludes(read(at("nats", file)), at("nats"));
});

test("deploy - every file under deploy/ is described in deploy/README.md", () => {
  const readme = read(at("README.md"));
  const files = readdirSync(DEPLOY, { recursive: true })
    .map(String)
    .filter((f) => f !== "README.md" && statSync(join(DEPLOY, f)).isFile());
  for (const file of files) assert.ok(readme.includes(file), `deploy/README.md mentions ${file}`);
});

test("deploy - every NATS config has nats.conf's three mappings with 32 partitions, and its JetStream limits", () => {
  const expected = natsMappings(natsText(natsConf));
  assert.equal(Object.keys(expected).length, 3);
  for (const dest of Object.values(expected)) {
    assert.match(dest, new RegExp(`\\{\\{partition\\(${DEFAULT_CONFIG.partitions},1\\)\\}\\}`), "partition count = peermon's partitions");
  }
  assert.deepEqual(natsMappings(withIncludes(read(MAPPINGS_FILE), at("nats"))), expected, "peermon-mappings.conf");
  assert.equal(
    (get(natsConfigMap, "data", "peermon-mappings.conf") as string).trim(),
    read(MAPPINGS_FILE).trim(),
    "the Kubernetes ConfigMap holds a copy of deploy/nats/peermon-mappings.conf",
  );
  const limits = (text: string) => ["max_memory_store", "max_file_store"].map((k) => natsField(natsBlock(text, "jetstream"), k));
  for (const { name, text } of clusteredConfigs()) {
    assert.deepEqual(natsMappings(text), expected, `${name}: mappings`);
    assert.deepEqual(limits(text), limits(natsText(natsConf)), `${name}: JetStream limits`);
    assert.equal(natsField(natsBlock(text, "cluster"), "name"), "peermon", `${name}: cluster name`);
    assert.equal(natsRoutes(text).length, NATS_NODES, `${name}: routes to all ${NATS_NODES} nodes`);
    assert.ok(natsField(text, "server_name"), `${name}: server_name (JetStream in a cluster needs one per node)`);
  }
});

test("deploy - every NATS config's max_payload (8MB) holds a PeerSet of 10,000 libp2p ids and `latest` for 10k peers", () => {
  const configs = [
    { name: "nats.conf", text: natsText(natsConf) },
    { name: "deploy/secure/nats-secure.conf", text: natsText(read(at("secure", "nats-secure.conf"))) },
    ...clusteredConfigs(),
  ];
  const peerset = encodePeerSet({ peers: libp2pIds(10_000), id: "01J0000000000000000000000A" }).length;
  for (const { name, text } of configs) {
    const maxPayload = natsField(text, "max_payload");
    assert.equal(maxPayload, "8MB", `${name}: max_payload`);
    assert.ok(bytesOf(maxPayload) >= 1.3e6 && bytesOf(maxPayload) > peerset, `${name}: a ${peerset}-byte PeerSet fits`);
  }
});

/** nats-server's size notation (`8MB` is 8 MiB) in bytes. */
function bytesOf(size: string): number {
  const m = /^(\d+)(KB|MB|GB)?$/i.exec(size)!;
  return Number(m[1]) * 1024 ** ["", "KB", "MB", "GB"].indexOf((m[2] ?? "").toUpperCase());
}

test("deploy - every clustered NATS config listens on 4222 (clients), 6222 (routes) and 8222 (monitoring)", () => {
  for (const { name, text } of clusteredConfigs()) {
    assert.equal(portOf(natsField(text, "listen")!), PORTS.client, `${name}: client port`);
    assert.equal(portOf(natsField(text, "http")!), PORTS.monitor, `${name}: monitoring port`);
    assert.equal(portOf(natsField(natsBlock(text, "cluster"), "listen")!), PORTS.cluster, `${name}: route port`);
    for (const route of natsRoutes(text)) assert.equal(portOf(route), PORTS.cluster, `${name}: ${route}`);
  }
});

test("deploy - compose: routes, NATS_URL, healthchecks and PEERMON_HTTP use the nats services and the same ports", () => {
  const composeConf = natsText(read(at("nats", "cluster.conf")));
  assert.deepEqual(natsRoutes(composeConf).map(hostOf), natsServices);
  for (const name of natsServices) {
    const s = composeServices[name] as YamlMap;
    assert.equal(portOf((get(s, "healthcheck", "test") as string[]).at(-1)!), PORTS.monitor, `${name} healthcheck`);
    for (const p of (s.ports as string[] | undefined) ?? []) {
      assert.ok([PORTS.client, PORTS.monitor].includes(Number(p.split(":").at(-1))), `${name} publishes ${p}`);
    }
  }
  for (const name of peermonServices) {
    const env = get(composeServices, name, "environment") as YamlMap;
    const urls = (env.NATS_URL as string).split(",");
    assert.deepEqual(urls.map(hostOf), natsServices, `${name}: NATS_URL lists every node`);
    for (const url of urls) assert.equal(portOf(url), PORTS.client);
    assert.equal(portOf(env.PEERMON_HTTP as string), PORTS.http, `${name}: PEERMON_HTTP`);
    const check = (get(composeServices, name, "healthcheck", "test") as string[]).join(" ");
    assert.match(check, new RegExp(`127\\.0\\.0\\.1:${PORTS.http}/readyz`), `${name}: healthcheck on /readyz`);
  }
  const dockerfile = read(at("compose", "Dockerfile"));
  assert.match(dockerfile, new RegExp(`^EXPOSE ${PORTS.http}$`, "m"));
  assert.match(dockerfile, new RegExp(`PEERMON_HTTP=0\\.0\\.0\\.0:${PORTS.http}`));
});

test("deploy - kubernetes: config, container, Service and probe ports agree; routes name the StatefulSet's pods", () => {
  const container = get(natsStatefulSet, "spec", "template", "spec", "containers", 0) as YamlMap;
  const natsPorts: Record<string, number> = Object.fromEntries((container.ports as YamlMap[]).map((p) => [p.name as string, Number(p.containerPort)]));
  assert.deepEqual({ ...natsPorts }, { client: PORTS.client, cluster: PORTS.cluster, monitor: PORTS.monitor });
  for (const probe of ["startupProbe", "livenessProbe", "readinessProbe"]) {
    assert.equal(get(container, probe, "httpGet", "port"), "monitor", `nats ${probe}`);
  }
  const headless = get(natsStatefulSet, "spec", "serviceName") as string;
  assert.equal(get(one("Service", headless), "spec", "clusterIP"), "None", "the routes' Service is headless");
  assert.equal(Number(get(natsStatefulSet, "spec", "replicas")), NATS_NODES);
  const k8sConf = natsText(get(natsConfigMap, "data", "nats.conf") as string);
  assert.deepEqual(
    natsRoutes(k8sConf).map(hostOf),
    Array.from({ length: NATS_NODES }, (_, i) => `nats-${i}.${headless}`),
    "routes name the StatefulSet's pods under the headless Service",
  );
  // NATS's Services (the Alertmanager's are checked by deploy-alertmanager.test.ts).
  for (const { doc } of k8s("Service").filter(({ doc }) => get(doc, "spec", "selector", "app.kubernetes.io/name") === "nats")) {
    for (const p of get(doc, "spec", "ports") as YamlMap[]) {
      assert.equal(Number(p.port), natsPorts[p.targetPort as string], `Service ${get(doc, "metadata", "name")} ${p.name}`);
    }
  }
  const natsUrl = peermonSettings.NATS_URL as string;
  assert.equal(portOf(natsUrl), PORTS.client);
  one("Service", hostOf(natsUrl));
  assert.equal(portOf(peermonSettings.PEERMON_HTTP as string), PORTS.http);
  for (const d of peermonDeployments) {
    const c = get(d, "spec", "template", "spec", "containers", 0) as YamlMap;
    assert.deepEqual(c.ports, [{ name: "http", containerPort: String(PORTS.http) }]);
    assert.equal(get(c, "livenessProbe", "httpGet", "path"), "/healthz");
    assert.equal(get(c, "readinessProbe", "httpGet", "path"), "/readyz");
    for (const probe of ["startupProbe", "livenessProbe", "readinessProbe"]) {
      assert.equal(get(c, probe, "httpGet", "port"), "http", `${get(d, "metadata", "name")} ${probe}`);
    }
  }
});

test("deploy - systemd: NATS_URL on 4222, one HTTP port per instance on a host (9464 + shard index)", () => {
  for (const url of parseEnvFile(read(at("systemd", "default", "peermon"))).NATS_URL!.split(",")) {
    assert.equal(portOf(url), PORTS.client);
  }
  for (const instance of systemdInstances) {
    const name = instance.replace(/^peermon@|\.service$/g, "");
    const env = parseEnvFile(read(at("systemd", "default", `peermon-${name}`)));
    assert.equal(portOf(env.PEERMON_HTTP!), PORTS.http + Number(name.split("-")[0]), `${instance}: PEERMON_HTTP`);
  }
  assert.match(read(NODE_TEMPLATE), new RegExp(`CLIENT_LISTEN=0\\.0\\.0\\.0:${PORTS.client}`));
});

test("deploy - every peermon instance runs a valid shard of one count, each shard twice, with 3 stream replicas", () => {
  const deployments: Record<string, { shard: string; copies: number; replicas: string }[]> = {
    compose: peermonServices.map((name) => {
      const env = get(composeServices, name, "environment") as YamlMap;
      const copies = Number(get(composeServices, name, "deploy", "replicas"));
      return { shard: env.PEERMON_SHARD as string, copies, replicas: env.PEERMON_STREAM_REPLICAS as string };
    }),
    kubernetes: peermonDeployments.map((d) => {
      const env = get(d, "spec", "template", "spec", "containers", 0, "env") as YamlMap[];
      const shard = env.find((e) => e.name === "PEERMON_SHARD")!.value as string;
      return { shard, copies: Number(get(d, "spec", "replicas")), replicas: peermonSettings.PEERMON_STREAM_REPLICAS as string };
    }),
    systemd: systemdInstances.map((instance) => ({
      shard: systemdInstanceShard(instance),
      copies: SYSTEMD_MONITOR_HOSTS,
      replicas: parseEnvFile(read(at("systemd", "default", "peermon"))).PEERMON_STREAM_REPLICAS!,
    })),
  };
  for (const [where, instances] of Object.entries(deployments)) {
    const copies = new Map<number, number>();
    for (const { shard, copies: n, replicas } of instances) {
      const spec = resolveConfig({ shard: parseShard(shard) }).shard!; // throws on an invalid shard
      assert.equal(spec.count, SHARDS, `${where}: ${shard} has the same shard count`);
      copies.set(spec.index, (copies.get(spec.index) ?? 0) + n);
      assert.equal(Number(replicas), NATS_NODES, `${where}: PEERMON_STREAM_REPLICAS`);
    }
    const expected = new Map(Array.from({ length: SHARDS }, (_, i) => [i, REPLICAS]));
    assert.deepEqual(copies, expected, `${where}: every shard 0..${SHARDS - 1} runs ${REPLICAS} times`);
  }
  assert.match(read(at("README.md")), /peermon\.target[^.]*on two hosts/, "the README says where peermon.target runs");
});

/** `peermon@0-2.service` -> `0/2`: what systemd's %I (the unescaped instance) gives. */
function systemdInstanceShard(instance: string): string {
  const escaped = /^peermon@(.+)\.service$/.exec(instance)![1]!;
  return escaped.replaceAll("-", "/").replace(/\\x([0-9a-f]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

test("deploy - every NATS config passes nats-server -t", () => {
  const dir = mkdtempSync(join(tmpdir(), "peermon-deploy-t-"));
  try {
    const configs: string[] = [join(ROOT, "nats.conf"), at("nats", "cluster.conf")];
    configs.push(
      writeNodeConfig(join(dir, "template"), {
        SERVER_NAME: "n1",
        CLIENT_LISTEN: `127.0.0.1:${PORTS.client}`,
        CLUSTER_LISTEN: `127.0.0.1:${PORTS.cluster}`,
        MONITOR_LISTEN: `127.0.0.1:${PORTS.monitor}`,
        STORE_DIR: join(dir, "template", "jetstream"),
        ROUTES: `nats-route://127.0.0.1:${PORTS.cluster}`,
      }),
    );
    for (const [key, value] of Object.entries(get(natsConfigMap, "data") as YamlMap)) {
      writeFileSync(join(dir, key), value as string);
    }
    configs.push(join(dir, "nats.conf"));
    // Containers name the node through the environment ($SERVER_NAME); -t does not touch store_dir.
    for (const config of configs) {
      const run = spawnSync("nats-server", ["-t", "-c", config], { env: { ...process.env, SERVER_NAME: "nats-0" } });
      assert.equal(run.status, 0, `nats-server -t -c ${relative(ROOT, config)}: ${run.stderr}`);
    }
    assert.throws(() => renderTemplate("$" + "{NOPE}", {}), /no value for \$\{NOPE\}/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("local cluster - 3 NATS nodes and 2 shards x 2 replicas start, answer once, and leave no process behind", async (t) => {
  const started = Date.now();
  const cluster = await localCluster(t, { graceMs: 1_500 });
  t.diagnostic(`started in ${Date.now() - started} ms`);
  assert.equal(cluster.servers.length, NATS_NODES);
  assert.equal(cluster.monitors.length, SHARDS * REPLICAS);
  for (const m of cluster.monitors) {
    const res = await fetch(`http://127.0.0.1:${m.httpPort}/readyz`);
    assert.equal(res.status, 200, `shard ${m.shardLabel} replica ${m.replica} is ready`);
  }
  const nc = await connect({ servers: cluster.natsUrls });
  try {
    const infos = await nc.services.client({ strategy: RequestStrategy.Timer, maxWait: 1_500 }).info("peermon");
    const shards: string[] = [];
    for await (const info of infos) shards.push(info.metadata?.shard ?? "?");
    assert.deepEqual(shards.sort(), ["0/2", "0/2", "1/2", "1/2"], "$SRV.INFO.peermon: 4 instances, 2 per shard");

    const client = new PeerMonitorClient(nc);
    client.publishMetric({ name: "freespace", peer: "P1", value: "5000", ttlMs: 60_000 });
    const deadline = Date.now() + 10_000;
    const known = () => client.latest("freespace").catch(() => []); // a 404 until the shard has it
    let latest = await known();
    while (latest.length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      latest = await known();
    }
    assert.deepEqual(
      latest.map((m) => [m.peer, m.value]),
      [["P1", "5000"]],
    );
  } finally {
    await nc.close();
  }
  const pids = [...cluster.servers, ...cluster.monitors].map((p) => p.pid!);
  assert.equal(pids.filter((pid) => pid !== undefined && processAlive(pid)).length, NATS_NODES + SHARDS * REPLICAS);
  const stopping = Date.now();
  await cluster.stop();
  t.diagnostic(`stopped in ${Date.now() - stopping} ms`);
  assert.deepEqual(pids.filter(processAlive), [], "no nats-server or peermon process of the cluster remains");
  assert.equal(existsSync(cluster.dir), false, "its configs and JetStream stores are removed");
  await cluster.stop(); // idempotent
});
