// A stored run is read back exactly: numbers past 2^53 in the history, the journal and the results
// keep every digit, so a report (or a check) of a stored run sees what the run saw.
import assert from "node:assert/strict";
import { z } from "zod";
import { Init, Node, type NodeOptions } from "../../lib/node.ts";
import { findAnomalies } from "../anomalies.ts";
import { isExactFloat } from "../json.ts";
import { createRunDir, writeRun } from "../results.ts";
import { simulate } from "../testing.ts";
import { loadRun } from "./load.ts";
import { writeReport } from "./mod.ts";

const rawJson = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

/** Unique-ids nodes that all hand out the same 64-bit ids from 2^53 + 1 (odd: as a double it
 * would read 2^53), and gossip a `1.0` once. */
function sameSnowflakes(options: NodeOptions) {
  const node = new Node(options);
  let next = 9007199254740993n;
  node.on(Init, () => {
    if (node.id === "n0") {
      node.sleep(10).then(() => node.send("n1", { type: "f", f: rawJson("1.0") }));
    }
  });
  node.on(z.object({ type: z.literal("f") }), () => {});
  node.on(
    z.object({ type: z.literal("generate") }),
    () => ({ type: "generate_ok", id: rawJson(String(next++)) }),
  );
  return node;
}

Deno.test("loadRun reads history, journal and results exactly; the report shows every digit", async () => {
  const store = await Deno.makeTempDir({ prefix: "glomers-load-" });
  try {
    const args = "-w unique-ids --node-count 2 --time-limit 2 --rate 20";
    const sim = await simulate(sameSnowflakes, args, 5);
    const dir = createRunDir(store, sim.opts.workload);
    writeRun(dir, store, sim, {
      opts: sim.opts,
      argv: args.split(" "),
      runner: "simulation",
      bin: "same-snowflakes",
    });
    const run = await loadRun(dir);

    // The history: the first id handed out, exactly.
    const ids = run.history.filter((op) => op.type === "ok").map((op) => op.value);
    assert.ok(ids.includes(9007199254740993n), String(ids.slice(0, 3)));
    // The journal: the reply carrying it, and the 1.0 a node gossiped, as written.
    assert.ok(run.journal.some((m) => m.body.id === 9007199254740993n));
    const f = run.journal.find((m) => m.body.type === "f")!;
    assert.ok(isExactFloat(f.body.f));
    // The results: the duplicate is named with every digit.
    const workload = run.results!.workload as Record<string, unknown>;
    assert.equal(workload["valid?"], false);
    const details = workload["duplicate-details"] as { id: unknown }[];
    assert.equal(details[0].id, 9007199254740993n);
    const anomalies = findAnomalies(run.results);
    assert.ok(anomalies.some((a) => /^ID 9007199254740993 was returned/.test(a.explanation)));

    // The report drawn from the folder shows the ids as the nodes wrote them.
    await writeReport(dir);
    const history = await Deno.readTextFile(`${dir}/report/history-001.html`);
    assert.match(history, /9007199254740993/);
    const diagram = await Deno.readTextFile(`${dir}/report/messages-001.html`);
    assert.match(diagram, /&quot;f&quot;:1\.0|"f":1\.0/);
  } finally {
    await Deno.remove(store, { recursive: true });
  }
});
