import assert from "node:assert/strict";
import type { BeyondMaelstrom, Op, OpType } from "../types.ts";
import type { NodeProblem } from "../nodes/process.ts";
import { checkNodes, checkStats, collectBeyondMaelstrom, withBeyondMaelstrom } from "./core.ts";

function history(spec: [f: string, type: OpType, exception?: string][]): Op[] {
  const ops: Op[] = [];
  for (const [f, type, exception] of spec) {
    ops.push({ index: ops.length, time: ops.length, type: "invoke", process: 0, f, value: null });
    ops.push({
      index: ops.length,
      time: ops.length,
      type,
      process: 0,
      f,
      value: null,
      ...(exception ? { exception: { class: exception, message: "Malformed RPC response" } } : {}),
    });
  }
  return ops;
}

Deno.test("stats blames failures and timeouts when no reply was malformed", () => {
  const r = checkStats(history([["read", "fail"], ["read", "info"]]));
  assert.equal(r["valid?"], false);
  assert.equal(r.explanation, `No "read" operation ever succeeded: every one failed or timed out`);
});

Deno.test("stats says so when the replies were malformed, not failed", () => {
  const all = checkStats(history([["read", "info", "MalformedReply"], [
    "read",
    "info",
    "MalformedReply",
  ]]));
  assert.equal(all["valid?"], false);
  assert.match(
    String(all.explanation),
    /^No "read" operation ever succeeded: every one of the 2 got a malformed reply \(/,
  );
  assert.doesNotMatch(String(all.explanation), /failed or timed out/);

  const some = checkStats(history([
    ["read", "info", "MalformedReply"],
    ["read", "fail"],
    ["add", "info"],
  ]));
  assert.match(
    String(some.explanation),
    /^No "add", "read" operation ever succeeded: "add": every one failed or timed out; "read": 1 of 2 got a malformed reply, the rest failed or timed out/,
  );
});

const finding: BeyondMaelstrom = {
  anomaly: "unexpected-values",
  message: `Reads returned "7", which no client broadcast.`,
  ops: [3],
};

Deno.test("beyond-Maelstrom findings are listed but keep Maelstrom's verdict by default", () => {
  const r = withBeyondMaelstrom({ "valid?": true, "stable-count": 3 }, [finding], {});
  assert.equal(r["valid?"], true);
  assert.deepEqual(r["beyond-maelstrom"], [finding]);
  assert.equal(r.explanation, undefined);
  // An unknown or false verdict is not changed either.
  assert.equal(withBeyondMaelstrom({ "valid?": "unknown" }, [finding], {})["valid?"], "unknown");
  // No findings: an empty list, so results.json shows the checks ran.
  assert.deepEqual(withBeyondMaelstrom({ "valid?": true }, [], { strict: true }), {
    "valid?": true,
    "beyond-maelstrom": [],
  });
});

Deno.test("under --strict, beyond-Maelstrom findings make the result invalid", () => {
  const r = withBeyondMaelstrom({ "valid?": true }, [finding], { strict: true });
  assert.equal(r["valid?"], false);
  assert.match(String(r.explanation), /^Under --strict, 1 finding\(s\) .*"unexpected-values"/);
  const u = withBeyondMaelstrom({ "valid?": "unknown" }, [finding], { strict: true });
  assert.equal(u["valid?"], false);
  const f = withBeyondMaelstrom(
    { "valid?": false, explanation: "1 value was lost" },
    [finding],
    { strict: true },
  );
  assert.match(String(f.explanation), /^1 value was lost\. Under --strict/);
});

Deno.test("collectBeyondMaelstrom names each finding's checker", () => {
  const all = collectBeyondMaelstrom({
    "valid?": true,
    workload: { "valid?": true, "beyond-maelstrom": [finding] },
    nodes: {
      "valid?": true,
      "beyond-maelstrom": [{ anomaly: "bad-stdout-line", message: "Node n1 wrote junk." }],
    },
    stats: { "valid?": true },
  });
  assert.deepEqual(all.map((f) => [f.checker, f.anomaly]), [
    ["workload", "unexpected-values"],
    ["nodes", "bad-stdout-line"],
  ]);
});

const badLine: NodeProblem = {
  node: "n1",
  kind: "bad-line",
  message: `Node "n1" wrote a line Maelstrom cannot accept (it is not JSON; logs belong on stderr)`,
  line: "hello",
  atMs: 1200,
};
const crash: NodeProblem = {
  node: "n2",
  kind: "crashed",
  message: `Node "n2" crashed with exit status 1 while the test was running`,
  status: { code: 1, signal: null },
  stderrTail: ["boom"],
  atMs: 3000,
};

Deno.test("a bad stdout line is a finding, not a failure, unless --strict", () => {
  const r = checkNodes([badLine], {});
  // Maelstrom logs the line and ignores the node's later output; other checkers decide.
  assert.equal(r["valid?"], true);
  assert.deepEqual(r.problems, [badLine]);
  const [f] = r["beyond-maelstrom"] as BeyondMaelstrom[];
  assert.equal(f.anomaly, "bad-stdout-line");
  assert.equal(f.node, "n1");
  assert.match(f.message, /not JSON.*Maelstrom only logs such a line.*the line was "hello"$/);
  const strict = checkNodes([badLine], { strict: true });
  assert.equal(strict["valid?"], false);
  assert.match(String(strict.explanation), /"bad-stdout-line"/);
});

Deno.test("a crashed node still makes the nodes result invalid", () => {
  const r = checkNodes([crash, badLine], {});
  assert.equal(r["valid?"], false);
  assert.equal(r.explanation, crash.message);
  assert.equal((r["beyond-maelstrom"] as BeyondMaelstrom[]).length, 1);
  assert.deepEqual(checkNodes([], {}), { "valid?": true, problems: [], "beyond-maelstrom": [] });
});
