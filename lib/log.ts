/**
 * Logging for nodes: every record goes to stderr (stdout carries protocol lines only), through
 * LogTape. Set `GLOMERS_LOG_LEVEL=debug` to see more.
 *
 * @module
 */
import {
  configureSync,
  getConfig,
  getLogger,
  getTextFormatter,
  type Logger,
  type LogLevel,
  parseLogLevel,
  type Sink,
} from "@logtape/logtape";

const formatter = getTextFormatter({ timestamp: "time" });
const encoder = new TextEncoder();

/** A sink that writes each record to stderr synchronously, so logs interleave sensibly with a
 * crash and are never lost on exit. */
export const stderrSink: Sink = (record) => {
  Deno.stderr.writeSync(encoder.encode(formatter(record)));
};

/** Sends the `glomers` log category to `sink` (stderr by default), unless logging was already
 * configured by the program that embeds us (the harness's simulator does that).
 *
 * @example
 * ```ts
 * import { configureLogging, logger } from "./log.ts";
 * configureLogging();
 * logger(["example"]).info("Hello from {name}", { name: "n0" });
 * ```
 */
export function configureLogging(sink: Sink = stderrSink, level?: LogLevel): void {
  if (getConfig() !== null) return;
  configureSync({
    sinks: { out: sink },
    loggers: [
      { category: ["glomers"], lowestLevel: level ?? levelFromEnv(), sinks: ["out"] },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["out"] },
    ],
  });
}

/** A logger under the `glomers` category. */
export function logger(category: string[] = []): Logger {
  return getLogger(["glomers", ...category]);
}

function levelFromEnv(): LogLevel {
  try {
    const raw = Deno.env.get("GLOMERS_LOG_LEVEL");
    return raw ? parseLogLevel(raw) : "info";
  } catch {
    // No permission to read the environment: keep the default.
    return "info";
  }
}
