/**
 * How long each checker takes on the big seeded histories that its tests hold to their verdicts
 * (`harness/checkers/testing_histories.ts`), and seq-kv on the many-keys load of its test
 * (`harness/services/testing_load.ts`). The tests hold verdicts and, where the code exposes one,
 * a count of the work done, never a time, because a wall-clock bound fails on a loaded machine;
 * the times are measured here, in one process, as the median of several runs.
 *
 * ```sh
 * deno task bench:checkers       # median of 5 runs per case
 * deno task bench:checkers 9     # median of 9
 * ```
 *
 * Before timing a case, the bench checks that its verdict is the one the tests expect, so a
 * figure is never the time taken to get a wrong answer.
 *
 * @module
 */
import { checkCounter } from "../harness/checkers/counter.ts";
import { checkListAppend } from "../harness/checkers/elle/list_append.ts";
import { checkRwRegister } from "../harness/checkers/elle/rw_register.ts";
import { checkKafka } from "../harness/checkers/kafka.ts";
import { checkLinearizableRegister } from "../harness/checkers/linearizable.ts";
import {
  counterInfoHistory,
  kafkaHistory,
  linKvHistory,
  listAppendHistory,
  rwRegisterHistory,
  withPollSkip,
  withReadFromTheFuture,
} from "../harness/checkers/testing_histories.ts";
import { createService } from "../harness/services/kv.ts";
import { manyKeysLoad } from "../harness/services/testing_load.ts";
import { createRng } from "../harness/rng.ts";
import type { Op } from "../harness/types.ts";
import { recordSection } from "./benchmarks.ts";

const runs = Number(Deno.args[0] ?? 5);
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`The number of runs must be a positive integer, not "${Deno.args[0]}".`);
  Deno.exit(2);
}

/** One timed case: what it is, how many ops (or requests) it covers, and one run of it, which
 * returns the verdict (or, for the service, a figure) that must equal `expect`. */
interface Case {
  name: string;
  ops: number;
  run: () => unknown;
  expect: unknown;
}

/** A checker's verdict on a history, as a case. */
const check = (
  name: string,
  history: readonly Op[],
  checker: (h: readonly Op[]) => Record<string, unknown>,
  expect: unknown,
): Case => ({ name, ops: history.length, run: () => checker(history)["valid?"], expect });

/** The cases of one checker; histories are built when the group is reached, so that only one
 * group's histories are in memory at a time. */
const groups: (() => Case[])[] = [
  () => {
    const rng = createRng(77);
    const h = linKvHistory(createService("lin-kv", rng.fork()), rng, 8000, 10, 0.002);
    return [check("lin-kv register, 8,000 ops invoked", h, checkLinearizableRegister, true)];
  },
  () => {
    const sparse = kafkaHistory(4000, 1.7e12, 1);
    const big = kafkaHistory(40_000, 0, 2);
    const future = withReadFromTheFuture(kafkaHistory(40_000, 0, 3)).ops;
    return [
      check("kafka, offsets from 1.7e12", sparse, checkKafka, true),
      check("kafka, valid", big, checkKafka, true),
      check("kafka, a poll skip at the end (invalid)", withPollSkip(big), checkKafka, false),
      check("kafka, reads from the future (invalid)", future, checkKafka, false),
    ];
  },
  () => {
    const serial = listAppendHistory(20_000, 7);
    const stale = listAppendHistory(20_000, 11, true);
    const as = (...consistencyModels: string[]) => (h: readonly Op[]) =>
      checkListAppend(h, { consistencyModels });
    return [
      check("list-append, read-committed", serial, as("read-committed"), true),
      check("list-append, serializable", serial, as("serializable"), true),
      check("list-append, strict-serializable", serial, as("strict-serializable"), true),
      check("list-append, stale reads, read-committed", stale, as("read-committed"), true),
      check("list-append, stale reads, serializable (invalid)", stale, as("serializable"), false),
    ];
  },
  () => {
    const serial = rwRegisterHistory(20_000, 7);
    const stale = rwRegisterHistory(20_000, 11, true);
    const as = (...consistencyModels: string[]) => (h: readonly Op[]) =>
      checkRwRegister(h, { consistencyModels });
    return [
      check("rw-register, read-uncommitted", serial, as("read-uncommitted"), true),
      check("rw-register, read-committed", serial, as("read-committed"), true),
      check("rw-register, strict-serializable", serial, as("strict-serializable"), true),
      check("rw-register, stale reads, read-committed", stale, as("read-committed"), true),
      check("rw-register, stale reads, serializable (invalid)", stale, as("serializable"), false),
    ];
  },
  () => [check("counter, 400 info adds", counterInfoHistory(800, 5), checkCounter, true)],
  () => [{
    name: "seq-kv service, 5,000 keys (requests)",
    ops: 55_000,
    // Each run needs a fresh service, so building it is inside the timing; it is negligible
    // beside 55,000 requests.
    run: () => manyKeysLoad(createService("seq-kv", createRng(5))).requests,
    expect: 55_000,
  }],
];

/** The median of `xs` (the mean of the middle two when their number is even). */
function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

const head = ["case", "ops", "median ms"];
const rows: string[][] = [];
const line = (cells: readonly string[]) =>
  `  ${cells[0].padEnd(52)} ${cells[1].padStart(7)} ${cells[2].padStart(10)}`;
console.log(`Checkers on big histories, median of ${runs} run${runs === 1 ? "" : "s"}:`);
console.log(line(head));
for (const group of groups) {
  for (const c of group()) {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      const got = c.run();
      times.push(performance.now() - started);
      if (got !== c.expect) {
        throw new Error(
          `The case "${c.name}" gave ${JSON.stringify(got)} instead of ` +
            `${JSON.stringify(c.expect)}; its time would mean nothing.`,
        );
      }
    }
    const row = [c.name, c.ops.toLocaleString("en-US"), median(times).toFixed(0)];
    rows.push(row);
    console.log(line(row));
  }
}

// The figures' one home: this bench's section of BENCHMARKS.md.
const page = recordSection({
  id: "checkers",
  title: "The checkers on big histories",
  command: ["deno task bench:checkers", ...Deno.args].join(" "),
  tables: [{ caption: `Median of ${runs} runs per case:`, head, rows }],
});
console.log(`Recorded in ${page}`);
