/**
 * Benchmarks challenge 4 (grow-only counter): runs the fly.io command line as real processes
 * through the embedded harness (`launchers/counter`, real time, about 35 s per run) and prints,
 * per run, the verdict, the ops, the messages per op (all, and servers: node↔seq-kv), and the
 * final reads against the total.
 *
 * ```sh
 * deno task bench:counter       # one run
 * deno task bench:counter 5     # five runs in a row
 * ```
 *
 * Each run's files stay in `store/g-counter/`.
 *
 * @module
 */
import { PARTS } from "./parts.ts";

/** The project root (this file lives in `tasks/`). */
const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** The figures of one run. */
export interface CounterBench {
  code: number;
  valid: unknown;
  ops: number;
  allPerOp: number;
  serversPerOp: number;
  serverMsgs: number;
  finalReads: unknown[];
  acceptable: unknown;
  wallS: number;
}

/** Runs `maelstrom test --bin launchers/counter` with part 4's arguments once, as real processes,
 * and reads the figures from the results it stored.
 *
 * @example
 * ```ts ignore
 * import { benchCounter } from "./bench_counter.ts";
 * const r = await benchCounter();
 * r.serversPerOp; // e.g. 0.27
 * ```
 */
export async function benchCounter(): Promise<CounterBench> {
  const part = PARTS.find((p) => p.id === "4")!;
  const store = `${ROOT}/store`;
  const started = performance.now();
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      `${ROOT}/harness/cli.ts`,
      "test",
      "--bin",
      `${ROOT}/launchers/counter`,
      ...part.args,
      "--store",
      store,
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const wallS = (performance.now() - started) / 1000;
  let results: Record<string, Record<string, unknown>>;
  try {
    results = JSON.parse(Deno.readTextFileSync(`${store}/latest/results.json`));
  } catch {
    const tail = new TextDecoder().decode(out.stderr).slice(-2000);
    throw new Error(`The run (exit ${out.code}) left no results.json; its stderr ended:\n${tail}`);
  }
  const net = results.net as Record<string, Record<string, number>>;
  const stats = results.stats as Record<string, number>;
  return {
    code: out.code,
    valid: results["valid?"],
    ops: stats.count,
    allPerOp: net.all["msgs-per-op"],
    serversPerOp: net.servers["msgs-per-op"],
    serverMsgs: net.servers["msg-count"],
    finalReads: results.workload["final-reads"] as unknown[],
    acceptable: results.workload.acceptable,
    wallS,
  };
}

if (import.meta.main) {
  const runs = Number(Deno.args[0] ?? 1);
  if (!Number.isInteger(runs) || runs < 1) {
    console.error(`Usage: deno task bench:counter [runs]; "${Deno.args[0]}" is not a count`);
    Deno.exit(254);
  }
  let failed = 0;
  for (let i = 1; i <= runs; i++) {
    const r = await benchCounter();
    if (r.valid !== true) failed++;
    console.log(
      `run ${i}/${runs}: valid ${r.valid}, ${r.ops} ops, msgs/op ${r.allPerOp.toFixed(2)} (all) ` +
        `${r.serversPerOp.toFixed(2)} (servers, ${r.serverMsgs} msgs), final reads ` +
        `${JSON.stringify(r.finalReads)} vs acceptable ${JSON.stringify(r.acceptable)}, ` +
        `${r.wallS.toFixed(1)} s`,
    );
  }
  Deno.exit(failed === 0 ? 0 : 1);
}
