import assert from "node:assert/strict";
import type { OpSpan } from "../ops.ts";
import { MAX_DIAGRAM_PAGES, pickPages, thinSpans, writeReport } from "./mod.ts";
import { writeSyntheticRun } from "./testing.ts";

/** Total bytes of every file under `dir`. */
async function bytesUnder(dir: string): Promise<{ files: number; bytes: number }> {
  let files = 0, bytes = 0;
  for await (const e of Deno.readDir(dir)) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory) {
      const sub = await bytesUnder(path);
      files += sub.files;
      bytes += sub.bytes;
    } else if (e.isFile) {
      files++;
      bytes += (await Deno.stat(path)).size;
    }
  }
  return { files, bytes };
}

Deno.test("report: a run of 300k messages draws at most the page cap and says what it left out", async () => {
  const dir = await Deno.makeTempDir({ prefix: "glomers-big-run-" });
  try {
    const { partitionStartMs } = await writeSyntheticRun(dir, { messages: 300_000, ops: 20_000 });
    const runBytes = (await bytesUnder(dir)).bytes;
    const info = await writeReport(dir);
    assert.ok(info.diagramPagesInRun > 10 * MAX_DIAGRAM_PAGES, `${info.diagramPagesInRun} pages`);
    assert.equal(info.diagramPages, MAX_DIAGRAM_PAGES);
    const pages = [...Deno.readDirSync(`${dir}/report`)].filter((e) =>
      /^messages-\d+\.html$/.test(e.name)
    );
    assert.equal(pages.length, MAX_DIAGRAM_PAGES);
    // Everything the report added (index, plots, diagram and history pages) stays small.
    const reportBytes = (await bytesUnder(dir)).bytes - runBytes;
    assert.ok(reportBytes < 64 * 2 ** 20, `report is ${reportBytes} bytes`);

    const index = await Deno.readTextFile(`${dir}/index.html`);
    assert.match(
      index,
      new RegExp(
        `The diagram of this run has ${info.diagramPagesInRun} pages; ${MAX_DIAGRAM_PAGES} are drawn`,
      ),
    );
    assert.match(index, /are left out, covering \d+\.\d{3} s–\d+\.\d{3} s/);
    // The page where the partition starts is among those drawn.
    const drawsPartitionStart = pages.some((p) => {
      const html = Deno.readTextFileSync(`${dir}/report/${p.name}`);
      const m = /<b>messages ([\d.]+) – ([\d.]+) s/.exec(html);
      return m !== null && Number(m[1]) * 1000 <= partitionStartMs &&
        partitionStartMs <= Number(m[2]) * 1000;
    });
    assert.ok(drawsPartitionStart, "the partition's first page is drawn");

    // With a cap of three history pages, only three are written, the index says so, and the
    // navigation and op links never lead to a page that is not there.
    const capped = await writeReport(dir, { maxHistoryPages: 3 });
    assert.equal(capped.historyPages, 3);
    assert.equal(capped.historyPagesInRun, 9);
    const history = [...Deno.readDirSync(`${dir}/report`)]
      .map((e) => e.name).filter((n) => /^history-\d+\.html$/.test(n)).sort();
    assert.equal(history.length, 3);
    const cappedIndex = await Deno.readTextFile(`${dir}/index.html`);
    assert.match(cappedIndex, /The history has 9 table pages; 3 are written/);
    for (const name of [...history, "../index.html"]) {
      const html = await Deno.readTextFile(`${dir}/report/${name}`);
      for (const [, target] of html.matchAll(/href="(?:\.\.\/)?report\/(history-\d+\.html)/g)) {
        assert.ok(history.includes(target), `${name} links to ${target}, which was not written`);
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("report: page picking keeps the ends and the wanted pages, and never exceeds the cap", () => {
  assert.deepEqual(pickPages(5, [], 40), [0, 1, 2, 3, 4]);
  assert.deepEqual(pickPages(100, [50], 6), [0, 1, 50, 51, 98, 99]);
  const many = pickPages(1000, [500, 700, -1, 1000, 2.5], 10);
  assert.equal(many.length, 10);
  for (const p of [0, 1, 998, 999, 500, 700]) assert.ok(many.includes(p), `page ${p}`);
  assert.deepEqual(many, [...many].sort((a, b) => a - b));
  // More wanted pages than room: the cap wins.
  assert.equal(pickPages(1000, Array.from({ length: 100 }, (_, i) => i * 10), 10).length, 10);
});

Deno.test("report: the raw latency plot keeps every failed op and thins ok ones to the cap", () => {
  const spans = Array.from({ length: 50_000 }, (_, i) =>
    ({
      invoke: { index: 2 * i },
      type: i % 1000 === 7 ? "fail" : i % 1000 === 8 ? "info" : "ok",
      startMs: i,
      endMs: i + 1,
    }) as unknown as OpSpan);
  const thin = thinSpans(spans, 1000);
  assert.equal(thin.length, 1000);
  assert.equal(thin.filter((s) => s.type !== "ok").length, 100, "all 100 failed and info ops");
  assert.deepEqual(thin, [...thin].sort((a, b) => a.startMs - b.startMs), "in order");
  // The ok ops kept are spread over the whole run, not bunched at its start.
  const ok = thin.filter((s) => s.type === "ok");
  assert.ok(ok[ok.length - 1].startMs > 49_000, `last kept ok op at ${ok[ok.length - 1].startMs}`);
  assert.equal(thinSpans(spans.slice(0, 10), 1000).length, 10);
});
