/**
 * Readers for the deployment artefacts, enough for the consistency test: a YAML subset (block maps
 * and lists, JSON flow values, literal blocks; anything else is an error), NATS config fields and
 * includes, systemd units and environment files.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";

const read = (path: string) => readFileSync(path, "utf8");

// ---- a YAML subset: what deploy/ uses, nothing more (an unknown construct is an error) ----

export type Yaml = string | Yaml[] | { [key: string]: Yaml };
export type YamlMap = { [key: string]: Yaml };

export function parseYaml(source: string): Yaml[] {
  const docs: string[][] = [[]];
  for (const line of source.split("\n")) {
    if (/^---\s*$/.test(line)) docs.push([]);
    else docs.at(-1)!.push(line);
  }
  return docs.map((lines) => new YamlReader(lines).document()).filter((d): d is Yaml => d !== undefined);
}

class YamlReader {
  private i = 0;
  constructor(private readonly lines: string[]) {}

  document(): Yaml | undefined {
    const first = this.peek();
    if (!first) return undefined;
    const doc = this.node(first.indent);
    const rest = this.peek();
    if (rest) throw new Error(`YAML line ${this.i + 1}: unexpected indentation: ${rest.text}`);
    return doc;
  }

  private peek(): { indent: number; text: string } | undefined {
    for (; this.i < this.lines.length; this.i++) {
      const text = stripYamlComment(this.lines[this.i]!);
      if (text.trim()) return { indent: text.length - text.trimStart().length, text: text.trim() };
    }
    return undefined;
  }

  private node(indent: number): Yaml {
    return isItem(this.peek()!.text) ? this.list(indent) : this.map(indent);
  }

  private map(indent: number): YamlMap {
    const out: YamlMap = {};
    for (let l = this.peek(); l && l.indent === indent && !isItem(l.text); l = this.peek()) {
      const m = /^("[^"]*"|[^"'\s][^:]*?):(?:\s+(.*))?$/.exec(l.text);
      if (!m) throw new Error(`YAML line ${this.i + 1}: expected "key: value": ${l.text}`);
      this.i++;
      out[scalar(m[1]!) as string] = this.value(m[2], indent);
    }
    return out;
  }

  private list(indent: number): Yaml[] {
    const out: Yaml[] = [];
    for (let l = this.peek(); l && l.indent === indent && isItem(l.text); l = this.peek()) {
      const content = l.text.slice(2);
      if (/^("[^"]*"|[^"'[{\s][^:]*?):(\s|$)/.test(content)) {
        const column = indent + 2; // "- key: v" opens a map whose keys line up with "key"
        this.lines[this.i] = " ".repeat(column) + content;
        out.push(this.map(column));
      } else {
        this.i++;
        out.push(scalar(content));
      }
    }
    return out;
  }

  private value(rest: string | undefined, indent: number): Yaml {
    if (rest && /^\|-?$/.test(rest)) return this.literal(indent, rest === "|-");
    if (rest) return scalar(rest);
    const next = this.peek();
    if (next && next.indent > indent) return this.node(next.indent);
    if (next && next.indent === indent && isItem(next.text)) return this.list(indent);
    return "";
  }

  /** A literal block (`|`): raw lines, comments kept, indentation of the first line removed. */
  private literal(indent: number, strip: boolean): string {
    const body: string[] = [];
    let blockIndent = -1;
    for (; this.i < this.lines.length; this.i++) {
      const line = this.lines[this.i]!;
      const lineIndent = line.length - line.trimStart().length;
      if (line.trim() === "") {
        body.push("");
        continue;
      }
      if (blockIndent < 0) blockIndent = lineIndent;
      if (lineIndent < blockIndent || lineIndent <= indent) break;
      body.push(line.slice(blockIndent));
    }
    while (body.at(-1) === "") body.pop();
    return body.join("\n") + (strip ? "" : "\n");
  }
}

export const isItem = (text: string) => text === "-" || text.startsWith("- ");

export function stripYamlComment(line: string): string {
  let quote = "";
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = "";
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "#" && (i === 0 || /\s/.test(line[i - 1]!))) return line.slice(0, i).trimEnd();
  }
  return line.trimEnd();
}

export function scalar(text: string): Yaml {
  if (text.startsWith('"') || text.startsWith("[") || text.startsWith("{")) return JSON.parse(text) as Yaml;
  if (text.startsWith("'")) return text.slice(1, -1).replaceAll("''", "'");
  return text;
}

/** Follows a path of keys and list indexes; fails the test with the path when it is not there. */
export function get(node: Yaml | undefined, ...path: (string | number)[]): Yaml {
  let cur = node;
  for (const key of path) {
    cur = typeof key === "number" ? (cur as Yaml[] | undefined)?.[key] : (cur as YamlMap | undefined)?.[key];
    assert.ok(cur !== undefined, `missing ${path.join(".")}`);
  }
  return cur!;
}

// ---- NATS configs, unit files, URLs ----

/** The config text without comments (quotes respected): what the server reads. */
export function natsText(text: string): string {
  return text
    .split("\n")
    .map((l) => stripYamlComment(l.replace(/^(\s*)\/\/.*/, "$1")))
    .join("\n");
}

/** `include "x"` lines replaced by the included files (relative to `dir`), as nats-server does. */
export function withIncludes(text: string, dir: string): string {
  return natsText(text).replace(/^\s*include\s+"?([^"\s]+)"?\s*;?\s*$/gm, (_, file: string) => withIncludes(read(join(dir, file)), dirname(join(dir, file))));
}

/** The body of `name { ... }` (or `name: {`), braces inside quotes ignored; "" when absent. */
export function natsBlock(text: string, name: string): string {
  const start = new RegExp(`^\\s*${name}\\s*:?\\s*\\{`, "m").exec(text);
  if (!start) return "";
  let depth = 0;
  let quote = "";
  for (let i = start.index + start[0].length - 1; i < text.length; i++) {
    const c = text[i]!;
    if (quote) quote = c === quote ? "" : quote;
    else if (c === '"') quote = c;
    else if (c === "{") depth++;
    else if (c === "}" && --depth === 0) return text.slice(start.index + start[0].length, i);
  }
  throw new Error(`unbalanced braces in the ${name} block`);
}

/** The value of `key` at the top level of `text` (nested blocks removed), unquoted. */
export function natsField(text: string, key: string): string | undefined {
  let flat = text;
  for (const block of ["cluster", "jetstream", "mappings", "accounts", "authorization", "tls"]) {
    flat = flat.replace(natsBlock(flat, block), "");
  }
  return new RegExp(`^\\s*${key}\\s*[:=]?\\s*"?([^"\\s]+)"?\\s*$`, "m").exec(flat)?.[1];
}

export function natsMappings(text: string): Record<string, string> {
  const pairs = [...natsBlock(text, "mappings").matchAll(/"([^"]+)"\s*[:=]\s*"([^"]+)"/g)];
  return Object.fromEntries(pairs.map((m) => [m[1]!, m[2]!]));
}

export function natsRoutes(text: string): string[] {
  const list = /routes\s*[:=]?\s*\[([^\]]*)\]/.exec(natsBlock(text, "cluster"))?.[1] ?? "";
  return list.split(/[\s,]+/).filter(Boolean);
}

/** The port of `host:port`, `nats://host:port` or `http://host:port/path`. */
export function portOf(address: string): number {
  const m = /:(\d+)(?:\/|\?|$)/.exec(address);
  assert.ok(m, `no port in ${address}`);
  return Number(m[1]);
}

export function hostOf(url: string): string {
  return new URL(url).hostname;
}

/** A unit file: section -> key -> values (keys may repeat). */
export function parseUnit(text: string): Record<string, Record<string, string[]>> {
  const out: Record<string, Record<string, string[]>> = {};
  let section = "";
  for (const line of text.split("\n").map((l) => l.trim())) {
    if (!line || line.startsWith("#") || line.startsWith(";")) continue;
    const head = /^\[(.+)\]$/.exec(line);
    if (head) out[(section = head[1]!)] = {};
    else {
      const [key, ...value] = line.split("=");
      (out[section]![key!.trim()] ??= []).push(value.join("=").trim());
    }
  }
  return out;
}

/** KEY=value lines of an environment file. */
export function parseEnvFile(text: string): Record<string, string> {
  const lines = text.split("\n").filter((l) => /^[A-Z_]+=/.test(l));
  return Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
}
