import assert from "node:assert/strict";
import { isRunDir, reportIsCurrent, writeReport } from "./mod.ts";
import { assertWellFormed, HTML_VOIDS, storedRun } from "./testing.ts";

/** Every `href` of a page that points into the run folder (not to another site or page part). */
function localLinks(html: string): string[] {
  return [...html.matchAll(/href="([^"#:]*)(#[^"]*)?"/g)]
    .map((m) => m[1] + (m[2] ?? ""))
    .filter((h) => h !== "" && !h.startsWith("/"));
}

/** Checks that a link relative to `from` (a file in the run folder) names an existing file and,
 * with a fragment, an element with that id. */
function assertResolves(runDir: string, from: string, href: string, cache: Map<string, string>) {
  const [path, fragment] = href.split("#");
  const base = from.includes("/") ? from.slice(0, from.lastIndexOf("/") + 1) : "";
  const parts: string[] = [];
  for (const seg of `${base}${path}`.split("/")) {
    if (seg === "..") parts.pop();
    else if (seg !== "." && seg !== "") parts.push(seg);
  }
  const target = parts.join("/");
  if (!path) return;
  let text = cache.get(target);
  if (text === undefined) {
    text = Deno.readTextFileSync(`${runDir}/${decodeURIComponent(target)}`);
    cache.set(target, text);
  }
  if (fragment) {
    assert.ok(text.includes(`id="${fragment}"`), `${from} links to ${href}: no such anchor`);
  }
}

Deno.test("report: an invalid echo run links every anomaly to its ops and messages", async () => {
  const store = await Deno.makeTempDir({ prefix: "glomers-report-" });
  try {
    const dir = await storedRun(
      store,
      "tests/fixtures/echo_wrong.ts",
      "-w echo --node-count 2 --time-limit 5",
      11,
    );
    assert.ok(await isRunDir(dir));
    assert.equal(await reportIsCurrent(dir), false);
    const info = await writeReport(dir);
    assert.equal(await reportIsCurrent(dir), true);
    assert.ok(info.anomalies > 0);
    const index = await Deno.readTextFile(`${dir}/index.html`);
    assertWellFormed(index, HTML_VOIDS);
    assert.match(index, /valid\? false/);
    assert.match(index, /<h2 id="anomalies">Anomalies \(\d+\)<\/h2>/);
    const anomalyItems = index.match(/<li class="anomaly[^"]*" id="anomaly-\d+">/g) ?? [];
    assert.equal(anomalyItems.length, info.anomalies);
    // Each anomaly names its ops (history rows), shows them in the diagram, lists messages.
    assert.match(index, /href="report\/history-001\.html#op-\d+"/);
    assert.match(index, /href="report\/messages-001\.html#op-\d+">show in diagram/);
    assert.match(index, /href="report\/messages-001\.html#m-\d+">message \d+<\/a>/);

    // Every local link of every page resolves, fragments included.
    const cache = new Map<string, string>();
    const pages = ["index.html"];
    for await (const e of Deno.readDir(`${dir}/report`)) pages.push(`report/${e.name}`);
    for (const page of pages) {
      const html = await Deno.readTextFile(`${dir}/${page}`);
      assertWellFormed(html, HTML_VOIDS);
      for (const href of localLinks(html)) assertResolves(dir, page, href, cache);
    }
    // The ops behind anomalies carry a badge in the diagram.
    const diagram = await Deno.readTextFile(`${dir}/report/messages-001.html`);
    assert.match(diagram, /class="op ok anomalous"/);
    assert.match(diagram, /<a href="..\/index.html#anomaly-1" class="badge">/);
  } finally {
    await Deno.remove(store, { recursive: true });
  }
});

Deno.test("report: a partitioned broadcast run has plots, shaded partitions and the same bytes twice", async () => {
  const store = await Deno.makeTempDir({ prefix: "glomers-report-" });
  try {
    const dir = await storedRun(
      store,
      "challenges/broadcast.ts",
      "-w broadcast --node-count 5 --time-limit 10 --rate 10 --nemesis partition --nemesis-interval 3",
      5,
    );
    await writeReport(dir);
    const index = await Deno.readTextFile(`${dir}/index.html`);
    assert.match(index, /valid\? true/);
    assert.doesNotMatch(index, /id="anomalies"/);
    for (const f of ["latency-raw.svg", "latency-quantiles.svg", "rate.svg"]) {
      const svg = await Deno.readTextFile(`${dir}/${f}`);
      assertWellFormed(svg);
      assert.match(svg, /<g class="partition">/, `${f} shades partitions`);
      assert.ok(index.includes(svg), `${f} is inlined in index.html`);
    }
    const diagram = await Deno.readTextFile(`${dir}/report/messages-001.html`);
    assert.equal((diagram.match(/class="lane node" data-kind="node"/g) ?? []).length, 5);
    assert.match(diagram, /<g class="partition">/);
    assert.match(diagram, /class="dropped"/);
    const before = new Map<string, string>();
    for await (const e of Deno.readDir(`${dir}/report`)) {
      before.set(e.name, await Deno.readTextFile(`${dir}/report/${e.name}`));
    }
    const indexBefore = index;
    await writeReport(dir);
    assert.equal(await Deno.readTextFile(`${dir}/index.html`), indexBefore);
    for (const [name, text] of before) {
      assert.equal(await Deno.readTextFile(`${dir}/report/${name}`), text, name);
    }
  } finally {
    await Deno.remove(store, { recursive: true });
  }
});

Deno.test("report: a folder with only a history (a run that stopped early) still gets a report", async () => {
  const dir = await Deno.makeTempDir({ prefix: "glomers-report-" });
  try {
    await Deno.writeTextFile(
      `${dir}/history.jsonl`,
      `{"index":0,"time":0,"type":"invoke","process":0,"f":"echo","value":1}\n{"truncat`,
    );
    const info = await writeReport(dir);
    assert.equal(info.anomalies, 0);
    const index = await Deno.readTextFile(`${dir}/index.html`);
    assertWellFormed(index, HTML_VOIDS);
    assert.match(index, /valid\? incomplete/);
    assert.match(index, /no <code>results\.json<\/code>/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
