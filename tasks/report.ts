/**
 * (Re)generates the browsable report of stored runs: `index.html`, plots and the paged message
 * diagram, in each run folder.
 *
 * ```sh
 * deno task report store/broadcast/latest      # one run
 * deno task report store/echo/20261123T104139.008+0000 store/latest
 * ```
 *
 * @module
 */
import { isRunDir, writeReport } from "../harness/report/mod.ts";

/** Writes the report of every run folder named on the command line; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  if (args.length === 0 || args.includes("-h") || args.includes("--help")) {
    console.log("Usage: deno task report <run folder>...   (for example store/latest)");
    return args.length === 0 ? 254 : 0;
  }
  let code = 0;
  for (const dir of args) {
    if (!(await isRunDir(dir))) {
      console.error(`${dir} is not a run folder (no results.json, test.json or history.jsonl)`);
      code = 1;
      continue;
    }
    const started = performance.now();
    let info;
    try {
      info = await writeReport(dir);
    } catch (err) {
      // A run folder that holds a symlink where a report file goes, or that cannot be written.
      console.error(`Could not write the report of ${dir}: ${(err as Error).message}`);
      code = 1;
      continue;
    }
    const left = info.diagramPagesInRun - info.diagramPages;
    console.log(
      `${info.index}: ${info.diagramPages} diagram page(s)${
        left > 0 ? ` (${left} more left out: see the index)` : ""
      }, ${info.historyPages} history page(s)${
        info.historyPagesInRun > info.historyPages
          ? ` (${info.historyPagesInRun - info.historyPages} more left out)`
          : ""
      }, ${info.anomalies} anomal${info.anomalies === 1 ? "y" : "ies"} ` +
        `(${((performance.now() - started) / 1000).toFixed(2)} s)`,
    );
  }
  return code;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
