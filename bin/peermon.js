#!/usr/bin/env node
// Runs the compiled CLI (dist/, built by `npm run build` and on install), or the TypeScript
// sources through tsx when no build is there (a development checkout).
import { existsSync } from "node:fs";

const compiled = new URL("../dist/cli/main.js", import.meta.url);
if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import(new URL("../src/cli/main.ts", import.meta.url).href);
}
