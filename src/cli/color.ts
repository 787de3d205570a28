/**
 * Color for human output: only when the stream is a TTY and NO_COLOR is not set (no-color.org).
 * Every colour is reset before the end of its line; text from the wire goes through
 * format.ts's `printable` first, so it cannot carry escape sequences of its own.
 */
export interface Palette {
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  bold(s: string): string;
  dim(s: string): string;
}

const plain = (s: string) => s;
/** Colours each line of `s` on its own: a colour is always reset before a newline, never runs on. */
const sgr = (open: number, close: number) => (s: string) =>
  s
    .split("\n")
    .map((line) => `\x1b[${open}m${line}\x1b[${close}m`)
    .join("\n");

export const NO_COLOR: Palette = { red: plain, green: plain, yellow: plain, bold: plain, dim: plain };
export const ANSI: Palette = {
  red: sgr(31, 39),
  green: sgr(32, 39),
  yellow: sgr(33, 39),
  bold: sgr(1, 22),
  dim: sgr(2, 22),
};

/** The palette for `stream` (stdout by default) under `env`. */
export function paletteFor(stream: { isTTY?: boolean } = process.stdout, env: NodeJS.ProcessEnv = process.env): Palette {
  return stream.isTTY && !env.NO_COLOR ? ANSI : NO_COLOR;
}
