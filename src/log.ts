/**
 * Structured logs with pino: one root logger, one bound child per component, built once.
 * JSON by default; human-readable when stderr is a TTY (and pino-pretty is installed).
 */
import { createRequire } from "node:module";
import { pino, type Logger, type LoggerOptions } from "pino";
import type { LogLevel } from "./config.js";

export type { Logger };

export function createLogger(level: LogLevel, options: { pretty?: boolean } = {}): Logger {
  const base: LoggerOptions = { level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime };
  const pretty = options.pretty ?? (process.stderr.isTTY && !process.env.NO_COLOR);
  if (pretty && hasPinoPretty()) {
    return pino({ ...base, transport: { target: "pino-pretty", options: { destination: 2, colorize: true } } });
  }
  return pino(base, pino.destination({ dest: 2, sync: false }));
}

/** A logger that drops everything: the default for library use and tests. */
export const silentLogger: Logger = pino({ level: "silent" });

/**
 * Logs at most `burst` lines per `intervalMs` for a repeated condition (bad input, full queues, an
 * alert storm), then one line with the count of occurrences that were not logged. The hot path
 * only increments a number.
 */
export class RateLimitedLog {
  private windowStart = -Infinity;
  private logged = 0;
  private suppressed = 0;

  constructor(
    private readonly log: (fields: Record<string, unknown>, msg: string) => void,
    private readonly intervalMs: number,
    private readonly now: () => number,
    private readonly burst = 1,
  ) {}

  note(fields: Record<string, unknown>, msg: string): void {
    const t = this.now();
    if (t - this.windowStart >= this.intervalMs) {
      this.windowStart = t;
      this.logged = 0;
    } else if (this.logged >= this.burst) {
      this.suppressed++;
      return;
    }
    this.logged++;
    this.log(this.suppressed > 0 || this.burst === 1 ? { ...fields, suppressed: this.suppressed } : fields, msg);
    this.suppressed = 0;
  }
}

function hasPinoPretty(): boolean {
  try {
    createRequire(import.meta.url).resolve("pino-pretty");
    return true;
  } catch {
    return false;
  }
}
