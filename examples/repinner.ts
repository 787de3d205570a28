/**
 * A reference consumer: the repinner. It follows `ping` alerts and moves pins away from a peer that
 * stopped pinging, the way IPFS Cluster repins when its monitor alerts, with IPFS Cluster's caution:
 * a peer that is only restarting should not cause a mass relocation of its content. So
 *
 *   - a firing alert schedules `repin(peer)` after `delayMs`; a resolved alert within that delay
 *     cancels it (the peer came back: nothing moves);
 *   - `repin` runs once per failure episode: repeated firing alerts (`serve --repeat`) of the same
 *     episode are ignored; the next episode starts after a resolved alert;
 *   - with JetStream it reads the alert log (`fromStream`), so a repinner restarted after a crash
 *     first catches up with the alerts it missed; a firing alert that is older than the delay and
 *     was never resolved is acted on at once. `repin` must therefore be idempotent.
 *
 * Run it against a monitor (`npm start`) until Ctrl-C with:
 *   node --import tsx examples/repinner.ts [--nats url] [--delay 60s] [--name ping]
 * Outside this repository, import from "peermon" instead of "../src/mod.js".
 */
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { PeerMonitorClient, type Alert, type AlertStream } from "../src/mod.js";
import { openConnection } from "../src/bus/connection.js";
import { parseDuration } from "../src/duration.js";

/**
 * How long a peer may be gone before its pins move, ms. @default 60000: a rebooting or upgrading
 * peer is usually back within a minute, and moving its pins costs far more than waiting.
 */
export const DEFAULT_REPIN_DELAY_MS = 60_000;

/** What the repinner decided, for logs and tests. */
export type Decision =
  | { type: "scheduled"; peer: string; inMs: number }
  | { type: "ignored"; peer: string; reason: string }
  | { type: "cancelled"; peer: string }
  | { type: "repinned"; peer: string }
  | { type: "failed"; peer: string; error: unknown }
  | { type: "returned"; peer: string };

export interface RepinnerOptions {
  /** The metric whose firing alert means "this peer is gone". @default "ping" */
  name?: string;
  /** Wait this long after a firing alert before repinning, ms. @default DEFAULT_REPIN_DELAY_MS */
  delayMs?: number;
  /** Moves the pins of `peer` elsewhere; must be idempotent. @default logs "would move pins away from <peer>" */
  repin?: (peer: string, alert: Alert) => void | Promise<void>;
  /** Read the alert log first when the server has it (catch-up after a restart). @default true */
  fromStream?: boolean;
  /** Told about every decision. @default logs it with console.log */
  onDecision?: (decision: Decision) => void;
}

/** One failure episode of a peer: a repin waiting for its delay, or done. */
interface Episode {
  timer: NodeJS.Timeout | undefined;
  repinned: boolean;
}

export class Repinner {
  private readonly episodes = new Map<string, Episode>();
  private readonly repin: (peer: string, alert: Alert) => void | Promise<void>;
  private readonly decide: (decision: Decision) => void;
  private readonly delayMs: number;
  private following: Promise<Error | undefined> = Promise.resolve(undefined);

  private constructor(
    private readonly stream: AlertStream,
    readonly fromStream: boolean,
    options: RepinnerOptions,
  ) {
    this.delayMs = options.delayMs ?? DEFAULT_REPIN_DELAY_MS;
    this.repin = options.repin ?? ((peer) => console.log(`would move pins away from ${peer}`));
    this.decide = options.onDecision ?? ((d) => console.log(describe(d)));
  }

  /** Starts following alerts; resolves once subscribed. */
  static async start(client: PeerMonitorClient, options: RepinnerOptions = {}): Promise<Repinner> {
    const fromStream = (options.fromStream ?? true) && (await hasAlertLog(client));
    const stream = client.alerts({ name: options.name ?? "ping", fromStream });
    const repinner = new Repinner(stream, fromStream, options);
    repinner.following = repinner.follow();
    await client.nc.flush();
    return repinner;
  }

  /** Stops following and drops pending repins. */
  async stop(): Promise<void> {
    this.stream.stop();
    for (const episode of this.episodes.values()) clearTimeout(episode.timer);
    this.episodes.clear();
    await this.following;
  }

  /** Resolves when following ended: undefined after stop(), else the error that ended it. */
  get ended(): Promise<Error | undefined> {
    return this.following;
  }

  private async follow(): Promise<Error | undefined> {
    try {
      for await (const alert of this.stream) this.handle(alert);
      return undefined;
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err));
    }
  }

  private handle(alert: Alert): void {
    const episode = this.episodes.get(alert.peer);
    if (alert.kind === "resolved") {
      if (!episode) return;
      this.episodes.delete(alert.peer);
      clearTimeout(episode.timer);
      this.decide(episode.repinned ? { type: "returned", peer: alert.peer } : { type: "cancelled", peer: alert.peer });
      return;
    }
    if (episode) return this.decide({ type: "ignored", peer: alert.peer, reason: "same failure episode" });
    // Counted from when the monitor decided, so an alert read late from the log waits less (never longer).
    const sinceMs = Math.max(0, Date.now() - Number(alert.triggeredAt / 1_000_000n));
    const inMs = Math.max(0, this.delayMs - sinceMs);
    const fresh: Episode = { timer: undefined, repinned: false };
    fresh.timer = setTimeout(() => void this.repinNow(alert, fresh), inMs);
    this.episodes.set(alert.peer, fresh);
    this.decide({ type: "scheduled", peer: alert.peer, inMs });
  }

  private async repinNow(alert: Alert, episode: Episode): Promise<void> {
    episode.timer = undefined;
    episode.repinned = true;
    try {
      await this.repin(alert.peer, alert);
      this.decide({ type: "repinned", peer: alert.peer });
    } catch (error) {
      // Forget the episode: the next firing alert (a repeat, or the log after a restart) tries again.
      if (this.episodes.get(alert.peer) === episode) this.episodes.delete(alert.peer);
      this.decide({ type: "failed", peer: alert.peer, error });
    }
  }
}

/** True when the server has JetStream and the monitor's alert log exists. */
async function hasAlertLog(client: PeerMonitorClient): Promise<boolean> {
  try {
    const jsm = await client.nc.jetstreamManager();
    await jsm.streams.info(client.subjects.stream("ALERTS"));
    return true;
  } catch {
    return false;
  }
}

export function describe(d: Decision): string {
  switch (d.type) {
    case "scheduled":
      return `${d.peer} stopped pinging: moving its pins in ${Math.round(d.inMs / 1000)}s unless it comes back`;
    case "ignored":
      return `${d.peer}: ignored an alert (${d.reason})`;
    case "cancelled":
      return `${d.peer} came back within the delay: its pins stay`;
    case "repinned":
      return `${d.peer}: repin done (once for this failure episode)`;
    case "failed":
      return `${d.peer}: moving pins failed (${String(d.error)}); will retry on its next firing alert`;
    case "returned":
      return `${d.peer} came back after its pins were moved: it gets new pins from the allocator`;
  }
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      nats: { type: "string", default: process.env.NATS_URL ?? "nats://127.0.0.1:4222" },
      delay: { type: "string", default: "60s" },
      name: { type: "string", default: "ping" },
    },
  });
  const delayMs = parseDuration(values.delay);
  if (delayMs === undefined) throw new Error(`invalid --delay ${JSON.stringify(values.delay)}: write a duration like 30s or 5m`);
  const nc = await openConnection({ servers: values.nats }, { name: "peermon-example repinner" });
  const stamp = (line: string) => console.log(`${new Date().toISOString()} ${line}`);
  const repinner = await Repinner.start(new PeerMonitorClient(nc), {
    name: values.name,
    delayMs,
    repin: (peer) => stamp(`would move pins away from ${peer}`),
    onDecision: (d) => stamp(describe(d)),
  });
  const source = repinner.fromStream ? "the alert log (catching up first)" : "live alerts (no alert log: JetStream is off)";
  stamp(`following ${values.name} alerts from ${source}; repin delay ${values.delay} (Ctrl-C to stop)`);
  const signal = new Promise<undefined>((resolve) => {
    process.once("SIGINT", () => resolve(undefined));
    process.once("SIGTERM", () => resolve(undefined));
  });
  const failure = await Promise.race([signal, repinner.ended]);
  await repinner.stop();
  if (!nc.isClosed()) await nc.drain();
  if (failure) throw new Error(`stopped following alerts (${failure.message}); check the NATS server and start the repinner again`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(`repinner: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
