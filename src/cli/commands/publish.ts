/**
 * `peermon publish <name> --peer <id>`: publishes one Metric as a peer would, or one every
 * `--every` until SIGINT/SIGTERM. The ttl is sent both as `l` (monitor-relative, skew-proof) and as
 * `e` = now + ttl (absolute, so IPFS Cluster-style receivers understand it too).
 */
import { Command } from "commander";
import { setTimeout as sleep } from "node:timers/promises";
import type { Metric } from "../../api/types.js";
import { parseDuration, formatDuration } from "../../duration.js";
import { ConfigError } from "../../errors.js";
import { paletteFor } from "../color.js";
import { isoTime, metricJson, nowNs, toJson } from "../format.js";
import { checkTokens, printLine, untilSignal, withConnection, withSession, type Session } from "./session.js";

const INT64_MAX = 2n ** 63n - 1n;

interface PublishFlags {
  peer: string;
  value: string;
  ttl: string;
  invalid?: boolean;
  weight?: string;
  every?: string;
  json?: boolean;
}

export function publishCommand(): Command {
  return withConnection(new Command("publish"))
    .description("publish a metric as a peer would (once, or periodically with --every)")
    .argument("<name>", "metric name, one subject token (ping, freespace, ...)")
    .requiredOption("--peer <id>", "the peer the metric is from")
    .option("--value <v>", "the metric's value, as text", "")
    .option("--ttl <duration>", "how long the metric stays fresh after the monitor receives it", "30s")
    .option("--invalid", "mark the metric invalid (it never arms a deadline)")
    .option("--weight <n>", "weight used by allocators (int64)")
    .option("--every <duration>", "publish again at this period until interrupted (Ctrl-C)")
    .option("--json", "print each published metric as one JSON line")
    .addHelpText(
      "after",
      `
Examples:
  peermon publish ping --peer P1 --ttl 30s            # one ping from P1, fresh for 30s
  peermon publish freespace --peer P1 --value 1099511627776 --weight 1099511627776
  peermon publish ping --peer P1 --every 10s --ttl 30s # a heartbeat, until Ctrl-C`,
    )
    .action(async (name: string, flags: PublishFlags & Record<string, unknown>) => {
      checkTokens({ "metric name": name, "peer id": flags.peer });
      const ttlMs = durationFlag("--ttl", flags.ttl, 0);
      const everyMs = flags.every === undefined ? undefined : durationFlag("--every", flags.every, 1);
      const weight = flags.weight === undefined ? 0n : weightFlag(flags.weight);
      const build = (): Metric => metricToPublish(name, flags, ttlMs, weight);
      await withSession(
        flags,
        "publish",
        (s) => (everyMs === undefined ? publishOnce(s, build, flags.json) : publishEvery(s, build, everyMs, flags.json)),
        { follow: everyMs !== undefined },
      );
    });
}

function metricToPublish(name: string, flags: PublishFlags, ttlMs: number, weight: bigint): Metric {
  const ttl = BigInt(Math.round(ttlMs * 1e6));
  return {
    name,
    peer: flags.peer,
    value: flags.value,
    expire: nowNs() + ttl,
    valid: !flags.invalid,
    weight,
    partitionable: false,
    receivedAt: 0n,
    ttl,
  };
}

async function publishOnce(s: Session, build: () => Metric, json?: boolean): Promise<void> {
  const metric = build();
  s.client.publishMetric(metric);
  await s.nc.flush();
  report(metric, json);
}

async function publishEvery(s: Session, build: () => Metric, everyMs: number, json?: boolean): Promise<void> {
  const signal = untilSignal();
  const stop = new AbortController();
  void signal.done.then(() => stop.abort());
  try {
    while (!stop.signal.aborted) {
      await publishOnce(s, build, json);
      await sleep(everyMs, undefined, { signal: stop.signal }).catch(() => undefined);
    }
  } finally {
    signal.cancel();
  }
}

function report(m: Metric, json?: boolean): void {
  if (json) return printLine(toJson(metricJson(m)));
  const c = paletteFor();
  const ttl = formatDuration(Number(m.ttl ?? 0n) / 1e6);
  const flags = m.valid ? "" : ` | ${c.yellow("invalid")}`;
  printLine(`${isoTime(nowNs())} published ${m.peer} | ${c.bold(m.name)}: ${m.value} | ttl: ${ttl}${flags}`);
}

function durationFlag(flag: string, text: string, minMs: number): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms < minMs) {
    throw new ConfigError(flag, text, `write a duration like 500ms, 30s or 5m${minMs > 0 ? ", more than 0" : ""}`);
  }
  return ms;
}

function weightFlag(text: string): bigint {
  const ok = /^-?\d+$/.test(text.trim()) && BigInt(text.trim()) <= INT64_MAX && BigInt(text.trim()) >= -INT64_MAX - 1n;
  if (!ok) throw new ConfigError("--weight", text, "give a whole number (int64), like 100");
  return BigInt(text.trim());
}
