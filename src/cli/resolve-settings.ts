/**
 * A MonitorConfig from what the user wrote: flags beat the environment, which beats a config file
 * (JSON, keyed by the flags' names or their camelCase), which beats DEFAULT_CONFIG. Every setting
 * comes from the lists of settings.ts; errors name what the user wrote.
 */
import { readFileSync } from "node:fs";
import { resolveConfig, type ConfigInput, type MonitorConfig } from "../config.js";
import { ConfigError } from "../errors.js";
import { closest } from "./closest.js";
import { CONFIG_OPTION, CONNECTION_SETTINGS, SERVE_SETTINGS, type Raw, type Setting } from "./settings.js";

/** The keys a config file may use for `s`: its flag's name and its camelCase. */
function fileKeys(s: Setting): string[] {
  const name = s.flag.split(" ")[0]!.replace(/^--(no-)?/, "");
  return [...new Set([name, s.key])];
}

/** Throws a ConfigError naming the first key that is no setting, and the closest one that is. */
function rejectUnknownKeys(file: Record<string, unknown>, path: string): void {
  const known = new Set([...CONNECTION_SETTINGS, ...SERVE_SETTINGS].flatMap(fileKeys));
  for (const [key, value] of Object.entries(file)) {
    if (known.has(key)) continue;
    const flagNames = [...known].filter((k) => !/[A-Z]/.test(k));
    throw new ConfigError(
      `key "${key}" in ${path}`,
      value,
      `there is no such setting: did you mean "${closest(key, known)}"? Keys are the flags' names: ${flagNames.join(", ")}`,
    );
  }
}

/** Reads a JSON config file whose keys are the flags' names (`nats`, `window`, `grace`, ...). */
export function readConfigFile(path: string): Record<string, Raw> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new ConfigError("--config", path, `cannot read it as JSON (${(err as Error).message})`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError("--config", path, 'it must hold one JSON object, like {"grace": "30s"}');
  }
  return parsed as Record<string, Raw>;
}

/** Where `s` was set, and to what: the flag, else the environment, else the file; undefined when nowhere. */
function lookUp(
  s: Setting,
  flags: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
  file: Record<string, Raw>,
  path: string | undefined,
): [Raw, string] | undefined {
  // A --no- switch is true in commander's flags unless given: only `false` was written.
  const fromFlag = s.negated ? (flags[s.key] === false ? false : undefined) : flags[s.key];
  if (fromFlag !== undefined) return [fromFlag as Raw, s.flag.split(" ")[0]!];
  const fromEnv = env[s.env];
  if (fromEnv !== undefined && fromEnv !== "") return [fromEnv, s.env];
  const key = fileKeys(s).find((k) => file[k] !== undefined);
  if (key === undefined) return undefined;
  const source = `"${key}" in ${path}`;
  // In a file a switch is a JSON boolean, as the file's other settings are JSON values.
  if (s.negated && typeof file[key] !== "boolean") throw new ConfigError(source, file[key], "write true or false");
  return [file[key]!, source];
}

/**
 * Builds a validated MonitorConfig from commander's options, the environment and an optional file.
 * `scope` is "serve" for the monitor, "client" for the other commands (connection settings only).
 */
export function resolveSettings(flags: Record<string, unknown>, env: NodeJS.ProcessEnv, scope: "serve" | "client"): MonitorConfig {
  const configPath = (flags.config as string | undefined) ?? env[CONFIG_OPTION.env];
  const file = configPath ? readConfigFile(configPath) : {};
  if (configPath) rejectUnknownKeys(file, configPath);
  const settings = scope === "serve" ? [...CONNECTION_SETTINGS, ...SERVE_SETTINGS] : CONNECTION_SETTINGS;
  const input: ConfigInput = {};
  for (const s of settings) {
    const found = lookUp(s, flags, env, file, configPath);
    if (found) s.apply(input, found[0], found[1]);
  }
  try {
    return resolveConfig(input);
  } catch (err) {
    if (err instanceof ConfigError) {
      const s = settings.find((x) => x.field === err.field);
      if (s) throw new ConfigError(`${s.flag.split(" ")[0]} (${s.env})`, err.value, err.hint);
    }
    throw err;
  }
}
