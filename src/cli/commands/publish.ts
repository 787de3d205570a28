/**
 * `peermon publish <name> --peer <id>`: publishes one Metric as a peer would, or one every
 * `--every` until SIGINT/SIGTERM. The ttl is sent both as `l` (monitor-relative, skew-proof) and as
 * `e` = now + ttl (absolute, so IPFS Cluster-style receivers understand it too).
 *
 * With `--every` it is a heartbeat, so it must outlive a NATS restart: the connection reconnects
 * forever, publishes keep to a fixed grid (start + k x every), ticks that fall while the connection
 * is down are skipped (nothing stale is queued) and stderr says when it is lost and back.
 */
import { Command } from "commander";
import { setTimeout as sleep } from "node:timers/promises";
import type { Metric } from "../../api/types.js";
import type { MetricInput } from "../../client/metric-input.js";
import { parseDuration, formatDuration } from "../../duration.js";
import { ConfigError, PeermonError } from "../../errors.js";
import { paletteFor } from "../color.js";
import { isoTime, metricJson, nowNs, printable, toJson } from "../format.js";
import { watchLink } from "../link-notes.js";
import { PublishRefusals, refusedMetricText } from "../publish-refusals.js";
import { checkTokens, DRAIN_WAIT_MS, printLine, printNote, untilSignal, withConnection, withSession, type Session } from "./session.js";

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
    .option("--ttl <duration>", "how long the metric stays fresh after the monitor receives it; 0 only with --invalid", "30s")
    .option("--invalid", "mark the metric invalid (it never arms a deadline)")
    .option("--weight <n>", "weight used by allocators (int64)")
    .option("--every <duration>", "publish again at this period until interrupted (Ctrl-C), across NATS restarts")
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
      if (ttlMs === 0 && !flags.invalid) {
        throw new ConfigError("--ttl", flags.ttl, "a valid metric with ttl 0 is expired on arrival; give a ttl like 30s (or add --invalid)");
      }
      const everyMs = flags.every === undefined ? undefined : durationFlag("--every", flags.every, 1);
      const input: MetricInput = {
        name,
        peer: flags.peer,
        value: flags.value,
        ttlMs,
        valid: !flags.invalid,
        weight: flags.weight === undefined ? 0n : weightFlag(flags.weight),
      };
      await withSession(flags, "publish", (s) => (everyMs === undefined ? publishOnce(s, input, flags.json) : publishEvery(s, input, everyMs, flags.json)), {
        follow: everyMs !== undefined,
      });
    });
}

async function publishOnce(s: Session, input: MetricInput, json?: boolean): Promise<void> {
  const refusals = new PublishRefusals(s.nc);
  const membership = warnUnlessMember(s, input.peer);
  const metric = s.client.publishMetric(input);
  await s.nc.flush();
  const refused = await refusedText(s, refusals, input);
  if (refused) throw new PeermonError(refused);
  report(metric, json);
  await membership;
}

/** Why the server refused the metric just flushed, in words for the user; undefined when it took it. */
async function refusedText(s: Session, refusals: PublishRefusals, input: MetricInput): Promise<string | undefined> {
  const refused = await refusals.refusal(input.name, input.peer);
  return refused && refusedMetricText(s.client.subjects.metric(input.name, input.peer), input.peer);
}

/** How long `publish` waits to read the stored peerset, ms: a warning is not worth a slow command. */
const MEMBERSHIP_CHECK_MS = 1_000;

/**
 * Warns on stderr when a peerset is stored and `peer` is not in it: monitors ignore its metrics
 * (`unknown_peer`), which `publish` alone would never show. Says nothing when none is stored or it
 * cannot be read (no JetStream, no permission, too slow).
 */
async function warnUnlessMember(s: Session, peer: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  // Unref'd: a command stopped meanwhile does not wait for it.
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), MEMBERSHIP_CHECK_MS).unref()));
  const reading = await Promise.race([s.client.peersets.read().catch(() => undefined), late]);
  clearTimeout(timer);
  if (reading?.type !== "current" || reading.peerset.peers.includes(peer)) return;
  const size = reading.peerset.peers.length;
  printNote(
    `peermon: warning: ${printable(peer)} is not in the peerset (${size} peer${size === 1 ? "" : "s"}: \`peermon peerset show\`): ` +
      `monitors ignore its metrics; add it with \`peermon peerset add ${printable(peer)}\``,
  );
}

async function publishEvery(s: Session, input: MetricInput, everyMs: number, json?: boolean): Promise<void> {
  const signal = untilSignal();
  const stop = new AbortController();
  void signal.done.then(() => stop.abort());
  const link = watchLink(s.nc, printNote, { lost: "publishing paused", back: "publishing again" });
  void warnUnlessMember(s, input.peer);
  const refusals = new PublishRefusals(s.nc);
  let refused: string | undefined;
  const start = Date.now();
  let confirmed: Promise<void> = Promise.resolve();
  try {
    while (!stop.signal.aborted) {
      if (s.nc.isClosed()) throw new PeermonError("the NATS connection closed for good; nothing more can be published: run the command again");
      if (link.up) {
        confirmed = publishConfirmed(s, refusals, input, json).then((text) => {
          // A refusal is the server's permissions: the next tick would be refused too.
          if (text && !refused) {
            refused = text;
            stop.abort();
          }
        });
      }
      const wait = start + nextTick(start, everyMs, Date.now()) * everyMs - Date.now();
      await sleep(wait, undefined, { signal: stop.signal }).catch(() => undefined);
    }
    // The last publish gets a moment to be confirmed (and printed); while the link is down it cannot be.
    if (link.up) {
      const last = new AbortController();
      await Promise.race([confirmed, sleep(DRAIN_WAIT_MS, undefined, { signal: last.signal }).catch(() => undefined)]);
      last.abort();
    }
    if (refused) throw new PeermonError(refused);
  } finally {
    signal.cancel();
    link.stop();
  }
}

/**
 * Publishes and prints the metric once the server confirmed it; a publish lost to a disconnect
 * prints nothing. Resolves to why the server refused it, when it did.
 */
function publishConfirmed(s: Session, refusals: PublishRefusals, input: MetricInput, json?: boolean): Promise<string | undefined> {
  const metric = s.client.publishMetric(input);
  return s.nc.flush().then(
    async () => {
      const refused = await refusedText(s, refusals, input);
      if (!refused) report(metric, json);
      return refused;
    },
    () => undefined,
  );
}

/**
 * The index k of the first grid point start + k x every strictly after `now`: the rhythm is kept,
 * and ticks missed (a stalled process, a slow flush) are skipped rather than sent in a burst.
 */
export function nextTick(start: number, everyMs: number, now: number): number {
  return Math.max(1, Math.floor((now - start) / everyMs) + 1);
}

function report(m: Metric, json?: boolean): void {
  if (json) return printLine(toJson(metricJson(m)));
  const c = paletteFor();
  const ttl = formatDuration(Number(m.ttl ?? 0n) / 1e6);
  const flags = m.valid ? "" : ` | ${c.yellow("invalid")}`;
  printLine(`${isoTime(nowNs())} published ${printable(m.peer)} | ${c.bold(printable(m.name))}: ${printable(m.value)} | ttl: ${ttl}${flags}`);
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
