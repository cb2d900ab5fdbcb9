/**
 * The checker of Maelstrom's `kafka` workload: it reproduces the verdicts of Jepsen's
 * `jepsen.tests.kafka/checker` as Maelstrom configures it (no `ww` dependencies, `assign` only,
 * one micro-op per op), and goes beyond it in three ways:
 *
 * - it never throws: a polled message that no send ever attempted is named under
 *   `no-writer-of-value` and makes the verdict `"unknown"`, as Jepsen's analysis throws there and
 *   Jepsen's `check-safe` turns that into `:valid? :unknown`; malformed op values are the
 *   anomaly `malformed-value`, which is bad;
 * - offsets may be huge or sparse (timestamps, `1.7e12`): the log of a key is a map of the offsets
 *   that occur, and a message's *dense index* is the rank of its offset among them, so no array is
 *   ever indexed by a raw offset; an offset past 2^53 is a `bigint` (see `harness/json.ts`), and
 *   every offset comparison is exact, so two offsets that a double would merge stay apart;
 * - every error record names its witnessing ops by history index and carries an `explanation`.
 *
 * The result map has Maelstrom's shape: each error key maps to `{count, errs}` (errs cut for
 * display as Jepsen does), `unseen` maps to its own record, and the map also holds `valid?`,
 * `bad-error-types`, `error-types`, `info-txn-causes` and `worst-realtime-lag`.
 *
 * The checker is four files, one concern each: `kafka_history.ts` reads the history into the
 * analysis the rest shares, `kafka_anomalies.ts` holds the anomaly searches that need no
 * dependency graph, `kafka_realtime.ts` the cycle search and the real-time lag, and this file
 * assembles their records into the result map and the verdict.
 *
 * @module
 */
import type { CheckResult, Op } from "../types.ts";
import { jsonKey } from "../workloads/schema.ts";
import {
  duplicates,
  g1a,
  inconsistentOffsets,
  intPollCases,
  intSendCases,
  lostWrites,
  NO_WRITER,
  nonmonotonicSends,
  noWriterOfValue,
  pollCases,
  unseen,
} from "./kafka_anomalies.ts";
import { analyze, q } from "./kafka_history.ts";
import { cycles, worstRealtimeLag } from "./kafka_realtime.ts";

/** One error record: plain JSON-able data naming its witnessing ops by history index, with an
 * `explanation` sentence.
 *
 * @example
 * ```ts
 * import type { KafkaError } from "./kafka.ts";
 * const e: KafkaError = { key: "k", value: 9, reader: 4, explanation: "Op 4 polled ..." };
 * ```
 */
export type KafkaError = Record<string, unknown> & { explanation: string };

/** Error types that do not make a history invalid under Maelstrom's settings (`:sub-via
 * #{:assign}`, no `:ww-deps`); every other error type is bad.
 *
 * @example
 * ```ts
 * import { ALLOWED_ERROR_TYPES } from "./kafka.ts";
 * ALLOWED_ERROR_TYPES.has("poll-skip"); // false
 * ```
 */
export const ALLOWED_ERROR_TYPES: ReadonlySet<string> = new Set([
  "int-send-skip",
  "G0",
  "G0-process",
  "G0-realtime",
  "PL-1-cycle-exists",
  "strong-PL-1-cycle-exists",
]);

// ---------------------------------------------------------------------------------------------
// Result map

type Condense = (errs: KafkaError[]) => KafkaError[];

const byDelta = (errs: KafkaError[]) =>
  errs.slice().sort((x, y) => (x.delta as number) - (y.delta as number));
const lowestDelta: Condense = (errs) => byDelta(errs).slice(0, 8);
const highestDelta: Condense = (errs) => byDelta(errs).slice(-8);

/** How Jepsen cuts each error list for display; lists not named here are kept whole, except our
 * own additions, which are capped at 32. */
const CONDENSE: Record<string, Condense> = {
  "duplicate": (errs) =>
    errs.slice().sort((x, y) => (x.count as number) - (y.count as number)).slice(0, 32),
  "G1c-realtime": (errs) => errs.slice(0, 8),
  "inconsistent-offsets": (errs) =>
    errs.slice().sort((x, y) => (x.values as unknown[]).length - (y.values as unknown[]).length)
      .slice(0, 32),
  "int-nonmonotonic-poll": lowestDelta,
  "int-nonmonotonic-send": lowestDelta,
  "nonmonotonic-poll": lowestDelta,
  "nonmonotonic-send": lowestDelta,
  "int-poll-skip": highestDelta,
  "int-send-skip": highestDelta,
  "poll-skip": highestDelta,
  "no-writer-of-value": (errs) => errs.slice(0, 32),
  "malformed-value": (errs) => errs.slice(0, 32),
};

/**
 * Checks a kafka history the way Maelstrom's kafka checker does, without ever throwing.
 *
 * @param history the client ops of a test (ops without an integer process are skipped).
 * @returns `{"valid?", "bad-error-types", "error-types", "info-txn-causes", "worst-realtime-lag"}`
 * plus one `{count, errs}` entry per error type found (and `unseen` as its own record).
 *
 * @example
 * ```ts
 * import { checkKafka } from "./kafka.ts";
 * const r = checkKafka([
 *   { index: 0, time: 0, type: "invoke", process: 0, f: "send", value: [["send", "k", 1]] },
 *   { index: 1, time: 1, type: "ok", process: 0, f: "send", value: [["send", "k", [0, 1]]] },
 *   { index: 2, time: 2, type: "invoke", process: 0, f: "poll", value: [["poll"]] },
 *   { index: 3, time: 3, type: "ok", process: 0, f: "poll", value: [["poll", { k: [[0, 1]] }]] },
 * ]);
 * console.assert(r["valid?"] === true);
 * ```
 */
export function checkKafka(history: readonly Op[]): CheckResult {
  try {
    return check(history);
  } catch (e) {
    // Every input is meant to be handled above; this is a last guard so a checker bug shows up
    // as an unknown verdict with a reason rather than aborting the whole analysis.
    const message = e instanceof Error ? e.message : String(e);
    return {
      "valid?": "unknown",
      error: `The kafka checker failed unexpectedly: ${message}`,
    };
  }
}

function check(history: readonly Op[]): CheckResult {
  const a = analyze(history);
  const errors = new Map<string, KafkaError[]>();
  const put = (name: string, errs: KafkaError[]) => {
    if (errs.length > 0) errors.set(name, errs);
  };
  put("duplicate", duplicates(a));
  const intPoll = intPollCases(a);
  put("int-poll-skip", intPoll.skip);
  put("int-nonmonotonic-poll", intPoll.nonmonotonic);
  const intSend = intSendCases(a);
  put("int-nonmonotonic-send", intSend.nonmonotonic);
  put("int-send-skip", intSend.skip);
  put("inconsistent-offsets", inconsistentOffsets(a));
  put("G1a", g1a(a));
  put("lost-write", lostWrites(a));
  const polls = pollCases(a);
  put("nonmonotonic-poll", polls.nonmonotonic);
  put("nonmonotonic-send", nonmonotonicSends(a));
  put("poll-skip", polls.skip);
  put("no-writer-of-value", noWriterOfValue(a));
  put("malformed-value", a.malformed);
  const cyc = cycles(a);
  put("G1c-realtime", cyc.realtime);
  put("strong-PL-2-cycle-exists", cyc.cycleExists);

  const result: Record<string, unknown> = {};
  for (const [name, errs] of errors) {
    const condense = CONDENSE[name];
    result[name] = { count: errs.length, errs: condense ? condense(errs) : errs };
  }
  const types = [...errors.keys()];
  const unseenRecord = unseen(a);
  if (unseenRecord) {
    result.unseen = unseenRecord;
    types.push("unseen");
  }
  if (cyc.empty) {
    result["empty-transaction-graph"] = {
      count: 1,
      errs: [{
        explanation: "No send or poll op is related to another by a write-read or real-time " +
          "dependency, so there is nothing to check; run the test long enough for some sends " +
          "and polls to complete one after another.",
      }],
    };
    types.push("empty-transaction-graph");
  }
  types.sort();
  // `no-writer-of-value` is no error type of Jepsen's: its analysis throws there (the wr-graph in
  // `jepsen/tests/kafka.clj`), so it never reaches `bad-error-types`.
  const bad = types.filter((t) => !ALLOWED_ERROR_TYPES.has(t) && t !== NO_WRITER);

  const infoCauses: unknown[] = [];
  const seenCauses = new Set<string>();
  for (const p of a.ops) {
    if (p.type !== "info" || (p.f !== "send" && p.f !== "poll")) continue;
    const id = jsonKey(p.error);
    if (!seenCauses.has(id)) {
      seenCauses.add(id);
      infoCauses.push(p.error);
    }
  }

  result["valid?"] = bad.length === 0;
  const noWriter = errors.get(NO_WRITER);
  if (noWriter !== undefined) {
    // Jepsen's `check-safe` reports a checker that threw as `:valid? :unknown`, whatever else the
    // history holds, and Maelstrom then exits with code 2.
    result["valid?"] = "unknown";
    const first = noWriter[0];
    result.error = `Op ${first.reader} polled message ${q(first.value)} from key ` +
      `${q(first.key)}, which no send ever carried (${noWriter.length} such message(s), see ` +
      `"no-writer-of-value"); Maelstrom's kafka analysis throws no-writer-of-value here, so the ` +
      `verdict is unknown`;
  }
  result["bad-error-types"] = bad;
  result["error-types"] = types;
  result["info-txn-causes"] = infoCauses;
  result["worst-realtime-lag"] = worstRealtimeLag(a);
  // Clojure's sorted map prints keys in code-unit order; JSON readers get the same order.
  const ordered: Record<string, unknown> = {};
  for (const k of Object.keys(result).sort()) ordered[k] = result[k];
  return ordered as CheckResult;
}
