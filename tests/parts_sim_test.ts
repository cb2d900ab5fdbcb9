/**
 * Every challenge part that exists, with its fly.io command line, on 20 simulated seeds
 * (partitions included where the part has them), each seed held to `valid?` and to the part's
 * goals (`part_goals.ts`). The seeds run in parallel Web Workers, one per core; a failing seed is
 * reported with the command that reproduces it. The same command lines run once as real
 * processes in `parts_process_test.ts`.
 *
 * Parts that share a run (`sharedRuns` in `tasks/parts.ts`) share it here: 5c's command line is
 * 5b's, so 5c is judged on 5b's runs; 6c's differs from 6b's only in `--consistency-models`, so
 * each 6b run is checked again at read-committed for 6c, as `maelstrom analyze` would.
 *
 * @module
 */
import assert from "node:assert/strict";
import { describeFailure, reproduceCommand, runSeeds, type SeedVerdict } from "../harness/seeds.ts";
import type { CheckResult } from "../harness/types.ts";
import { challengeFile, commandArgs, type Part, sharedRuns } from "../tasks/parts.ts";
import { goalMisses } from "./part_goals.ts";
import { ROOT } from "./support.ts";

const SEED_COUNT = 20;

for (const { lead, others } of sharedRuns()) {
  // The lead's test runs the seeds; the others' tests, which come after it, await the same runs.
  let runs: Promise<SeedVerdict[]> | undefined;
  const seeds = () =>
    runs ??= (async () => {
      const result = await runSeeds({
        file: `${ROOT}/${challengeFile(lead)}`,
        args: commandArgs(lead),
        firstSeed: 1,
        count: SEED_COUNT,
        keepResults: true,
        alsoAnalyse: others.flatMap((o) =>
          o.consistencyModels ? [{ consistencyModels: o.consistencyModels }] : []
        ),
      });
      result.close();
      return result.verdicts;
    })();

  const judged = [
    { part: lead, resultsOf: (v: SeedVerdict) => v.results! },
    ...others.map((o) => {
      // Which re-analysis is this part's: the index among the others that have one.
      const index = others.filter((x) => x.consistencyModels).indexOf(o);
      return {
        part: o.part,
        resultsOf: (v: SeedVerdict) => index < 0 ? v.results! : v.alsoResults![index],
      };
    }),
  ];
  for (const { part, resultsOf } of judged) {
    const shared = part === lead ? "" : ` (${lead.id}'s runs)`;
    Deno.test({
      name: `part ${part.id} (${part.title}): valid on ${SEED_COUNT} simulated seeds${shared}, ` +
        "goals met",
      async fn() {
        judge(part, await seeds(), resultsOf);
      },
    });
  }
}

/** Holds every seed of a part to `valid?` and to the part's goals; a failure names the first
 * failing seed and the command that reproduces it (the part's own command line). */
function judge(
  part: Part,
  verdicts: SeedVerdict[],
  resultsOf: (v: SeedVerdict) => CheckResult,
): void {
  const reproduce = (seed: number) =>
    reproduceCommand(["--bin", challengeFile(part), ...commandArgs(part)], seed);
  // A run that ended without results (aborted, stuck, broken) stops the seeds there.
  const ended = verdicts.find((v) => v.failure !== undefined);
  assert.equal(
    ended,
    undefined,
    ended && `seed ${ended.seed} ended without a verdict (${ended.failure!.message}); ` +
        `reproduce with: ${reproduce(ended.seed)}\n${ended.crashed.join("\n")}`,
  );
  const invalid = verdicts.find((v) => resultsOf(v)["valid?"] !== true);
  assert.equal(
    invalid,
    undefined,
    invalid && `seed ${invalid.seed} is not valid; reproduce with: ${reproduce(invalid.seed)}\n` +
        `${invalid.crashed.join("\n")}\n${describeFailure(resultsOf(invalid))}`,
  );
  // The seeds stop at the first run the lead part finds invalid, which may be valid for this one.
  assert.equal(
    verdicts.length,
    SEED_COUNT,
    `the shared runs stopped after seed ${verdicts.at(-1)?.seed}, invalid for the part that ` +
      "ran them: see that part's test",
  );
  // The part's goals beyond validity (see part_goals.ts), on every seed.
  const missed = verdicts
    .map((v) => ({ seed: v.seed, misses: goalMisses(part.id, resultsOf(v)) }))
    .filter((m) => m.misses.length > 0);
  assert.deepEqual(
    missed.flatMap((m) => m.misses.map((miss) => `seed ${m.seed}: ${miss}`)),
    [],
    missed.length > 0 ? `reproduce with: ${reproduce(missed[0].seed)}` : "",
  );
}
