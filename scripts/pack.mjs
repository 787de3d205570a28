#!/usr/bin/env node
// npm's `prepack` and `postpack` (npm pack, npm publish): the tarball is a built release that
// installs quietly and reproducibly anywhere, offline too.
//   prepack:  builds dist/ (what `prepare` does in a checkout), and writes the packed
//             package.json: its dependencies bundled (`bundleDependencies`: the tarball carries
//             node_modules as the lockfile installed them, so `npm install -g ./peermon-*.tgz`
//             resolves nothing: msgpackr-extract 3.0.7 came instead of the locked 3.0.4, since a
//             dependency's lockfile and overrides are ignored, and npm 11 honours an
//             npm-shrinkwrap.json only in a registry package, not in a local tarball), and
//             without `prepare` (a release has nothing to build, and npm would ask to allow it:
//             a tarball is a "non-registry source").
//   postpack: puts package.json back as it was.
// A pack that was interrupted left a backup: the next prepack restores it first.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";

const BACKUP = "package.json.before-pack";

const restore = () => {
  if (existsSync(BACKUP)) renameSync(BACKUP, "package.json");
};

const mode = process.argv[2];
if (mode === "postpack") {
  restore();
} else if (mode === "prepack") {
  restore();
  const build = spawnSync(process.execPath, ["scripts/prepare.mjs"], { stdio: "inherit" });
  if (build.status !== 0) process.exit(build.status ?? 1);
  copyFileSync("package.json", BACKUP);
  const manifest = JSON.parse(readFileSync("package.json", "utf8"));
  delete manifest.scripts.prepare;
  manifest.bundleDependencies = Object.keys(manifest.dependencies);
  writeFileSync("package.json", `${JSON.stringify(manifest, null, 2)}\n`);
} else {
  console.error("usage: node scripts/pack.mjs prepack|postpack");
  process.exit(2);
}
