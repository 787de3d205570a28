/**
 * Durations as operators write them: `500ms`, `30s`, `5m`, `1h`, `3d`, combinations like `1m30s`, or `0`.
 */
const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PART = /(\d+(?:\.\d+)?)(ns|us|ms|s|m|h|d)/y;

/** Returns milliseconds, or undefined when `text` is not a duration. */
export function parseDuration(text: string): number | undefined {
  const s = text.trim();
  if (s === "0") return 0;
  if (s === "") return undefined;
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < s.length) {
    const at = PART.lastIndex;
    const match = PART.exec(s);
    if (!match || match.index !== at) return undefined;
    total += Number(match[1]) * UNIT_MS[match[2]!]!;
  }
  return total;
}

/** Formats milliseconds the way parseDuration reads them back: 1500 -> "1.5s", 90000 -> "1m30s". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const sign = ms < 0 ? "-" : "";
  let rest = Math.abs(ms);
  if (rest < 1_000) return `${sign}${round(rest)}ms`;
  rest = Math.round(rest / 100) * 100; // round first, so 59_999 carries to "1m", not "60s"
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const s = round(rest / 1_000);
  return sign + (h ? `${h}h` : "") + (m ? `${m}m` : "") + (s || (!h && !m) ? `${s}s` : "");
}

/** formatDuration with whole days in front from a day on, as operators write long spans: 3456000000 -> "40d", 90000000 -> "1d1h". */
export function formatDays(ms: number): string {
  const days = Math.floor(Math.abs(ms) / 86_400_000);
  if (!Number.isFinite(ms) || days === 0) return formatDuration(ms);
  const rest = Math.abs(ms) - days * 86_400_000;
  return `${ms < 0 ? "-" : ""}${days}d${rest >= 100 ? formatDuration(rest) : ""}`;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
