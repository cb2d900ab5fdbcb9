import assert from "node:assert/strict";
import { MAX_DIAGRAM_PAGES, writeReport } from "./mod.ts";
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
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
