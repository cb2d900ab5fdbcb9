/**
 * What exact numbers cost the harness's routing: lines per second parsed with plain `JSON.parse`
 * and with `parseExact` (its fast path, for lines with no number that could change, and its slow
 * path, for lines with a 64-bit integer or a `1.0`), and lines per second written back.
 *
 * ```sh
 * deno run -A tasks/bench_json.ts          # 200,000 lines per figure, best of 5 runs
 * ```
 *
 * @module
 */
import { parseExact, stringifyExact } from "../harness/json.ts";

const count = Number(Deno.args[0] ?? 200_000);
const rounds = 5;

const plain = '{"src":"n3","dest":"n1","body":{"type":"hop","n":1234,"msg_id":987654}}';
const exact =
  '{"src":"n3","dest":"n1","body":{"type":"generate_ok","id":12345678901234567891,"msg_id":987654,"in_reply_to":12}}';
const float = '{"src":"n3","dest":"n1","body":{"type":"add","delta":1.0,"msg_id":987654}}';

/** Lines per second of `fn` over `count` calls, best of `rounds` (the machine is shared). */
function rate(fn: () => unknown): number {
  let best = 0;
  for (let r = 0; r < rounds; r++) {
    const started = performance.now();
    for (let i = 0; i < count; i++) fn();
    best = Math.max(best, count / ((performance.now() - started) / 1000));
  }
  return best;
}

const fmt = (x: number) => Math.round(x).toLocaleString("en-US").padStart(11);
const parsedPlain = JSON.parse(plain), parsedExact = parseExact(exact);
console.log(`Lossless JSON benchmark (${count.toLocaleString("en-US")} lines, best of ${rounds})`);
console.log(`  JSON.parse, ordinary line:           ${fmt(rate(() => JSON.parse(plain)))} lines/s`);
console.log(`  parseExact, ordinary line (fast):    ${fmt(rate(() => parseExact(plain)))} lines/s`);
console.log(`  parseExact, 20-digit integer (slow): ${fmt(rate(() => parseExact(exact)))} lines/s`);
console.log(`  parseExact, 1.0 (slow):              ${fmt(rate(() => parseExact(float)))} lines/s`);
console.log(
  `  JSON.stringify, ordinary line:       ${fmt(rate(() => JSON.stringify(parsedPlain)))} lines/s`,
);
console.log(
  `  stringifyExact, with a bigint:       ${fmt(rate(() => stringifyExact(parsedExact)))} lines/s`,
);
