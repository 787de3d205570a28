/**
 * `peermon demo`: a self-contained tour. It starts a local nats-server and a monitor, simulates a
 * fleet whose peers die, recover, stall, join and leave, and shows alerts as they come with a live
 * health summary: a dashboard redrawn in place on a terminal, appended lines otherwise, NDJSON with
 * --json. The work is in ../demo/; this file reads the flags and picks the view.
 */
import { Command } from "commander";
import { requireToken } from "../../client/client.js";
import { formatDuration, parseDuration } from "../../duration.js";
import { ConfigError, type PeermonError } from "../../errors.js";
import { paletteFor } from "../color.js";
import { Dashboard } from "../demo/dashboard.js";
import { DEMO_DEFAULTS, runDemo, type DemoOptions } from "../demo/run.js";
import { JsonView, PlainView, type DemoView } from "../demo/view.js";
import { printLine, printNote } from "./session.js";

/** More peers than this measure the demo's own process (4 timers per peer), not peermon. */
const MAX_PEERS = 5_000;
/** Below this ttl, timer jitter on a busy laptop would raise false alerts. */
const MIN_TTL_MS = 500;

interface DemoFlags {
  peers: string;
  duration: string;
  names: string;
  ttl: string;
  seed?: string;
  json?: boolean;
}

export function demoCommand(): Command {
  return new Command("demo")
    .description("run a local nats-server, a monitor and a simulated fleet whose peers die, recover and join; show alerts live")
    .option("--peers <n>", "peers at the start", String(DEMO_DEFAULTS.peers))
    .option("--duration <duration>", "stop after this long; 0 runs until Ctrl-C", formatDuration(DEMO_DEFAULTS.durationMs))
    .option("--names <list>", "comma-separated metric names every peer publishes", DEMO_DEFAULTS.names.join(","))
    .option("--ttl <duration>", "time to live of each metric: peers publish every ttl/2, the dead are alerted after it", formatDuration(DEMO_DEFAULTS.ttlMs))
    .option("--seed <n>", "seed of the simulation's random choices, to replay a run (default: random, shown at the start)")
    .option("--json", "print NDJSON events (start, fleet, alert, summary, end) instead of text")
    .addHelpText(
      "after",
      `
The demo needs Debian's nats-server on the PATH (apt-get install nats-server). It starts its own
server on a free loopback port with the repo's nats.conf and a temporary store, and stops it on exit:
it never touches a server on 4222. The first peer always dies half a second in and comes back a
second after its alerts fired; then random churn follows, one event per 25 peers every 2/3 ttl.

On a terminal a dashboard is redrawn in place (colors unless NO_COLOR is set); when the output is
not a terminal, one summary line per second and one line per alert and fleet event are appended.

Examples:
  peermon demo                               # 50 peers, 4 metrics, 30 seconds
  peermon demo --peers 200 --duration 0      # until Ctrl-C
  peermon demo --peers 10 --duration 10s | grep -E 'FIRING|RESOLVED'
  peermon demo --json | jq -c 'select(.type == "alert") | {kind, peer, name}'
  peermon demo --names ping,freespace --ttl 5s --seed 42`,
    )
    .action(async (flags: DemoFlags) => {
      const options = demoOptions(flags);
      await runDemo(options, viewFor(flags.json === true));
    });
}

export function demoOptions(flags: DemoFlags): DemoOptions {
  const peers = Number(flags.peers);
  if (!Number.isInteger(peers) || peers < 1 || peers > MAX_PEERS) {
    throw new ConfigError("--peers", flags.peers, `give a whole number from 1 to ${MAX_PEERS}`);
  }
  const durationMs = parseDuration(flags.duration);
  if (durationMs === undefined) throw new ConfigError("--duration", flags.duration, "write a duration like 30s or 5m, or 0 to run until Ctrl-C");
  const ttlMs = parseDuration(flags.ttl);
  if (ttlMs === undefined || ttlMs < MIN_TTL_MS) {
    throw new ConfigError("--ttl", flags.ttl, `write a duration of at least ${MIN_TTL_MS}ms, like 3s`);
  }
  return { peers, durationMs, ttlMs, names: names(flags.names), seed: seed(flags.seed) };
}

function names(list: string): string[] {
  const names = [
    ...new Set(
      list
        .split(",")
        .map((n) => n.trim())
        .filter(Boolean),
    ),
  ];
  if (names.length === 0) throw new ConfigError("--names", list, "give at least one metric name, like ping,freespace");
  try {
    names.forEach((n) => requireToken("metric name", n));
  } catch (err) {
    throw new ConfigError("--names", list, (err as PeermonError).message);
  }
  return names;
}

function seed(text: string | undefined): number {
  if (text === undefined) return Math.floor(Math.random() * 2 ** 32);
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n >= 2 ** 32) throw new ConfigError("--seed", text, "give a whole number from 0 to 4294967295");
  return n;
}

/** NDJSON with --json; a dashboard on a terminal; appended lines for a pipe or a file. */
function viewFor(json: boolean): DemoView {
  if (json) return new JsonView(printLine);
  if (process.stdout.isTTY) {
    const terminal = {
      write: (text: string) => void process.stdout.write(text),
      get columns() {
        return process.stdout.columns;
      },
    };
    return new Dashboard(terminal, paletteFor());
  }
  return new PlainView(printLine, printNote, paletteFor());
}
