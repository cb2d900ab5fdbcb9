// Every challenge part that exists, with its fly.io command line: 20 seeds in the simulator
// (partitions included where the part has them), and one real-process run, as Maelstrom would
// do it. A failing seed is reported with the command that reproduces it.
//
// Wall time: the real-process runs, which mostly wait on the wall clock, run a few at a time, and
// come first, while nothing else in this file needs the CPU: a node process must answer `init`
// within 10 s, and starting `deno` processes is CPU-heavy. The simulated seeds then run in
// parallel Web Workers, one per core. Each real-process test only checks validity: figures
// belong to the benches.
import assert from "node:assert/strict";
import { reproduceCommand, runSeeds } from "../harness/seeds.ts";
import { challengeFile, type Part, PARTS } from "../tasks/parts.ts";
import { goalMisses } from "./part_goals.ts";
import { cli, type CliRun, ROOT } from "./support.ts";

const SEED_COUNT = 20;
/** Real-process part runs at once, in slots. Most send 10 to 1,000 ops/s to a few nodes and
 * leave the CPU largely idle; more at once would let one run's CPU bursts delay another's
 * replies. A run takes a slot per 10 nodes it starts (3d and 3e start 25 `deno` processes, whose
 * start-up is the CPU-heavy moment: they must answer `init` within 10 s). */
const PROCESS_SLOTS = 3;
const slotsOf = (part: Part) => {
  const nodes = Number(part.args[part.args.indexOf("--node-count") + 1]) || 5;
  return Math.min(PROCESS_SLOTS, Math.ceil(nodes / 10));
};

const argsOf = (part: Part) => [...part.args, ...(part.nodeArgs ? ["--", ...part.nodeArgs] : [])];

let processRuns: Map<string, Promise<CliRun>> | undefined;

/** Starts every part's real-process run, within {@linkcode PROCESS_SLOTS}, in part order; later
 * calls return the same runs. */
function startProcessRuns(): Map<string, Promise<CliRun>> {
  if (processRuns) return processRuns;
  processRuns = new Map();
  let used = 0;
  // Waiters in part order: a big run is not overtaken forever by small ones.
  const waiting: { need: number; go: () => void }[] = [];
  const admit = () => {
    while (waiting.length > 0 && used + waiting[0].need <= PROCESS_SLOTS) {
      const next = waiting.shift()!;
      used += next.need;
      next.go();
    }
  };
  const slot = async <T>(need: number, fn: () => Promise<T>): Promise<T> => {
    await new Promise<void>((go) => {
      waiting.push({ need, go });
      admit();
    });
    try {
      return await fn();
    } finally {
      used -= need;
      admit();
    }
  };
  for (const part of PARTS) {
    const run = slot(
      slotsOf(part),
      () => cli(["--bin", `launchers/${part.challenge}`, ...argsOf(part)]),
    );
    // Awaited by the part's own test; a rejection must not surface as unhandled before then.
    run.catch(() => {});
    processRuns.set(part.id, run);
  }
  return processRuns;
}

for (const part of PARTS) {
  Deno.test({
    name: `part ${part.id} (${part.title}): valid as real processes`,
    // The other parts' runs, started with the first of these tests, outlive it by design.
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const run = await startProcessRuns().get(part.id)!;
      assert.equal(
        run.code,
        0,
        [...run.stdout.split("\n").slice(-40), ...run.stderr.split("\n").slice(-20)].join("\n"),
      );
      assert.equal(run.results?.["valid?"], true);
    },
  });
}

for (const part of PARTS) {
  const args = argsOf(part);

  Deno.test({
    name: `part ${part.id} (${part.title}): valid on ${SEED_COUNT} simulated seeds, goals met`,
    async fn() {
      const result = await runSeeds({
        file: `${ROOT}/${challengeFile(part)}`,
        args,
        firstSeed: 1,
        count: SEED_COUNT,
        keepResults: true,
      });
      result.close();
      const reproduce = (seed: number) =>
        reproduceCommand(["--bin", challengeFile(part), ...args], seed);
      const failure = result.firstFailure;
      assert.equal(
        failure,
        undefined,
        failure &&
          `seed ${failure.seed} is not valid${
            failure.failure ? ` (${failure.failure.message})` : ""
          }; reproduce with: ${reproduce(failure.seed)}\n${
            failure.crashed.join("\n")
          }\n${failure.explanation}`,
      );
      assert.equal(result.verdicts.length, SEED_COUNT);
      assert.ok(result.verdicts.every((v) => v.valid === true));
      // The part's goals beyond validity (see part_goals.ts), on every seed.
      const misses = result.verdicts.flatMap((v) =>
        goalMisses(part.id, v.results!).map((miss) => `seed ${v.seed}: ${miss}`)
      );
      assert.deepEqual(
        misses,
        [],
        misses.length ? `reproduce with: ${reproduce(Number(/\d+/.exec(misses[0])![0]))}` : "",
      );
    },
  });
}
