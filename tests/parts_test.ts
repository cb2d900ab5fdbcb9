// Every challenge part that exists, with its fly.io command line: 20 seeds in the simulator
// (partitions included where the part has them), and one real process run, as Maelstrom would
// do it. A failing seed is reported with the command that reproduces it.
import assert from "node:assert/strict";
import { challengeFile, isBuilt, PARTS } from "../tasks/parts.ts";
import { cli, explain, ROOT, simulate } from "./support.ts";

const SEEDS = Array.from({ length: 20 }, (_, i) => i + 1);

for (const part of PARTS) {
  if (!isBuilt(part, ROOT)) continue;
  const args = [...part.args, ...(part.nodeArgs ? ["--", ...part.nodeArgs] : [])];

  Deno.test(`part ${part.id} (${part.title}): valid on ${SEEDS.length} simulated seeds`, async () => {
    for (const seed of SEEDS) {
      const run = await simulate(challengeFile(part), args, seed);
      assert.equal(
        run.results["valid?"],
        true,
        `seed ${seed} is invalid; reproduce with: deno task maelstrom test --bin ${
          challengeFile(part)
        } ${args.join(" ")} --seed ${seed}\n${explain(run.results)}`,
      );
    }
  });

  Deno.test(`part ${part.id} (${part.title}): valid as real processes`, async () => {
    const run = await cli(["--bin", `launchers/${part.challenge}`, ...args]);
    assert.equal(
      run.code,
      0,
      [...run.stdout.split("\n").slice(-40), ...run.stderr.split("\n").slice(-20)].join("\n"),
    );
    assert.equal(run.results?.["valid?"], true);
  });
}
