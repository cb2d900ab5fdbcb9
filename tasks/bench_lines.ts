/**
 * Benchmark of stdout line reassembly: a real node process (bash) writes one JSON line of N MB,
 * and we time from asking for it to the harness routing it whole. The node writes in pipe-sized
 * chunks, so this measures how the cost of reassembling a line grows with its length.
 *
 * ```sh
 * deno run -A tasks/bench_lines.ts 10 20 40   # line sizes in MB
 * ```
 *
 * @module
 */
import { RealClock } from "../harness/clock.ts";
import { Network, type WireMessage } from "../harness/network.ts";
import { ProcessBackend } from "../harness/nodes/process.ts";
import { createRng } from "../harness/rng.ts";

const sizesMb = Deno.args.length > 0 ? Deno.args.map(Number) : [10, 20, 40];
const MAX_WAIT_MS = 120_000;

for (const mb of sizesMb) {
  const bytes = Math.round(mb * 1_000_000);
  // The node first writes the whole line to a file, so the timing below covers only the pipe
  // and the harness, not the line's generation.
  const file = Deno.makeTempFileSync({ prefix: "bench-line-" });
  Deno.writeTextFileSync(
    file,
    `{"src":"n0","dest":"c999","body":{"type":"big","pad":"${"x".repeat(bytes)}"}}\n`,
  );
  const network = new Network(new RealClock(), createRng(1), {
    latencyMs: 0,
    latencyDist: "constant",
  });
  const got: WireMessage[] = [];
  network.register("c999", { deliver: (m) => got.push(m) });
  const backend = new ProcessBackend({
    bin: "/bin/bash",
    args: ["-c", `read -r go; cat "${file}"; sleep 1000`],
    logDir: Deno.makeTempDirSync({ prefix: "bench-lines-" }),
    logStderr: false,
  });
  await backend.start(["n0"], network);
  const started = performance.now();
  network.send("c999", "n0", { type: "go" });
  while (got.length === 0 && backend.problems.length === 0) {
    if (performance.now() - started > MAX_WAIT_MS) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const ms = performance.now() - started;
  await backend.stop();
  Deno.removeSync(file);
  const outcome = got.length > 0
    ? `routed in ${ms.toFixed(0)} ms (${(mb / (ms / 1000)).toFixed(1)} MB/s)`
    : backend.problems.length > 0
    ? `failed: ${backend.problems[0].message}`
    : `not routed within ${MAX_WAIT_MS} ms`;
  console.log(`${String(mb).padStart(4)} MB line: ${outcome}`);
}
