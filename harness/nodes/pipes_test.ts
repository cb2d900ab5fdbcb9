// Line splitting and capped logs, in memory and on a temp file.
import assert from "node:assert/strict";
import { CappedLog, LineSplitter, MAX_LINE_BYTES } from "./pipes.ts";

const enc = new TextEncoder();

function collect(maxLineBytes: number) {
  const lines: string[] = [];
  const tooLong: string[] = [];
  const split = new LineSplitter(maxLineBytes, (l) => lines.push(l), (h) => tooLong.push(h));
  return { lines, tooLong, split };
}

Deno.test("LineSplitter: lines come out whole however the input is chunked", () => {
  const text = '{"a":1}\n\n{"b":"héllo wörld"}\nlast';
  for (const size of [1, 2, 3, 7, 1000]) {
    const { lines, tooLong, split } = collect(1024);
    const bytes = enc.encode(text);
    for (let i = 0; i < bytes.length; i += size) split.push(bytes.slice(i, i + size));
    split.end();
    // A blank line is a line (Maelstrom rejects it as malformed), and multi-byte characters split
    // across chunks decode whole.
    assert.deepEqual(lines, ['{"a":1}', "", '{"b":"héllo wörld"}', "last"], `chunk size ${size}`);
    assert.deepEqual(tooLong, []);
  }
});

Deno.test("LineSplitter: a line over the limit is named once and skipped to its newline", () => {
  const { lines, tooLong, split } = collect(10);
  split.push(enc.encode("0123456789\n0123"));
  split.push(enc.encode("456789X more of the same line"));
  split.push(enc.encode(" still going\nok\n"));
  split.end();
  assert.deepEqual(lines, ["0123456789", "ok"]);
  assert.equal(tooLong.length, 1);
  assert.ok(tooLong[0].startsWith("0123456789X"), tooLong[0]);
});

Deno.test("LineSplitter: the default limit is 64 MiB, and a 30 MB line passes", () => {
  assert.equal(MAX_LINE_BYTES, 64 * 1024 * 1024);
  const chunk = new Uint8Array(1024 * 1024).fill(0x78);
  const big = collect(MAX_LINE_BYTES);
  for (let i = 0; i < 30; i++) big.split.push(chunk);
  big.split.push(enc.encode("\n"));
  assert.equal(big.lines.length, 1);
  assert.equal(big.lines[0].length, 30 * 1024 * 1024);
  big.lines.length = 0;
  // One byte over the maximum, then a good line.
  const over = collect(MAX_LINE_BYTES);
  for (let i = 0; i < 64; i++) over.split.push(chunk);
  over.split.push(enc.encode("x"));
  over.split.push(enc.encode("tail\n{}\n"));
  assert.equal(over.tooLong.length, 1);
  assert.equal(over.tooLong[0].length, 500);
  assert.deepEqual(over.lines, ["{}"]);
});

Deno.test("CappedLog: under the cap every byte is kept, unmarked", () => {
  const path = Deno.makeTempFileSync();
  const log = new CappedLog(path, 1024);
  log.write(enc.encode("a line\n"));
  log.write(enc.encode("another line\n"));
  log.close();
  log.close();
  log.write(enc.encode("after close, ignored\n"));
  assert.equal(Deno.readTextFileSync(path), "a line\nanother line\n");
  Deno.removeSync(path);
});

Deno.test("CappedLog: over the cap it keeps the head and the tail and says how much was cut", () => {
  const path = Deno.makeTempFileSync();
  const cap = 4096;
  const log = new CappedLog(path, cap);
  let all = "";
  for (let i = 1; i <= 2000; i++) {
    const line = `log line ${i}\n`;
    all += line;
    log.write(enc.encode(line));
  }
  // One write larger than the whole tail.
  const huge = "z".repeat(3000) + "\nfinal line\n";
  all += huge;
  log.write(enc.encode(huge));
  log.close();
  const text = Deno.readTextFileSync(path);
  const head = all.slice(0, 3072), tail = all.slice(all.length - 1024);
  const cut = all.length - 3072 - 1024;
  assert.ok(text.startsWith(head));
  assert.ok(text.endsWith(tail));
  assert.match(text, new RegExp(`\\[harness\\] ${cut} bytes of this log were cut here`));
  assert.ok(text.length < cap + 200, `${text.length} bytes`);
  Deno.removeSync(path);
});
