#!/usr/bin/env node
// Runs the compiled CLI (dist/, built by `npm run build` and on install), or the TypeScript
// sources through tsx when no build is there (a development checkout).
import { existsSync } from "node:fs";

const compiled = new URL("../dist/cli/main.js", import.meta.url);
if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  let tsx;
  try {
    tsx = await import("tsx/esm/api");
  } catch {
    process.stderr.write(
      "peermon: dist/ is not built, and tsx (a devDependency) is not installed to run the sources: " +
        "run `npm ci` in the checkout (it builds dist/); see deploy/README.md\n",
    );
    process.exit(1);
  }
  tsx.register();
  await import(new URL("../src/cli/main.ts", import.meta.url).href);
}
