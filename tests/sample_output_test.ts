/**
 * Every "What you should see" block in `challenges/` is output the harness really prints: each
 * block's command runs in the simulator (a `.ts` `--bin`, fixed seed) and every line the block
 * shows must appear in that run's output, figures matched by placeholders. The blocks are read
 * from the files, so a block can be updated without touching this test.
 *
 * @module
 */
import assert from "node:assert/strict";
import { PARTS } from "../tasks/parts.ts";
import { lineRegExp, matchSample, parseSamples, type SampleBlock } from "./sample_output.ts";
import { cli, ROOT } from "./support.ts";

const CHALLENGES = [...Deno.readDirSync(`${ROOT}/challenges`)]
  .filter((e) => e.isFile && e.name.endsWith(".ts"))
  .map((e) => e.name)
  .sort();

/** The harness arguments of a block's command, after `deno task maelstrom test`. Throws a
 * sentence naming the problem when the command is not one the test can run faithfully. */
function harnessArgs(file: string, block: SampleBlock): string[] {
  const where = `challenges/${file}, line ${block.line}`;
  const prefix = ["deno", "task", "maelstrom", "test"];
  assert.deepEqual(
    block.command.slice(0, 4),
    prefix,
    `The command at ${where} must start with "deno task maelstrom test".`,
  );
  const args = block.command.slice(4);
  const dash = args.indexOf("--");
  const ours = dash < 0 ? args : args.slice(0, dash);
  const nodeArgs = dash < 0 ? [] : args.slice(dash + 1);
  const bin = ours.indexOf("--bin");
  assert.equal(
    ours[bin + 1],
    `challenges/${file}`,
    `The command at ${where} must run "challenges/${file}" in the simulator.`,
  );
  const seed = ours.indexOf("--seed");
  assert.ok(seed >= 0, `The command at ${where} must fix "--seed" so its output is reproducible.`);
  // What is left must be a part's fly.io command line, so the block shows the real test.
  const rest = ours.filter((_, i) => i !== bin && i !== bin + 1 && i !== seed && i !== seed + 1);
  const part = PARTS.find((p) =>
    p.args.join(" ") === rest.join(" ") && (p.nodeArgs ?? []).join(" ") === nodeArgs.join(" ")
  );
  assert.ok(part, `The command at ${where} is no part's fly.io command line: "${rest.join(" ")}".`);
  return args;
}

Deno.test("placeholders match varying figures and nothing else", () => {
  assert.ok(
    lineRegExp("✓ stats <ops> ops: <ops> ok, 0 fail, 0 info").test(
      "✓ stats         2028 ops: 2028 ok, 0 fail, 0 info",
    ),
  );
  // A run where some op failed must not pass a block that promises every op succeeds.
  assert.ok(
    !lineRegExp("✓ stats <ops> ops: <ops> ok, 0 fail, 0 info").test(
      "✓ stats         2028 ops: 2027 ok, 1 fail, 0 info",
    ),
  );
  assert.ok(!lineRegExp("msgs-per-op <n> all").test("msgs-per-op many all"));
  assert.ok(
    lineRegExp("✓ workload attempt-count <n>, …, lost-count 0, …").test(
      "✓ workload      attempt-count 978, stable-count 978, lost-count 0, never-read-count 0",
    ),
  );
  assert.ok(
    !lineRegExp("✓ workload attempt-count <n>, …, lost-count 0, …").test(
      "✓ workload      attempt-count 978, stable-count 977, lost-count 1, never-read-count 0",
    ),
  );
});

Deno.test("a closing line nothing prints is caught", () => {
  // The line echo.ts once promised, against what the harness prints.
  const printed = [
    "  ✓ stats         48 ops: 48 ok, 0 fail, 0 info",
    "  ✓ net           msgs-per-op 2.04 all, 0.00 servers (98 messages)",
    "Everything looks good! ヽ(‘ー`)ノ",
  ].join("\n");
  assert.deepEqual(
    matchSample(["echo valid ~50 ops, 0 failed, msgs/op 2.0 (all) 0.0 (servers)"], printed),
    ["echo valid ~50 ops, 0 failed, msgs/op 2.0 (all) 0.0 (servers)"],
  );
  assert.deepEqual(matchSample(["Everything looks good! ヽ(‘ー`)ノ", "✓ stats …"], printed), [
    "✓ stats …",
  ]);
});

Deno.test("every challenge file shows a runnable sample", () => {
  assert.ok(CHALLENGES.length >= 6, `Expected the six challenge files, found ${CHALLENGES}.`);
  for (const file of CHALLENGES) {
    const blocks = parseSamples(Deno.readTextFileSync(`${ROOT}/challenges/${file}`));
    assert.ok(blocks.length > 0, `challenges/${file} has no "What you should see" console block.`);
    for (const block of blocks) {
      harnessArgs(file, block);
      assert.ok(block.expected.length > 0, `The block at ${file}:${block.line} shows no output.`);
    }
  }
});

for (const file of CHALLENGES) {
  const blocks = parseSamples(Deno.readTextFileSync(`${ROOT}/challenges/${file}`));
  for (const block of blocks) {
    Deno.test(`challenges/${file}:${block.line} prints what it shows`, async () => {
      // The HTML report is not part of what a block shows, and costs seconds to draw.
      const run = await cli(["--no-report", ...harnessArgs(file, block)]);
      const output = `${run.stderr}\n${run.stdout}`;
      const missing = matchSample(block.expected, output);
      assert.deepEqual(
        missing,
        [],
        `challenges/${file}:${block.line} shows lines the run did not print (in order):\n` +
          `${missing.join("\n")}\n--- the run printed ---\n${output}`,
      );
    });
  }
}
