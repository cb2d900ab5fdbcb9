// Fault shading in the report: kill and pause periods in the perf plots (Jepsen's colours), and
// each node's dead and paused spans in the Lamport diagram, where a restart begins a new life.
import assert from "node:assert/strict";
import { simulate } from "../testing.ts";
import { FAULT_COLORS, faultSpansOf } from "../nemesis.ts";
import { pageOfTime, planDiagram } from "./lamport.ts";
import { renderPage } from "./lamport_render.ts";
import { deriveRun } from "./load.ts";
import { latencyPlot, latencyQuantilesPlot, ratePlot } from "./plots.ts";
import { assertWellFormed } from "./testing.ts";

async function faultyRun() {
  // Seed 4 kills n1 and pauses n2, among other faults, and ends with both still down.
  const sim = await simulate(
    "challenges/unique_ids.ts",
    "-w unique-ids --node-count 3 --time-limit 10 --rate 50 --nemesis partition,kill,pause --nemesis-interval 1",
    4,
  );
  return deriveRun({
    dir: "unused",
    results: sim.results,
    meta: { opts: sim.opts, argv: [], runner: "simulation", bin: "unused" },
    history: sim.history,
    journal: sim.network.journal,
    nodeLogs: [],
    files: [],
  });
}

Deno.test("plots shade kill and pause periods in Jepsen's colours, beside partitions", async () => {
  const run = await faultyRun();
  const spans = faultSpansOf(run.history, run.endMs);
  assert.ok(spans.some((s) => s.kind === "kill") && spans.some((s) => s.kind === "pause"));
  for (const svg of [latencyPlot(run), latencyQuantilesPlot(run), ratePlot(run)]) {
    assertWellFormed(svg);
    assert.match(svg, /<g class="fault kill"><title>Killed [^<]* n\d[^<]* dead<\/title><rect /);
    assert.match(svg, /<g class="fault pause"><title>Paused [^<]* paused<\/title><rect /);
    assert.match(svg, /<g class="partition">/);
    assert.ok(svg.includes(`.fault.kill rect { fill: ${FAULT_COLORS.kill}; }`));
    assert.ok(svg.includes(`.fault.pause rect { fill: ${FAULT_COLORS.pause}; }`));
    assert.ok(svg.includes(`.partition rect { fill: ${FAULT_COLORS.partition};`));
  }
  assert.deepEqual(FAULT_COLORS, { partition: "#E9DCA0", kill: "#E9A4A0", pause: "#A0B1E9" });
});

Deno.test("the Lamport diagram shows dead and paused spans; a restart visibly begins a new life", async () => {
  const run = await faultyRun();
  const plan = planDiagram(run);
  const spans = faultSpansOf(run.history, run.endMs);
  const restarted = spans.find((s) => s.kind === "kill" && !s.ongoing);
  const paused = spans.find((s) => s.kind === "pause");
  assert.ok(restarted && paused);
  const killPage = renderPage(run, plan, pageOfTime(plan, restarted.startMs)).body;
  assertWellFormed(killPage);
  assert.match(
    killPage,
    new RegExp(
      `<g class="fault kill" data-node="${restarted.node}"><title>${restarted.node} dead from`,
    ),
  );
  assert.match(killPage, /killed<\/text>/);
  const lifePage = renderPage(run, plan, pageOfTime(plan, restarted.endMs)).body;
  assert.match(
    lifePage,
    /<line class="new-life"[^>]*\/><text class="fault-label"[^>]*>new life<\/text>/,
  );
  // A paused node that is killed is not resumed: its pause ends where its death begins.
  const pausedThenKilled = spans.find((s) => s.kind === "pause" && s.endedByKill);
  assert.ok(pausedThenKilled);
  const endPage = renderPage(run, plan, pageOfTime(plan, pausedThenKilled.endMs)).body;
  assert.match(
    endPage,
    new RegExp(`<title>${pausedThenKilled.node} paused from [^<]* until killed at [^<]*</title>`),
  );
  const pausePage = renderPage(run, plan, pageOfTime(plan, paused.startMs)).body;
  assert.match(
    pausePage,
    new RegExp(
      `<g class="fault pause" data-node="${paused.node}"><title>${paused.node} paused from`,
    ),
  );
});
