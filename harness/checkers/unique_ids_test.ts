import assert from "node:assert/strict";
import { parseExact } from "../json.ts";
import { simulate } from "../simulate.ts";
import type { Op } from "../types.ts";
import { checkUniqueIds, type DuplicateDetail } from "./unique_ids.ts";

/** A history of generate ops: each id is returned by its own invoke/ok pair on `node`. */
function history(ids: [unknown, string][], extraInvokes = 0): Op[] {
  const ops: Op[] = [];
  const push = (op: Omit<Op, "index" | "time">) =>
    ops.push({ ...op, index: ops.length, time: ops.length * 1e6 } as Op);
  ids.forEach(([id, node], i) => {
    push({ type: "invoke", process: i, f: "generate", value: null, node });
    push({ type: "ok", process: i, f: "generate", value: id, node });
  });
  for (let i = 0; i < extraInvokes; i++) {
    push({ type: "invoke", process: 100 + i, f: "generate", value: null, node: "n0" });
    push({ type: "info", process: 100 + i, f: "generate", value: null, node: "n0" });
  }
  return ops;
}

Deno.test("distinct ids are valid, with counts and range", () => {
  const r = checkUniqueIds(history([[3, "n0"], [1, "n1"], [2, "n2"]], 2));
  assert.deepEqual(r, {
    "valid?": true,
    "attempted-count": 5,
    "acknowledged-count": 3,
    "duplicated-count": 0,
    duplicated: {},
    range: [1, 3],
    "duplicate-details": [],
  });
});

Deno.test("an id returned by two nodes is a duplicate naming both ops and nodes", () => {
  const ops = history([["n0-1", "n0"], ["n0-2", "n0"], ["n0-1", "n1"]]);
  const r = checkUniqueIds(ops);
  assert.equal(r["valid?"], false);
  assert.equal(r["duplicated-count"], 1);
  assert.deepEqual(r.duplicated, { "n0-1": 2 });
  assert.deepEqual(r.range, ["n0-1", "n0-2"]);
  const [d] = r["duplicate-details"] as DuplicateDetail[];
  assert.equal(d.id, "n0-1");
  assert.equal(d.count, 2);
  assert.deepEqual(d.ops, [ops[1], ops[5]]);
  assert.deepEqual(d.nodes, ["n0", "n1"]);
  assert.equal(d.explanation, 'ID "n0-1" was returned 2 times: by op 1 on n0 and op 5 on n1');
});

Deno.test("ids compare by JSON value: equal arrays are duplicates", () => {
  const r = checkUniqueIds(history([[[1, 2], "n0"], [[1, 3], "n1"], [[1, 2], "n2"]]));
  assert.equal(r["valid?"], false);
  assert.deepEqual(r.duplicated, { "[1,2]": 2 });
  assert.deepEqual(r.range, [[1, 2], [1, 3]]);
});

Deno.test("mixed id kinds cannot be ordered, so the verdict is unknown", () => {
  const r = checkUniqueIds(history([[1, "n0"], ["1", "n1"]]));
  assert.equal(r["valid?"], "unknown");
  assert.match(String(r.error), /Values "1" and 1 cannot be compared|Values 1 and "1" cannot/);
  // Two JSON objects are not comparable either, even when distinct.
  assert.equal(checkUniqueIds(history([[{ a: 1 }, "n0"], [{ a: 2 }, "n1"]]))["valid?"], "unknown");
  // A single object id is fine: nothing is compared.
  assert.equal(checkUniqueIds(history([[{ a: 1 }, "n0"]]))["valid?"], true);
});

Deno.test("null ids are skipped by the range but still counted as duplicates", () => {
  const r = checkUniqueIds(history([[null, "n0"], [5, "n1"], [null, "n2"]]));
  assert.deepEqual(r.range, [5, 5]);
  assert.deepEqual(r.duplicated, { null: 2 });
  assert.equal(r["valid?"], false);
});

Deno.test("no acks: range [null, null], valid", () => {
  const r = checkUniqueIds(history([], 3));
  assert.deepEqual(r.range, [null, null]);
  assert.equal(r["valid?"], true);
  assert.equal(r["attempted-count"], 3);
});

Deno.test("duplicated keeps the 48 most frequent, highest ids winning ties", () => {
  const ids: [unknown, string][] = [];
  for (let id = 0; id < 50; id++) ids.push([id, "n0"], [id, "n1"]);
  ids.push([0, "n2"]); // id 0 appears three times, so it is kept despite being lowest
  const r = checkUniqueIds(history(ids));
  assert.equal(r["duplicated-count"], 50);
  const kept = Object.keys(r.duplicated as object).map(Number).sort((a, b) => a - b);
  assert.equal(kept.length, 48);
  assert.deepEqual(kept, [0, ...Array.from({ length: 47 }, (_, i) => i + 3)]);
  assert.equal((r.duplicated as Record<string, number>)["0"], 3);
});

Deno.test("64-bit ids that differ only past double precision are told apart", async () => {
  // The fixture's ids are 2^60 + k: doubles there are 256 apart, so JSON.parse would merge them.
  const run = await simulate(
    "tests/fixtures/ids_64bit.ts",
    "-w unique-ids --node-count 3 --time-limit 3 --rate 100",
    1,
  );
  const w = run.results.workload as Record<string, unknown>;
  assert.equal(w["valid?"], true);
  // Every request was answered, and no two answers collapsed into one.
  assert.ok((w["acknowledged-count"] as number) > 250);
  assert.equal(w["acknowledged-count"], w["attempted-count"]);
  assert.equal(w["duplicated-count"], 0);
  const [lo, hi] = w.range as bigint[];
  assert.equal(lo, 1n << 60n);
  assert.equal(typeof hi, "bigint");
  assert.ok(hi > lo && hi < (1n << 60n) + 1000n);
  // Results files write the ids back with every digit.
  assert.match(JSON.stringify(w.range), /^\[1152921504606846976,115292150460684\d{4}\]$/);
});

Deno.test("a genuine duplicate of a 64-bit id is caught, named by its exact digits", async () => {
  const run = await simulate(
    "tests/fixtures/ids_64bit.ts",
    "-w unique-ids --node-count 3 --time-limit 3 --rate 100 -- dup",
    1,
  );
  const w = run.results.workload as Record<string, unknown>;
  assert.equal(w["valid?"], false);
  assert.equal(w["duplicated-count"], 1);
  assert.deepEqual(w.duplicated, { "1152921504606846976": 2 });
});

Deno.test("ids compare as Clojure values: 1 and 1.0 differ, big integers exactly", () => {
  const acks = (ids: unknown[]): Op[] =>
    ids.flatMap((value, i) =>
      [
        { index: 2 * i, time: 2 * i, type: "invoke", process: 0, f: "generate", value: null },
        { index: 2 * i + 1, time: 2 * i + 1, type: "ok", process: 0, f: "generate", value },
      ] as Op[]
    );
  const distinct = checkUniqueIds(
    acks([1, parseExact("1.0"), 9007199254740993n, 9007199254740992n]),
  );
  assert.equal(distinct["valid?"], true);
  // Clojure's compare finds 1 and 1.0 equal, so the range's low end is whichever came last.
  assert.equal(JSON.stringify(distinct.range), "[1.0,9007199254740993]");
  const dup = checkUniqueIds(acks([parseExact("2.0"), parseExact("2.00"), 12345678901234567891n]));
  assert.equal(dup["valid?"], false);
  assert.deepEqual(dup.duplicated, { "2.0": 2 });
});
