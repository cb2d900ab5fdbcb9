/**
 * Benchmark: echo requests per second through one node process over pipes.
 *
 * ```sh
 * deno task bench:echo            # 200,000 requests, 256 in flight
 * deno task bench:echo 500000 1024
 * ```
 *
 * The driver keeps a window of requests in flight, writes them in batches, and counts replies.
 * The figure is replies per second of wall time, node start-up excluded.
 *
 * @module
 */
import { recordSection } from "./benchmarks.ts";

const total = Number(Deno.args[0] ?? 200_000);
const window = Number(Deno.args[1] ?? 256);
const root = new URL("..", import.meta.url).pathname;

const child = new Deno.Command(Deno.execPath(), {
  args: ["run", "--quiet", "--config", `${root}deno.json`, `${root}challenges/echo.ts`],
  stdin: "piped",
  stdout: "piped",
  stderr: "inherit",
}).spawn();
const writer = child.stdin.getWriter();
const encoder = new TextEncoder();
const request = (i: number) =>
  `{"src":"c1","dest":"n0","body":{"type":"echo","msg_id":${i},"echo":"Please echo ${i % 128}"}}\n`;

await writer.write(encoder.encode(
  `{"src":"c0","dest":"n0","body":{"type":"init","msg_id":0,"node_id":"n0","node_ids":["n0"]}}\n`,
));

let sent = 0, received = -1; // -1: the init_ok reply comes first.
let started = 0;
const latenciesMs: number[] = [];
const sentAt = new Float64Array(total + 1);

async function sendUpTo(limit: number) {
  let batch = "";
  while (sent < limit && sent < total) {
    sent++;
    sentAt[sent] = performance.now();
    batch += request(sent);
  }
  if (batch) await writer.write(encoder.encode(batch));
}

const decoder = new TextDecoder();
let partial = "";
for await (const chunk of child.stdout) {
  const lines = (partial + decoder.decode(chunk, { stream: true })).split("\n");
  partial = lines.pop()!;
  for (const line of lines) {
    received++;
    if (received === 0) {
      started = performance.now();
      continue;
    }
    const id = Number(/"in_reply_to":(\d+)/.exec(line)![1]);
    if (id % 97 === 0) latenciesMs.push(performance.now() - sentAt[id]);
  }
  if (received === 0 && sent === 0) await sendUpTo(window);
  else if (received >= total) break;
  else await sendUpTo(received + window);
}
const elapsedS = (performance.now() - started) / 1000;
await writer.close();
await child.status;

latenciesMs.sort((a, b) => a - b);
const q = (p: number) =>
  latenciesMs[Math.min(latenciesMs.length - 1, Math.floor(p * latenciesMs.length))];
console.log(`echo through one node process over pipes`);
console.log(`  requests:   ${total} (window ${window})`);
console.log(`  throughput: ${Math.round(total / elapsedS).toLocaleString("en-US")} msgs/s`);
console.log(
  `  latency:    p50 ${q(0.5).toFixed(2)} ms, p99 ${q(0.99).toFixed(2)} ms, max ${
    q(1).toFixed(2)
  } ms`,
);

// The figures' one home: this bench's section of BENCHMARKS.md.
const page = recordSection({
  id: "echo",
  title: "Echo through one node process",
  command: ["deno task bench:echo", ...Deno.args].join(" "),
  tables: [{
    head: ["requests", "in flight", "replies/s", "p50", "p99", "max"],
    rows: [[
      String(total),
      String(window),
      Math.round(total / elapsedS).toLocaleString("en-US"),
      `${q(0.5).toFixed(2)} ms`,
      `${q(0.99).toFixed(2)} ms`,
      `${q(1).toFixed(2)} ms`,
    ]],
  }],
});
console.log(`Recorded in ${page}`);
