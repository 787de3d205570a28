/**
 * The demo's live dashboard for a terminal: drawn on the alternate screen (as `top` does) and
 * redrawn in place every second and at each alert: the fleet, per metric name how many windows are
 * healthy, expired and alerted (the monitor's own counts), and the latest alerts and fleet events.
 * On exit the normal screen comes back and the final line is printed there.
 */
import type { WindowState } from "../../actors/window-machine.js";
import { formatDuration } from "../../duration.js";
import type { Palette } from "../color.js";
import { alertText, clock, endText, fleetText, peersText, type DemoAlert, type DemoEnd, type DemoInfo, type DemoView, type Summary } from "./view.js";
import type { FleetEvent } from "./fleet.js";

/** Lines of recent alerts and fleet events kept on screen. */
const RECENT_LINES = 10;
/** Width of the per-name state bar, characters. */
const BAR_WIDTH = 30;
/** Alerts arrive in bursts: redraw at most this often for them, ms. */
const ALERT_REDRAW_MS = 100;

const ENTER = "\x1b[?1049h\x1b[?25l"; // alternate screen, hide the cursor
const LEAVE = "\x1b[?25h\x1b[?1049l";
const HOME = "\x1b[H";
const CLEAR_LINE = "\x1b[K";
const CLEAR_BELOW = "\x1b[J";

export interface Terminal {
  write(text: string): void;
  columns: number | undefined;
}

export class Dashboard implements DemoView {
  private info: DemoInfo | undefined;
  private last: Summary | undefined;
  private readonly recent: string[] = [];
  private warning = "";
  private open = false;
  private pending: NodeJS.Timeout | undefined;
  private readonly restore = () => this.close();

  constructor(
    private readonly term: Terminal,
    private readonly c: Palette,
  ) {}

  start(info: DemoInfo): void {
    this.info = info;
    this.open = true;
    this.term.write(ENTER);
    process.once("exit", this.restore);
    this.draw();
  }

  fleet(e: FleetEvent, elapsedMs: number): void {
    this.remember(`${clock(elapsedMs).padStart(6)} ${this.c.dim("fleet   ")} ${fleetText(e, this.info?.names ?? [])}`);
  }

  alert(a: DemoAlert): void {
    this.remember(`${clock(a.elapsedMs).padStart(6)} ${alertText(a, this.c)}`);
    this.pending ??= setTimeout(() => {
      this.pending = undefined;
      if (this.info) this.last = this.info.current();
      this.draw();
    }, ALERT_REDRAW_MS);
  }

  summary(s: Summary): void {
    this.last = s;
    this.draw();
  }

  warn(message: string): void {
    this.warning = message;
  }

  end(e: DemoEnd): void {
    this.close();
    this.term.write(`${endText(e, this.info)}\n`);
  }

  close(): void {
    clearTimeout(this.pending);
    process.off("exit", this.restore);
    if (!this.open) return;
    this.open = false;
    this.term.write(LEAVE);
  }

  private remember(line: string): void {
    this.recent.push(line);
    if (this.recent.length > RECENT_LINES) this.recent.shift();
  }

  private draw(): void {
    if (!this.open || !this.info) return;
    const width = this.term.columns || 100;
    const lines = this.frame(this.info).map((l) => `${truncate(l, width)}${CLEAR_LINE}`);
    this.term.write(`${HOME}${lines.join("\n")}\n${CLEAR_BELOW}`);
  }

  private frame(info: DemoInfo): string[] {
    const c = this.c;
    const s = this.last;
    const total = info.durationMs > 0 ? ` / ${formatDuration(info.durationMs)}` : "";
    const lines = [
      `${c.bold("peermon demo")}  ${clock(s?.elapsedMs ?? 0)}${total}  ${c.dim("(Ctrl-C to stop)")}`,
      c.dim(`${info.peers} peers x ${info.names.length} metrics, ttl ${formatDuration(info.ttlMs)}, seed ${info.seed}`),
      c.dim(`nats-server pid ${info.natsPid ?? "?"} at ${info.natsUrl}, monitor in-process (grace ${formatDuration(info.graceMs)})`),
      c.dim(`watch it from another terminal: peermon alerts --nats ${info.natsUrl}`),
      "",
    ];
    if (s) {
      const left = s.fleet.left > 0 ? `, ${s.fleet.left} left` : "";
      lines.push(`${peersText(s.fleet)}${left}    alerts: ${c.red(String(s.alerts.firing))} firing, ${c.green(String(s.alerts.resolved))} resolved`);
      lines.push("");
      const nameWidth = Math.max(8, ...info.names.map((n) => n.length));
      lines.push(c.bold(`${"metric".padEnd(nameWidth)}  healthy  expired  alerted`));
      for (const [name, n] of Object.entries(s.states)) {
        const counts = `${String(n.healthy).padStart(7)}  ${String(n.expired).padStart(7)}  ${String(n.alerted).padStart(7)}`;
        lines.push(`${name.padEnd(nameWidth)}  ${counts}  ${this.bar(n)}`);
      }
    } else {
      lines.push("starting the fleet...");
    }
    lines.push("", c.bold("latest alerts and fleet events"), ...this.recent);
    if (this.warning) lines.push("", c.yellow(`warning: ${this.warning}`));
    return lines;
  }

  /** Healthy, expired and alerted windows as one bar; without color, as different characters. */
  private bar(n: Record<WindowState, number>): string {
    const total = n.healthy + n.expired + n.alerted;
    if (total === 0) return "";
    const colored = this.c.red("x") !== "x";
    // Cumulative rounding: the three parts always add up to BAR_WIDTH.
    let drawn = 0;
    let counted = 0;
    const draw = (k: number, ch: string, paint: (s: string) => string) => {
      counted += k;
      const cells = Math.round((counted / total) * BAR_WIDTH) - drawn;
      drawn += cells;
      return paint((colored ? "█" : ch).repeat(cells));
    };
    return draw(n.healthy, "#", this.c.green) + draw(n.expired, "~", this.c.yellow) + draw(n.alerted, "!", this.c.red);
  }
}

/** Cuts `line` to `width` visible characters, keeping (and closing) ANSI sequences. */
export function truncate(line: string, width: number): string {
  let visible = 0;
  let out = "";
  for (let i = 0; i < line.length; i++) {
    const sequence = line[i] === "\x1b" ? /^\x1b\[[0-9;?]*[A-Za-z]/.exec(line.slice(i)) : null;
    if (sequence) {
      out += sequence[0];
      i += sequence[0].length - 1;
    } else if (visible < width) {
      out += line[i];
      visible++;
    }
  }
  return visible >= width && out !== line ? `${out}\x1b[0m` : out;
}
