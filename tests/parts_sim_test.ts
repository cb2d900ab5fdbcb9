/**
 * Every challenge part that exists, with its fly.io command line, on 20 simulated seeds
 * (partitions included where the part has them), each seed held to `valid?` and to the part's
 * goals (`part_goals.ts`). The seeds run in parallel Web Workers, one per core; a failing seed is
 * reported with the command that reproduces it. The same command lines run once as real
 * processes in `parts_process_test.ts`.
 *
 * @module
 */
import assert from "node:assert/strict";
import { reproduceCommand, runSeeds } from "../harness/seeds.ts";
import { challengeFile, commandArgs, PARTS } from "../tasks/parts.ts";
import { goalMisses } from "./part_goals.ts";
import { ROOT } from "./support.ts";

const SEED_COUNT = 20;

for (const part of PARTS) {
  const args = commandArgs(part);

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
      const missed = result.verdicts
        .map((v) => ({ seed: v.seed, misses: goalMisses(part.id, v.results!) }))
        .filter((m) => m.misses.length > 0);
      assert.deepEqual(
        missed.flatMap((m) => m.misses.map((miss) => `seed ${m.seed}: ${miss}`)),
        [],
        missed.length > 0 ? `reproduce with: ${reproduce(missed[0].seed)}` : "",
      );
    },
  });
}
