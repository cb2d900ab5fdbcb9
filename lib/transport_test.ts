import assert from "node:assert/strict";
import {
  MAX_BACKLOG_LINES,
  MAX_KEPT_LINES,
  MAX_LINE_BYTES,
  MemoryTransport,
  StdioTransport,
} from "./transport.ts";

const encoder = new TextEncoder();

/** A stream that yields the given chunks, as stdin would. */
function streamOf(chunks: Iterable<Uint8Array>): ReadableStream<Uint8Array> {
  const it = chunks[Symbol.iterator]();
  return new ReadableStream({
    pull(controller) {
      const next = it.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
  });
}

/** `text` cut into chunks of `size` bytes. */
function* chunked(bytes: Uint8Array, size: number): Generator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

const noOutput = { write: (p: Uint8Array) => Promise.resolve(p.length) };

async function linesOf(
  chunks: Iterable<Uint8Array>,
  options: ConstructorParameters<typeof StdioTransport>[2] = {},
): Promise<string[]> {
  const lines: string[] = [];
  await new StdioTransport(streamOf(chunks), noOutput, options).start((l) => lines.push(l));
  return lines;
}

Deno.test("a 30 MB line split over many reads arrives whole", async () => {
  const big = "x".repeat(30_000_000);
  const input = encoder.encode(`{"a":1}\n{"big":"${big}"}\n{"b":"é"}\n`);
  const lines = await linesOf(chunked(input, 65_536));
  assert.equal(lines.length, 3);
  assert.equal(lines[0], '{"a":1}');
  assert.equal(lines[1].length, big.length + 10);
  assert.equal(lines[1], `{"big":"${big}"}`);
  assert.equal(lines[2], '{"b":"é"}');
});

Deno.test("a multi-byte character split across reads is decoded intact", async () => {
  const input = encoder.encode('{"s":"héllo ✓"}\nlast without newline');
  const lines = await linesOf(chunked(input, 1));
  assert.deepEqual(lines, ['{"s":"héllo ✓"}', "last without newline"]);
});

Deno.test("an over-long line is reported and dropped, and the lines after it still arrive", async () => {
  const reports: number[] = [];
  const input = encoder.encode(`ok1\n${"y".repeat(100)}\nok2\n${"z".repeat(20)}\nok3\n`);
  const lines = await linesOf(chunked(input, 7), {
    maxLineBytes: 16,
    onLineTooLong: (max) => reports.push(max),
  });
  assert.deepEqual(lines, ["ok1", "ok2", "ok3"]);
  assert.deepEqual(reports, [16, 16]);
});

Deno.test("the limit counts UTF-8 bytes, also for lines inside one large read", async () => {
  const reports: number[] = [];
  const input = encoder.encode(`ok1\n${"y".repeat(100)}\néé\nééé\nok2`);
  for (const size of [input.length, 3, 1]) {
    const lines = await linesOf(chunked(input, size), {
      maxLineBytes: 4,
      onLineTooLong: (max) => reports.push(max),
    });
    assert.deepEqual(lines, ["ok1", "éé", "ok2"], `reads of ${size} bytes`);
  }
  assert.deepEqual(reports, [4, 4, 4, 4, 4, 4]);
});

Deno.test("the default limit is 64 MiB: a longer line is dropped, the next one served", async () => {
  assert.equal(MAX_LINE_BYTES, 64 * 1024 * 1024);
  const reports: number[] = [];
  const block = new Uint8Array(1 << 20).fill(0x61);
  function* input(): Generator<Uint8Array> {
    for (let i = 0; i < 65; i++) yield block; // 65 MiB with no newline
    yield encoder.encode('\n{"after":true}\n');
  }
  const lines = await linesOf(input(), { onLineTooLong: (max) => reports.push(max) });
  assert.deepEqual(lines, ['{"after":true}']);
  assert.deepEqual(reports, [MAX_LINE_BYTES]);
});

Deno.test("a line of exactly the maximum size is accepted", async () => {
  const lines = await linesOf([encoder.encode(`${"a".repeat(16)}\nb\n`)], { maxLineBytes: 16 });
  assert.deepEqual(lines, ["a".repeat(16), "b"]);
});

Deno.test("a maximum line size that is not a positive whole number is refused", () => {
  for (const bad of [0, -1, 1.5, Number.NaN, Infinity]) {
    assert.throws(
      () => new StdioTransport(streamOf([]), noOutput, { maxLineBytes: bad }),
      (e: unknown) => e instanceof RangeError && e.message.includes(`"${bad}"`),
    );
  }
});

Deno.test("MemoryTransport routes written lines to its write callback and keeps none", async () => {
  const routed: string[] = [];
  const t = new MemoryTransport((line) => routed.push(line));
  const seen: string[] = [];
  t.deliver("queued before start");
  const done = t.start((line) => seen.push(line));
  t.deliver("after start");
  t.write("out");
  t.end();
  await done;
  assert.deepEqual(seen, ["queued before start", "after start"]);
  assert.deepEqual(routed, ["out"]);
  assert.deepEqual(t.output, []);
});

Deno.test("MemoryTransport bounds its backlog and the lines it keeps", () => {
  const t = new MemoryTransport();
  for (let i = 0; i < MAX_BACKLOG_LINES; i++) t.deliver("x");
  assert.throws(() => t.deliver("one too many"), /has not started reading/);
  for (let i = 0; i < MAX_KEPT_LINES + 2; i++) t.write("y");
  assert.equal(t.output.length, MAX_KEPT_LINES);
  assert.equal(t.droppedLines, 2);
});
