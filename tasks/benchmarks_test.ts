import assert from "node:assert/strict";
import {
  BENCH_DIR,
  BENCH_PAGE,
  FAMILIES,
  loadSections,
  recordSection,
  renderBenchmarks,
  type Section,
} from "./benchmarks.ts";

const section = (id: string, figure: string): Section => ({
  id,
  title: id,
  command: `deno task bench:${id}`,
  date: "2026-12-02 12:00 UTC",
  machine: { cores: 2, memoryGiB: 24, deno: "2.5.0", os: "linux x86_64" },
  tables: [{ head: ["figure"], rows: [[figure]] }],
  notes: [],
});

Deno.test("BENCHMARKS.md is the rendering of benchmarks/*.json, not hand-edited", () => {
  assert.equal(
    Deno.readTextFileSync(BENCH_PAGE),
    renderBenchmarks(loadSections(BENCH_DIR)),
    "BENCHMARKS.md differs from its sections: run `deno task benchmarks`.",
  );
});

Deno.test("recording one bench replaces its own section and leaves the others", () => {
  const dir = Deno.makeTempDirSync({ prefix: "glomers-benchmarks-" });
  const page = `${dir}/BENCHMARKS.md`;
  try {
    recordSection(section("counter", "0.26"), dir, page);
    recordSection(section("txn", "0.016"), dir, page);
    recordSection(
      { ...section("counter", "0.31"), date: undefined, machine: undefined },
      dir,
      page,
    );
    const text = Deno.readTextFileSync(page);
    assert.ok(text.includes("| 0.31 |") && !text.includes("| 0.26 |"), text);
    assert.ok(text.includes("| 0.016 |"), text);
    // A fresh record says when and where it was measured.
    const counter = loadSections(dir).find((s) => s.id === "counter")!;
    assert.match(counter.date, /^\d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
    assert.equal(counter.machine.cores, navigator.hardwareConcurrency);
    assert.ok(counter.machine.deno && counter.machine.memoryGiB);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("a page shows command, date, machine, staleness and published sources", () => {
  const page = renderBenchmarks([
    { ...section("broadcast", "2.13"), stale: "measured before the verdict-parity changes" },
    section("kafka-naive", "12.53"),
  ]);
  assert.ok(page.includes("- Command: `deno task bench:broadcast`"));
  assert.ok(page.includes("2026-12-02 12:00 UTC (measured before the verdict-parity changes)"));
  assert.ok(page.includes("- Machine: 2 cores, 24 GiB, Deno 2.5.0, linux x86_64"));
  assert.ok(
    page.includes("[teivah/gossip-glomers, README](https://github.com/teivah/gossip-glomers)"),
  );
  // A variant lands under its family's heading, and unmeasured families say how to measure them.
  assert.ok(page.indexOf("### kafka-naive") > page.indexOf("## Kafka-style log (5c)"));
  assert.ok(page.includes("Not measured yet: run `deno task bench:echo`."));
});

Deno.test("every published figure links a public source", () => {
  for (const f of FAMILIES) {
    for (const p of f.published) assert.match(p.url, /^https:\/\/[^\s]+$/, p.source);
  }
});

Deno.test("a malformed section is refused in a sentence naming its file", () => {
  const dir = Deno.makeTempDirSync({ prefix: "glomers-benchmarks-" });
  try {
    Deno.writeTextFileSync(`${dir}/echo.json`, JSON.stringify({ id: "echo", title: "x" }));
    assert.throws(() => loadSections(dir), /The benchmark section ".*echo\.json" is malformed/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
