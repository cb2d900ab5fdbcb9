import assert from "node:assert/strict";
import { sampleRun } from "../harness/report/testing.ts";
import { main } from "./report.ts";

Deno.test("report task: a run folder holding a symlink is refused by name, exit 1", async () => {
  const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "glomers-report-task-" }));
  const err: string[] = [];
  const { error, log } = console;
  console.error = (...xs: unknown[]) => err.push(xs.join(" "));
  console.log = () => {};
  try {
    const run = `${root}/store/g-counter/run`;
    await Deno.mkdir(run, { recursive: true });
    const sample = sampleRun();
    await Deno.writeTextFile(`${run}/results.json`, JSON.stringify(sample.results));
    await Deno.writeTextFile(
      `${run}/history.jsonl`,
      sample.history.map((op) => JSON.stringify(op) + "\n").join(""),
    );
    await Deno.writeTextFile(`${root}/victim.txt`, "precious");
    await Deno.symlink(`${root}/victim.txt`, `${run}/rate.svg`);
    assert.equal(await main([run]), 1);
    assert.deepEqual(err, [
      `Could not write the report of ${run}: Refusing to write the report: "${run}/rate.svg" ` +
      `is a symlink, not a file`,
    ]);
    assert.equal(await Deno.readTextFile(`${root}/victim.txt`), "precious");
    // Once the symlink is gone, the same folder gets its report.
    await Deno.remove(`${run}/rate.svg`);
    err.length = 0;
    assert.equal(await main([run]), 0);
    assert.deepEqual(err, []);
    assert.ok((await Deno.lstat(`${run}/rate.svg`)).isFile);
  } finally {
    console.error = error;
    console.log = log;
    await Deno.remove(root, { recursive: true });
  }
});
