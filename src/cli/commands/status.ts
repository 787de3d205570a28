/**
 * `peermon status`: asks every running monitor for its `$SRV.STATS` (services framework) for about
 * a second, then prints per instance its shard, windows and peers, and per metric name how many
 * windows are healthy, expired and alerted and which members never reported it, with rejected
 * input and ignored metrics (peers outside the peerset) counted by reason; with several monitors,
 * a total over the deployment.
 */
import { Command } from "commander";
import { ErrorCode, RequestStrategy, type Msg, type NatsError } from "nats";
import { SERVICE_NAME } from "../../bus/queries.js";
import { NoMonitorError } from "../../errors.js";
import { paletteFor, type Palette } from "../color.js";
import { formatDuration } from "../../duration.js";
import type { LinkReport } from "../../window/self-outage.js";
import type { DisruptionReport } from "../../actors/disruptions.js";
import { printable, toJson } from "../format.js";
import { deliveryLines } from "../delivery-status.js";
import type { DeliveryStatus } from "../../delivery/delivery.js";
import { printLine, withConnection, withSession, type Session } from "./session.js";

/** How long replies are gathered, ms: every monitor on a healthy network answers well within it. */
export const STATUS_WAIT_MS = 1_000;

/** The `data` a peermon monitor puts in its STATS reply (see src/bus/queries.ts). */
export interface MonitorStatus {
  prefix: string;
  shard: string;
  partitions: string;
  windows: number;
  states: Record<string, Record<"healthy" | "expired" | "alerted", number>>;
  peers: number | null;
  /** The monitor's own link to NATS (absent from monitors older than 0.2). */
  link?: LinkReport;
  /** Per name, the peerset members that never reported it: how many, and the first few (absent from older monitors). */
  neverSeen?: Record<string, { count: number; peers: string[] }>;
  /** Windows announced suspect now, per name (monitors with `--suspicion on`). */
  suspects?: Record<string, number>;
  /** Silences muting now (absent from monitors without operator control). */
  silences?: number;
  /** Metric names in a disruption, their alerts held. */
  disruptions?: DisruptionReport[];
  /** Alert delivery to people: null when no destination is set (absent from older monitors). */
  delivery?: DeliveryStatus | null;
  counters: { rejected?: Record<string, number>; ignored?: Record<string, number> } & Record<string, unknown>;
}

/** One STATS reply, as the services framework sends it. */
interface StatsReply {
  id: string;
  version: string;
  started: string;
  endpoints?: { data?: unknown }[];
}

export function statusCommand(): Command {
  return withConnection(new Command("status"))
    .description("what each running monitor holds: shard, windows per state, peers, rejected input")
    .option("--json", "print a JSON array, one object per monitor: id, version, started and its STATS data")
    .addHelpText(
      "after",
      `
Examples:
  peermon status
  peermon status --json | jq '.[] | {shard, states}'`,
    )
    .action(async (flags: { json?: boolean } & Record<string, unknown>) => {
      const replies = await withSession(flags, "status", gather);
      if (flags.json) {
        return printLine(toJson(replies.map((r) => ({ id: r.id, version: r.version, started: r.started, ...statusOf(r) }))));
      }
      const palette = paletteFor();
      for (const r of replies) printInstance(r, statusOf(r)!, palette);
      if (replies.length > 1)
        printTotal(
          replies.map((r) => statusOf(r)!),
          palette,
        );
    });
}

/** The STATS replies of this prefix's monitors, after STATUS_WAIT_MS; NoMonitorError when none. */
async function gather(s: Session): Promise<StatsReply[]> {
  const subject = `$SRV.STATS.${SERVICE_NAME}`;
  const replies: StatsReply[] = [];
  try {
    const answers = await s.nc.requestMany(subject, undefined, { strategy: RequestStrategy.Timer, maxWait: STATUS_WAIT_MS });
    for await (const m of answers) {
      const reply = parse(m);
      if (reply && statusOf(reply)?.prefix === s.config.prefix) replies.push(reply);
    }
  } catch (err) {
    if ((err as NatsError).code !== ErrorCode.NoResponders) throw err;
  }
  if (replies.length === 0) throw new NoMonitorError(`${subject} (prefix ${s.config.prefix})`);
  return replies.sort((a, b) => (statusOf(a)!.shard < statusOf(b)!.shard ? -1 : 1));
}

/** A STATS reply, or undefined for one that is not JSON (not a services framework reply). */
function parse(m: Msg): StatsReply | undefined {
  try {
    return m.json<StatsReply>();
  } catch {
    return undefined;
  }
}

function statusOf(reply: StatsReply): MonitorStatus | undefined {
  const data = reply.endpoints?.find((e) => e.data)?.data as MonitorStatus | undefined;
  return data && typeof data === "object" && "states" in data ? data : undefined;
}

/**
 * The whole deployment: replicas of a shard hold the same windows, so each shard counts once, by
 * its replica with the most windows (one that restarted may still be replaying).
 */
export function totalOf(monitors: readonly MonitorStatus[]): { shards: number; monitors: number; windows: number; states: MonitorStatus["states"] } {
  const perShard = new Map<string, MonitorStatus>();
  for (const m of monitors) {
    const seen = perShard.get(m.shard);
    if (!seen || m.windows > seen.windows) perShard.set(m.shard, m);
  }
  const states: MonitorStatus["states"] = {};
  let windows = 0;
  for (const m of perShard.values()) {
    windows += m.windows;
    for (const [name, n] of Object.entries(m.states)) {
      const sum = (states[name] ??= { healthy: 0, expired: 0, alerted: 0 });
      sum.healthy += n.healthy;
      sum.expired += n.expired;
      sum.alerted += n.alerted;
    }
  }
  return { shards: perShard.size, monitors: monitors.length, windows, states };
}

function printTotal(monitors: readonly MonitorStatus[], c: Palette): void {
  const t = totalOf(monitors);
  printLine(c.bold(`total | ${t.monitors} monitors, ${t.shards} shard${t.shards === 1 ? "" : "s"} (replicas counted once) | ${t.windows} windows`));
  printStates(t.states, c);
}

function printStates(states: MonitorStatus["states"], c: Palette, neverSeen?: MonitorStatus["neverSeen"], suspects?: MonitorStatus["suspects"]): void {
  for (const [name, n] of Object.entries(states).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const alerted = n.alerted > 0 ? c.red(`alerted ${n.alerted}`) : `alerted ${n.alerted}`;
    const expired = n.expired > 0 ? c.yellow(`expired ${n.expired}`) : `expired ${n.expired}`;
    const suspect = suspects?.[name] ? ` (${c.yellow(`${suspects[name]} suspect`)})` : "";
    printLine(`  ${printable(name)}: healthy ${n.healthy}${suspect}, ${expired}, ${alerted}${neverSeenText(neverSeen?.[name], c)}`);
  }
}

function printInstance(r: StatsReply, st: MonitorStatus, c: Palette): void {
  const peers = st.peers === null ? "no peerset (every publishing peer tracked)" : `${st.peers} in the peerset`;
  printLine(
    `${c.bold(`monitor ${r.id}`)} | shard ${st.shard} (${st.partitions} partitions) | ` + `${st.windows} windows | peers: ${peers} | since ${r.started}`,
  );
  if (st.link) printLine(`  ${linkLine(st.link, c)}`);
  for (const d of st.disruptions ?? []) printLine(`  ${disruptionLine(d, c)}`);
  if (st.silences !== undefined) printLine(`  silences: ${st.silences} running${st.silences > 0 ? " (`peermon silence ls`)" : ""}`);
  printStates(st.states, c, st.neverSeen, st.suspects);
  printLine(`  rejected: ${byReason(st.counters.rejected)}`);
  if (st.counters.ignored) printLine(`  ignored (peers outside the peerset): ${byReason(st.counters.ignored)}`);
  for (const line of deliveryLines(st.delivery, c)) printLine(line);
}

/** `DISRUPTION ping since ...: 12 of 20 peers late or expired (60%), 12 firing alerts held; ...` */
export function disruptionLine(d: DisruptionReport, c: Palette): string {
  const share = `${d.count} of ${d.tracked} peers late or expired (${Math.round(d.fraction * 100)}%)`;
  return (
    `${c.red(`DISRUPTION ${d.name}`)} since ${d.since}: ${share}, ${d.held} firing alert${d.held === 1 ? "" : "s"} held; ` +
    `\`peermon disruption release ${d.name}\` fires them`
  );
}

/** `, never seen 2 (P7, P9)`, with how many more were not named; nothing when there are none. */
export function neverSeenText(n: { count: number; peers: string[] } | undefined, c: Palette): string {
  if (!n || n.count === 0) return "";
  const more = n.count > n.peers.length ? ` and ${n.count - n.peers.length} more` : "";
  return `, ${c.yellow(`never seen ${n.count}`)} (${n.peers.map(printable).join(", ")}${more})`;
}

/** `3 (undecodable 2, wrong_type 1)`: the total, and the reasons that counted anything. */
function byReason(counts: Record<string, number> | undefined): string {
  const counted = Object.entries(counts ?? {}).filter(([, count]) => count > 0);
  const total = counted.reduce((sum, [, count]) => sum + count, 0);
  return `${total}${counted.length ? ` (${counted.map(([why, count]) => `${why} ${count}`).join(", ")})` : ""}`;
}

/** `link: ok`, `link: impaired (disconnected) for 3s: no alerts until it recovers`, or the grace left. */
export function linkLine(link: LinkReport, c: Palette): string {
  if (link.impaired.length > 0) {
    const since = link.impairedForMs === null ? "" : ` for ${formatDuration(link.impairedForMs)}`;
    return `link: ${c.red(`impaired (${link.impaired.join(", ")})${since}`)}: no alerts until it recovers`;
  }
  if (link.graceLeftMs > 0) {
    return `link: ok, ${c.yellow(`grace ${formatDuration(link.graceLeftMs)} left`)}: due deadlines wait for it (the monitor was cut off)`;
  }
  return "link: ok";
}
