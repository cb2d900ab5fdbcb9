/**
 * Benchmarks of the harness itself:
 *
 * 1. **Routing rate**: nodes (real processes) flood each other, and every message passes through
 *    the harness's network (journal, latency, partition check). Figure: messages routed per
 *    second of the main phase.
 * 2. **Time to first op**: from spawning `harness/cli.ts test` to the first client request on
 *    the network, for a 1-node echo test.
 *
 * ```sh
 * deno task bench:network          # 5 nodes, 10 s, 200 messages in flight per node
 * ```
 *
 * @module
 */
import { recordSection } from "./benchmarks.ts";

const root = new URL("..", import.meta.url).pathname;
const nodeCount = Number(Deno.args[0] ?? 5);
const seconds = Number(Deno.args[1] ?? 10);
const inFlight = Number(Deno.args[2] ?? 200);
const store = Deno.makeTempDirSync({ prefix: "glomers-bench-" });

// 1. Routing rate.
const flood = await new Deno.Command(Deno.execPath(), {
  args: [
    "run",
    "-A",
    `${root}harness/cli.ts`,
    "test",
    "-w",
    "echo",
    "--process",
    "--bin",
    `${root}tests/fixtures/flood.ts`,
    "--node-count",
    String(nodeCount),
    "--time-limit",
    String(seconds),
    "--rate",
    "10",
    "--store",
    store,
    "--",
    String(inFlight),
  ],
  stdout: "piped",
  stderr: "piped",
}).output();
const results = JSON.parse(Deno.readTextFileSync(`${store}/latest/results.json`));
const history = Deno.readTextFileSync(`${store}/latest/history.jsonl`).trim().split("\n")
  .map((l) => JSON.parse(l));
const journalLines = Deno.readTextFileSync(`${store}/latest/messages.jsonl`).trim().split("\n");
const firstMs = history[0].time / 1e6, lastMs = history[history.length - 1].time / 1e6;
let routed = 0;
for (const line of journalLines) {
  const m = JSON.parse(line);
  if (m.recvMs !== undefined && m.recvMs >= firstMs && m.recvMs <= lastMs) routed++;
}
const rate = routed / ((lastMs - firstMs) / 1000);

// 2. Time to first op, best of 5.
const ttfo: number[] = [];
for (let i = 0; i < 5; i++) {
  const started = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      `${root}harness/cli.ts`,
      "test",
      "-w",
      "echo",
      "--bin",
      `${root}launchers/echo`,
      "--node-count",
      "1",
      "--time-limit",
      "1",
      "--log-net-send",
      "--store",
      store,
    ],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const decoder = new TextDecoder();
  let seen = "";
  for await (const chunk of child.stderr) {
    seen += decoder.decode(chunk, { stream: true });
    if (/"type":"echo"/.test(seen)) {
      ttfo.push(performance.now() - started);
      break;
    }
  }
  await child.status;
}
Deno.removeSync(store, { recursive: true });

console.log(`Harness network benchmark (${navigator.hardwareConcurrency} cores)`);
console.log(
  `  routing: ${Math.round(rate).toLocaleString("en-US")} msgs/s delivered ` +
    `(${nodeCount} node processes flooding, ${inFlight} in flight each, ${seconds} s, ` +
    `valid: ${results["valid?"]}, exit ${flood.code})`,
);
console.log(
  `  time to first op: best ${Math.min(...ttfo).toFixed(0)} ms, ` +
    `median ${ttfo.sort((a, b) => a - b)[2].toFixed(0)} ms (command start to first request)`,
);

// The figures' one home: this bench's section of BENCHMARKS.md.
const page = recordSection({
  id: "network",
  title: "The harness's network",
  command: ["deno task bench:network", ...Deno.args].join(" "),
  tables: [{
    head: ["figure", "value"],
    rows: [
      [
        `messages routed per second (${nodeCount} flooding node processes, ${inFlight} in ` +
        `flight each, ${seconds} s)`,
        Math.round(rate).toLocaleString("en-US"),
      ],
      ["command start to first operation, best", `${Math.min(...ttfo).toFixed(0)} ms`],
      ["command start to first operation, median", `${ttfo[2].toFixed(0)} ms`],
    ],
  }],
});
console.log(`Recorded in ${page}`);
