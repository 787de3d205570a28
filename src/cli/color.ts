/**
 * Color for human output: only when the stream is a TTY and NO_COLOR is not set (no-color.org).
 */
export interface Palette {
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  bold(s: string): string;
  dim(s: string): string;
}

const plain = (s: string) => s;
const sgr = (open: number, close: number) => (s: string) => `\x1b[${open}m${s}\x1b[${close}m`;

export const NO_COLOR: Palette = { red: plain, green: plain, yellow: plain, bold: plain, dim: plain };
export const ANSI: Palette = {
  red: sgr(31, 39),
  green: sgr(32, 39),
  yellow: sgr(33, 39),
  bold: sgr(1, 22),
  dim: sgr(2, 22),
};

/** The palette for `stream` (stdout by default) under `env`. */
export function paletteFor(
  stream: { isTTY?: boolean } = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
): Palette {
  return stream.isTTY && !env.NO_COLOR ? ANSI : NO_COLOR;
}
