/**
 * Every challenge part that exists, with its fly.io command line, run once as real processes
 * (`launchers/<challenge>`), as Maelstrom would run it. The same command lines run on 20 simulated
 * seeds in `parts_sim_test.ts`; this file only checks validity, since figures belong to the bench
 * tasks.
 *
 * Wall time: the runs mostly wait on the wall clock (most send 10 to 1,000 ops/s to a few nodes),
 * so several run at once, in slots, while `deno test --parallel` gives the other core to the
 * CPU-bound files.
 *
 * @module
 */
import assert from "node:assert/strict";
import { commandArgs, type Part, PARTS, sharedRuns } from "../tasks/parts.ts";
import { cli, type CliRun } from "./support.ts";

/** Real-process part runs at once, in slots. Most send 10 to 1,000 ops/s to a few nodes and
 * leave the CPU largely idle; more at once would let one run's CPU bursts delay another's
 * replies. A run takes a slot per 10 nodes it starts (3d and 3e start 25 `deno` processes, whose
 * start-up is the CPU-heavy moment: they must answer `init` within 10 s). */
const PROCESS_SLOTS = 3;
const slotsOf = (part: Part) => {
  const nodes = Number(part.args[part.args.indexOf("--node-count") + 1]) || 5;
  return Math.min(PROCESS_SLOTS, Math.ceil(nodes / 10));
};

/** A part's real-process outcome: its run (shared with other parts, see below) or the
 * `maelstrom analyze` of that run at the part's own consistency models. */
let processRuns: Map<string, Promise<CliRun>> | undefined;

/** Starts every shared run's real processes, within {@linkcode PROCESS_SLOTS}, in part order;
 * later calls return the same runs.
 *
 * Parts that share a run (`sharedRuns` in `tasks/parts.ts`) share it here: 5c's command line is
 * 5b's, so both are judged on one run; 6c's differs from 6b's only in `--consistency-models`, so
 * 6b's run is checked again with `maelstrom analyze --consistency-models read-committed`, as a
 * Maelstrom user would check one run against a stronger model. */
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
  for (const { lead, others } of sharedRuns()) {
    const rechecked = others.filter((o) => o.consistencyModels);
    const run = slot(
      slotsOf(lead),
      () =>
        cli(["--no-report", "--bin", `launchers/${lead.challenge}`, ...commandArgs(lead)], {
          // The part's own flag and value, as its command line spells them.
          analyze: rechecked.map((o) => modelsFlag(o.part)),
        }),
    );
    // Awaited by the parts' own tests; a rejection must not surface as unhandled before then.
    run.catch(() => {});
    processRuns.set(lead.id, run);
    for (const other of others) {
      const index = rechecked.indexOf(other);
      processRuns.set(
        other.part.id,
        index < 0 ? run : run.then((r) => r.code === 0 ? r.analyses![index] : r),
      );
    }
  }
  return processRuns;
}

/** A part's `--consistency-models` flag and its value, as its command line has them. */
function modelsFlag(part: Part): string[] {
  const args = commandArgs(part);
  const at = args.indexOf("--consistency-models");
  return args.slice(at, at + 2);
}

const leadOf = new Map(
  sharedRuns().flatMap(({ lead, others }) => others.map((o) => [o.part.id, lead.id])),
);

for (const part of PARTS) {
  const shared = leadOf.get(part.id);
  Deno.test({
    name: `part ${part.id} (${part.title}): valid as real processes` +
      (shared ? ` (${shared}'s run)` : ""),
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
