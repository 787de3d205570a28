/**
 * IPFS Cluster side by side: the same cluster of real IPFS Cluster peers (IPFS Cluster's own Go
 * code, CRDT consensus, libp2p hosts on loopback, its IPFS mock) once with pubsubmon and once with
 * peermon, intervals divided by 15 (a ping every second with a ttl of two; pubsubmon checks every
 * second, as its 15 s default matches the 15 s ping). Measured by the Go module's side-by-side test
 * (go/internal/sidebyside), which this scenario runs with `go test`:
 *   - a punctual peer dies (at a random phase after one of its pings, the same phases for both
 *     monitors): time to the alert on the live peers' Alerts() (mean over them) and to its first
 *     pin moved;
 *   - 1% of the metrics lost at random, no peer down: alerts on Alerts() per peer; then peers that
 *     lost metrics moments before die as above (expiry confirmation waits longer for them);
 *   - more than half of a fresh cluster dies at once: pins re-allocated over the next ttl + 8 s.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { progress, round, type BenchOptions, type ScenarioResult } from "./common.js";

const GO_DIR = fileURLToPath(new URL("../../go/", import.meta.url));

interface Figures {
  ipfs_cluster_alert_ms_pubsubmon: number;
  ipfs_cluster_alert_ms_peermon: number;
  ipfs_cluster_detect_ratio: number;
  ipfs_cluster_after_expiry_ms_pubsubmon: number;
  ipfs_cluster_after_expiry_ms_peermon: number;
  ipfs_cluster_repin_ms_pubsubmon: number;
  ipfs_cluster_repin_ms_peermon: number;
  ipfs_cluster_storm_repins_pubsubmon: number;
  ipfs_cluster_storm_repins_peermon: number;
  ipfs_cluster_loss_alerts_pubsubmon: number;
  ipfs_cluster_loss_alerts_peermon: number;
  ipfs_cluster_lossy_alert_ms_pubsubmon: number;
  ipfs_cluster_lossy_alert_ms_peermon: number;
  ipfs_cluster_lossy_detect_ratio: number;
  ipfs_cluster_lossy_after_expiry_ms_pubsubmon: number;
  ipfs_cluster_lossy_after_expiry_ms_peermon: number;
  detail: {
    plan: { Peers: number; Kills: number; Pins: number; StormPeers: number; StormLost: number; LossSeconds: number };
    pubsubmon: { LostMetrics: number; SentMetrics: number };
  };
}

export async function run(o: BenchOptions): Promise<ScenarioResult> {
  const dir = mkdtempSync(join(tmpdir(), "peermon-bench-ipfs-"));
  const out = join(dir, "figures.json");
  try {
    progress(`ipfs-cluster: go test ./internal/sidebyside (${o.quick ? "about 4 min" : "about 15 min"})`);
    const go = spawnSync("go", ["test", "-count=1", "-timeout", "60m", "-run", "^TestSideBySide$", "./internal/sidebyside"], {
      cwd: GO_DIR,
      env: { ...process.env, PEERMON_BENCH_IPFS_CLUSTER: out, ...(o.quick ? { PEERMON_BENCH_QUICK: "1" } : {}) },
      encoding: "utf8",
      maxBuffer: 256 * 1024 * 1024,
    });
    if (go.error) throw new Error(`go could not run (the Go module needs Go 1.26): ${go.error.message}`);
    if (go.status !== 0) throw new Error(`the side-by-side run failed:\n${tail(go.stdout + go.stderr, 40)}`);
    const f = JSON.parse(readFileSync(out, "utf8")) as Figures;
    return { rows: rows(f), json: figuresOf(f) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function rows(f: Figures): ScenarioResult["rows"] {
  const p = f.detail.plan;
  const lost = f.detail.pubsubmon;
  return [
    {
      figure: `ipfs-cluster: a punctual peer's death to the alert on Alerts(), ${p.Kills} deaths in ${p.Peers} peers (pubsubmon / peermon)`,
      value: `${f.ipfs_cluster_alert_ms_pubsubmon} / ${f.ipfs_cluster_alert_ms_peermon} ms (ratio ${f.ipfs_cluster_detect_ratio})`,
      target: "ratio <= 0.6",
      met: f.ipfs_cluster_detect_ratio <= 0.6,
    },
    {
      figure: "ipfs-cluster: the alert after the dead peer's last ping expired (pubsubmon / peermon)",
      value: `${f.ipfs_cluster_after_expiry_ms_pubsubmon} / ${f.ipfs_cluster_after_expiry_ms_peermon} ms`,
    },
    {
      figure: "ipfs-cluster: a peer's death to its first pin moved (pubsubmon / peermon)",
      value: `${f.ipfs_cluster_repin_ms_pubsubmon} / ${f.ipfs_cluster_repin_ms_peermon} ms`,
    },
    {
      figure: `ipfs-cluster: pins re-allocated when ${p.StormLost} of ${p.StormPeers} peers die at once, of ${p.Pins} (pubsubmon / peermon)`,
      value: `${f.ipfs_cluster_storm_repins_pubsubmon} / ${f.ipfs_cluster_storm_repins_peermon}`,
      target: "peermon 0",
      met: f.ipfs_cluster_storm_repins_peermon === 0,
    },
    {
      figure: `ipfs-cluster: alerts per peer, 1% of metrics lost for ${p.LossSeconds} s, no peer down (pubsubmon / peermon; ${lost.LostMetrics} of ${lost.SentMetrics} lost)`,
      value: `${f.ipfs_cluster_loss_alerts_pubsubmon} / ${f.ipfs_cluster_loss_alerts_peermon}`,
    },
    {
      figure: `ipfs-cluster: then ${p.Kills} of those peers die, to the alert on Alerts() / after the last ping's expiry (pubsubmon / peermon)`,
      value:
        `${f.ipfs_cluster_lossy_alert_ms_pubsubmon} / ${f.ipfs_cluster_lossy_alert_ms_peermon} ms (ratio ${f.ipfs_cluster_lossy_detect_ratio}); ` +
        `${f.ipfs_cluster_lossy_after_expiry_ms_pubsubmon} / ${f.ipfs_cluster_lossy_after_expiry_ms_peermon} ms`,
    },
  ];
}

function figuresOf(f: Figures): Record<string, unknown> {
  const { detail: _detail, ...figures } = f;
  return {
    ...figures,
    ipfs_cluster_detect_ratio: round(f.ipfs_cluster_detect_ratio, 3),
    ipfs_cluster_lossy_detect_ratio: round(f.ipfs_cluster_lossy_detect_ratio, 3),
  };
}

function tail(text: string, lines: number): string {
  return text.split("\n").slice(-lines).join("\n");
}
