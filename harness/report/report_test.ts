import assert from "node:assert/strict";
import { findAnomalies, opsOf } from "../anomalies.ts";
import { LABEL_CHARS, pageOfMessage, pageOfTime, planDiagram } from "./lamport.ts";
import { messageLabel, renderPage } from "./lamport_render.ts";
import { pairOps } from "../ops.ts";
import { compareIds, deriveRun, describeCut, partitionsOf } from "./load.ts";
import { latencyPlot, latencyQuantilesPlot, ratePlot } from "./plots.ts";
import { attr, esc, fmtMs, niceTicks, ticksUpTo } from "./svg.ts";
import { assertWellFormed, sampleRun } from "./testing.ts";
import type { JournalEntry } from "../network.ts";
import type { Op } from "../types.ts";

/** The `<g class="msg" ...>...</g>` element of message `id` in a page body. */
function msgElement(body: string, id: number): string {
  const start = body.indexOf(`<g class="msg" id="m-${id}">`);
  assert.ok(start >= 0, `message ${id} has no anchor`);
  return body.slice(start, body.indexOf("</g>", start) + 4);
}

Deno.test("load: ops pair into spans, partitions come from the nemesis's completions", () => {
  const run = sampleRun();
  assert.deepEqual(run.spans.map((s) => s.type), ["ok", "fail", "info", "pending"]);
  assert.equal(run.spans[0].endMs - run.spans[0].startMs, 2);
  assert.equal(run.spans[3].endMs, run.endMs, "a pending op lasts until the end of the run");
  assert.equal(run.spanOf[1], run.spans[0], "the completion maps to its span");
  assert.equal(run.spanOf[4], undefined, "nemesis ops have no span");
  assert.equal(run.partitions.length, 1);
  assert.deepEqual(
    [run.partitions[0].startMs, run.partitions[0].endMs, run.partitions[0].label],
    [30, 60, "n0 | n1"],
  );
  assert.deepEqual(run.nodes, ["n0", "n1"], "servers come from the journal without test.json");
});

Deno.test("load: a partition never stopped lasts until the end; cuts are described by sides", () => {
  const ops = [
    {
      index: 0,
      time: 5e6,
      type: "info",
      process: "nemesis",
      f: "start-partition",
      value: ["isolated", { n2: ["n0", "n1"], n0: ["n2"], n1: ["n2"] }],
    },
  ] as Op[];
  const [p] = partitionsOf(ops, 99);
  assert.deepEqual([p.startMs, p.endMs, p.label, p.isolated], [5, 99, "n2 | n0 n1", ["n2"]]);
  // A majorities ring is no clean split: each one-way drop is listed.
  assert.equal(
    describeCut({ n0: ["n2"], n1: ["n3"], n2: ["n0"] }),
    "n0✗n2 · n1✗n3 · n2✗n0",
  );
  assert.deepEqual(["n10", "n2", "c3", "lin-kv"].sort(compareIds), ["c3", "lin-kv", "n2", "n10"]);
  const { spans } = pairOps([
    { index: 0, time: 0, type: "invoke", process: 0, f: "x", value: 1 },
    { index: 1, time: 1e6, type: "invoke", process: 1, f: "x", value: 2 },
    { index: 2, time: 3e6, type: "ok", process: 0, f: "x", value: 1 },
  ], 10);
  assert.deepEqual(spans.map((s) => [s.type, s.endMs]), [["ok", 3], ["pending", 10]]);
});

Deno.test("lamport: lanes are nodes, then services, then clients; init is left out", () => {
  const run = sampleRun();
  const plan = planDiagram(run);
  assert.deepEqual(
    plan.lanes.map((l) => `${l.kind}:${l.id}`),
    ["node:n0", "node:n1", "service:lin-kv", "client:c1", "client:c2"],
  );
  assert.equal(plan.initCount, 1);
  assert.equal(plan.messages.length, 12);
  // x grows left to right.
  for (let i = 1; i < plan.lanes.length; i++) assert.ok(plan.lanes[i].x > plan.lanes[i - 1].x);
});

Deno.test("lamport: clients whose lifetimes never overlap share a line", () => {
  const journal: JournalEntry[] = [];
  // c5 talks at 0-1 ms, c7 at 5-20 ms, c6 at 10-11 ms: c7 takes c5's line after it; c6
  // overlaps c7 and needs a line of its own.
  const add = (src: string, dest: string, t: number) =>
    journal.push({ id: journal.length, src, dest, body: { type: "x" }, sentMs: t, recvMs: t });
  add("c5", "n0", 0);
  add("n0", "c5", 1);
  add("c7", "n0", 5);
  add("c6", "n0", 10);
  add("n0", "c6", 11);
  add("n0", "c7", 20);
  const run = deriveRun({ dir: "x", history: [], journal, nodeLogs: [] });
  const plan = planDiagram(run);
  const clients = plan.lanes.filter((l) => l.kind === "client");
  assert.deepEqual(clients.map((l) => l.clients), [["c5", "c7"], ["c6"]]);
  assert.equal(plan.laneOf.get("c5"), plan.laneOf.get("c7"));
});

Deno.test("lamport: one page draws every message, op, partition and label as specified", () => {
  const run = sampleRun();
  const plan = planDiagram(run);
  assert.equal(plan.pages.length, 1);
  const page = renderPage(run, plan, 0);
  const body = page.body;
  assertWellFormed(body);
  assertWellFormed(page.header);

  assert.equal((body.match(/class="lane node" data-kind="node"/g) ?? []).length, 2);
  assert.equal((body.match(/data-kind="client"/g) ?? []).length, 2);
  assert.equal((body.match(/data-kind="service"/g) ?? []).length, 1);
  assert.equal(page.counts.messages, 12);
  assert.equal(page.counts.dropped, 1);
  assert.equal(page.counts.errors, 2);
  assert.equal(page.counts.ops, 4);
  for (const m of plan.messages) msgElement(body, m.id);

  // Error replies are pink (class error), dropped messages end in a cross.
  assert.match(msgElement(body, 5), /<line class="error"/);
  assert.match(msgElement(body, 7), /<line class="error"/);
  assert.match(msgElement(body, 8), /class="dropped"[^]*✗/);
  assert.match(msgElement(body, 8), /dropped \(partition\)/);
  assert.match(msgElement(body, 12), /never delivered[^]*>\?<\/text>/);
  assert.match(msgElement(body, 11), /<path class="server"/, "a self-message is a loop");
  // Client-to-node arrows are client-coloured; node-to-service ones service-coloured.
  assert.match(msgElement(body, 1), /<line class="client"/);
  assert.match(msgElement(body, 4), /<line class="service"/);

  // Labels: type first, cut to LABEL_CHARS, the full body in the tooltip.
  const long = msgElement(body, 10);
  const label = /<text class="label[^"]*"[^>]*>([^<]*)<\/text>/.exec(long)![1];
  assert.ok(label.startsWith("gossip values="), label);
  assert.ok(label.length <= LABEL_CHARS, label);
  assert.ok(label.endsWith("…"));
  assert.ok(long.includes(`"a much longer body to be cut",1,2,3,4,5,6]`), "full body in <title>");

  // Ops: anchored by both history indexes, coloured by outcome.
  assert.match(body, /<g class="op-span" id="op-1">[^]*?<rect id="op-0" class="op ok"/);
  assert.match(body, /<g class="op-span" id="op-3">[^]*?<rect id="op-2" class="op fail"/);
  assert.match(body, /<rect id="op-6" class="op info"/);
  assert.match(body, /<rect id="op-10" class="op pending"/);
  // The partition is a band, with n0 | n1 named.
  assert.match(body, /<g class="partition"><title>Partition from 30 ms to 60 ms: n0 \| n1/);
});

Deno.test("lamport: arrows run downwards, and events at the same instant get rows of their own", () => {
  const run = sampleRun();
  const plan = planDiagram(run);
  const body = renderPage(run, plan, 0).body;
  const ys: number[] = [];
  for (const m of plan.messages) {
    const line =
      /<line class="(?:client|server|service|error)[^"]*" x1="[^"]+" y1="([^"]+)" x2="[^"]+" y2="([^"]+)"/
        .exec(msgElement(body, m.id));
    if (!line) continue;
    const [y1, y2] = [Number(line[1]), Number(line[2])];
    assert.ok(y2 > y1, `message ${m.id} goes down (${y1} → ${y2})`);
    ys.push(y1);
  }
  // Messages 9 and 10 are both sent at exactly 40 ms: distinct rows, in id order.
  const y9 = Number(/y1="([^"]+)"/.exec(msgElement(body, 9))![1]);
  const y10 = Number(/y1="([^"]+)"/.exec(msgElement(body, 10))![1]);
  assert.ok(y10 > y9, `${y9} < ${y10}`);
  assert.equal(new Set(ys).size, ys.length, "no two sends share a row");
});

Deno.test("lamport: big journals split into pages of bounded size, each message anchored once", () => {
  const journal: JournalEntry[] = [];
  const history: Op[] = [];
  for (let i = 0; i < 500; i++) {
    const t = i * 7.3;
    journal.push({
      id: journal.length,
      src: "c1",
      dest: `n${i % 3}`,
      body: { type: "op", k: i },
      sentMs: t,
      recvMs: t + 0.5,
    });
    journal.push({
      id: journal.length,
      src: `n${i % 3}`,
      dest: `n${(i + 1) % 3}`,
      body: { type: "g" },
      sentMs: t + 1,
      recvMs: t + 40,
    });
    history.push({
      index: history.length,
      time: t * 1e6,
      type: "invoke",
      process: 0,
      f: "op",
      value: i,
      client: "c1",
    });
    history.push({
      index: history.length,
      time: (t + 0.5) * 1e6,
      type: "ok",
      process: 0,
      f: "op",
      value: i,
      client: "c1",
    });
  }
  const run = deriveRun({ dir: "x", history, journal, nodeLogs: [] });
  const plan = planDiagram(run, { maxEventsPerPage: 100 });
  assert.ok(plan.pages.length >= 20, `${plan.pages.length} pages`);
  let anchors = 0, opAnchors = 0;
  plan.pages.forEach((p, i) => {
    assert.ok(p.to - p.from <= 100);
    assert.ok(p.to > p.from);
    if (i > 0) assert.equal(p.from, plan.pages[i - 1].to, "pages are contiguous");
    const body = renderPage(run, plan, i).body;
    assertWellFormed(body);
    anchors += (body.match(/<g class="msg" id="m-/g) ?? []).length;
    opAnchors += (body.match(/<rect id="op-/g) ?? []).length;
  });
  assert.equal(anchors, journal.length, "every message is anchored on exactly one page");
  assert.equal(opAnchors, 500, "every op is anchored on exactly one page");
  // The anchor of a message and of an op is where the lookups say it is.
  for (const id of [0, 333, 999]) {
    const page = pageOfMessage(plan, id);
    assert.ok(renderPage(run, plan, page).body.includes(`id="m-${id}"`));
  }
  const op = history[601];
  assert.ok(
    renderPage(run, plan, pageOfTime(plan, op.time / 1e6)).body.includes(`id="op-${op.index}"`),
  );
});

Deno.test("lamport: message labels put the type first and ids last", () => {
  assert.equal(
    messageLabel({ type: "read_ok", msg_id: 3, in_reply_to: 1, messages: [1, 2] }),
    "read_ok messages=[1,2] msg_id=3 in_reply_to=1",
  );
  assert.equal(messageLabel({ type: "topology" }), "topology");
});

Deno.test("plots: points, lines, legend and partitions; log scale only for a wide spread", () => {
  const run = sampleRun();
  const latency = latencyPlot(run, { opHref: (i) => `h.html#op-${i}` });
  assertWellFormed(latency);
  // Three completed ops: ok (circle, f read), fail (square, f add), info (circle).
  assert.equal((latency.match(/<a href="h.html#op-\d+">/g) ?? []).length, 3);
  assert.match(latency, /<text class="legend"[^>]*>ok</);
  assert.match(latency, /<text class="legend"[^>]*>fail</);
  assert.match(latency, /<text class="legend"[^>]*>info</);
  assert.match(latency, /<g class="partition">/);
  // 2 ms, 5 ms and 50 ms: a factor of 25, so a log scale.
  assert.match(latency, /log scale/);

  const quantiles = latencyQuantilesPlot(run);
  assertWellFormed(quantiles);
  assert.equal((quantiles.match(/<polyline class="q"/g) ?? []).length, 4);

  const rate = ratePlot(run);
  assertWellFormed(rate);
  // read ok, read info, add fail.
  assert.equal((rate.match(/<polyline class="r /g) ?? []).length, 3);

  // Latencies within a factor of 20 use a linear scale from zero.
  const narrow = deriveRun({
    dir: "x",
    journal: [],
    nodeLogs: [],
    history: [
      { index: 0, time: 0, type: "invoke", process: 0, f: "x", value: 1 },
      { index: 1, time: 4e6, type: "ok", process: 0, f: "x", value: 1 },
      { index: 2, time: 5e6, type: "invoke", process: 0, f: "x", value: 1 },
      { index: 3, time: 15e6, type: "ok", process: 0, f: "x", value: 1 },
    ],
  });
  const linear = latencyPlot(narrow);
  assert.doesNotMatch(linear, /log scale/);
  assert.match(linear, />0 ms</);
});

Deno.test("plots: an empty run still draws well-formed, labelled axes", () => {
  const empty = deriveRun({ dir: "x", history: [], journal: [], nodeLogs: [] });
  for (const svg of [latencyPlot(empty), latencyQuantilesPlot(empty), ratePlot(empty)]) {
    assertWellFormed(svg);
    assert.match(svg, /time since the test started/);
  }
});

Deno.test("anomalies: records with explanations, the ops they name, node problems, fallbacks", () => {
  const op = (index: number) => ({ index, time: 0, type: "ok", process: 0, f: "echo", value: 1 });
  const found = findAnomalies({
    "valid?": false,
    stats: { "valid?": true, explanation: "ignored: this checker passed" },
    workload: {
      "valid?": false,
      explanation: "2 errors (a summary, not an anomaly)",
      "error-details": [{ invoke: op(4), complete: op(5), node: "n1", explanation: "Op 4 ..." }],
      "lost-details": [{
        element: 7,
        "known-index": 9,
        explanation: "Value 7 acknowledged by op 9",
      }],
      "poll-skip": {
        count: 1,
        errs: [{ reader: 12, writer: 3, index: 77, explanation: "Op 12 skipped" }],
      },
    },
    availability: { "valid?": "unknown", error: "Boom\nstack" },
    nodes: {
      "valid?": false,
      problems: [{
        node: "n2",
        kind: "crashed",
        message: "Node n2 crashed",
        stderrTail: ["panic"],
      }],
    },
  });
  assert.deepEqual(
    found.map((a) => [a.checker, a.kind, a.ops, a.node]),
    [
      ["workload", "error-details", [4, 5], "n1"],
      ["workload", "lost-details", [9], undefined],
      ["workload", "errs", [12, 3], undefined],
      ["availability", undefined, [], undefined],
      ["nodes", "crashed", [], "n2"],
    ],
  );
  assert.equal(found[0].path, `workload["error-details"][0]`);
  assert.equal(found[2].path, `workload["poll-skip"].errs[0]`);
  assert.equal(found[3].explanation, "Boom");
  assert.deepEqual(found[4].details, ["last stderr lines:", "panic"]);
  assert.deepEqual(findAnomalies({ "valid?": true, workload: { "valid?": true } }), []);
  assert.deepEqual(findAnomalies(undefined), []);
  // "op N" in the sentence counts too; a plain "index" (kafka's log position) does not.
  assert.deepEqual(opsOf({ index: 3, explanation: "Ops 7 and op 8 disagree" }), [7, 8]);
});

Deno.test("svg: escaping, ticks and durations", () => {
  assert.equal(esc(`<a & "b">`), `&lt;a &amp; "b"&gt;`);
  assert.equal(attr(`"x" & 'y'`), "&quot;x&quot; &amp; &#39;y&#39;");
  assert.deepEqual(niceTicks(0, 1, 4), [0, 0.25, 0.5, 0.75, 1]);
  assert.deepEqual(niceTicks(0, 19.9, 10), [0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
  assert.deepEqual(ticksUpTo(480, 5), [0, 100, 200, 300, 400, 500]);
  assert.deepEqual(ticksUpTo(400, 4), [0, 100, 200, 300, 400]);
  assert.deepEqual(ticksUpTo(0, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual([fmtMs(0), fmtMs(0.25), fmtMs(3.5), fmtMs(42.4), fmtMs(5222)], [
    "0 ms",
    "0.25 ms",
    "3.5 ms",
    "42 ms",
    "5.22 s",
  ]);
});
