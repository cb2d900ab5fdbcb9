import assert from "node:assert/strict";
import {
  boundary,
  CONSISTENCY_MODEL_NAMES,
  impliedAnomalies,
  isKnownModel,
  prohibitedAnomalies,
  suggestModel,
} from "./models.ts";
import { checkRwRegister } from "./rw_register.ts";
import { checkListAppend } from "./list_append.ts";
import type { CheckResult, Op } from "../../types.ts";

/** A sequential history: each transaction is invoked (reads nulled) and completes ok, each on
 * its own process. */
function history(...txns: [string, unknown, unknown][][]): Op[] {
  const ops: Op[] = [];
  txns.forEach((value, process) => {
    const invoked = value.map(([f, k, v]) => [f, k, f === "r" ? null : v]);
    for (const [type, v] of [["invoke", invoked], ["ok", value]] as const) {
      ops.push({ index: ops.length, time: ops.length, type, process, f: "txn", value: v });
    }
  });
  return ops;
}

const types = (r: CheckResult) => r["anomaly-types"] as string[] | undefined;

Deno.test("every model name of Elle 0.2.2 is accepted, including the ones we lacked", () => {
  for (
    const name of [
      "strong-serializable",
      "cursor-stability",
      "update-atomic",
      "parallel-snapshot-isolation",
      "prefix",
      "conflict-serializable",
      "view-serializable",
      "PRAM",
      "monotonic-reads",
      "monotonic-writes",
      "read-your-writes",
      "writes-follow-reads",
      "session-serializable",
      "1SR",
      "PL-CS",
      "PL-SS",
    ]
  ) {
    assert.ok(isKnownModel(name), name);
    assert.ok(CONSISTENCY_MODEL_NAMES.includes(name), name);
  }
  assert.equal(isKnownModel("strict-serialisable"), false);
  // Each name runs through both checkers on a small valid history.
  const rw = history([["w", 1, 1]], [["r", 1, 1], ["w", 1, 2]], [["r", 1, 2]]);
  const la = history([["append", 1, 1]], [["r", 1, [1]], ["append", 1, 2]], [["r", 1, [1, 2]]]);
  for (const name of CONSISTENCY_MODEL_NAMES) {
    assert.deepEqual(checkRwRegister(rw, { consistencyModels: [name] }), { "valid?": true }, name);
    assert.deepEqual(checkListAppend(la, { consistencyModels: [name] }), { "valid?": true }, name);
  }
});

Deno.test("Elle's model-to-anomaly mapping: cursor-stability, update-atomic, prefix", () => {
  const cs = prohibitedAnomalies(["cursor-stability"]);
  assert.ok(cs.has("lost-update") && cs.has("G-cursor") && cs.has("G1c"));
  assert.ok(!cs.has("G2-item") && !cs.has("internal"));
  assert.ok(prohibitedAnomalies(["update-atomic"]).has("lost-update"));
  assert.ok(prohibitedAnomalies(["prefix"]).has("internal"));
  assert.ok(!prohibitedAnomalies(["prefix"]).has("lost-update"));
  // Synonyms prohibit the same anomalies.
  assert.deepEqual(
    prohibitedAnomalies(["strong-serializable"]),
    prohibitedAnomalies(["strict-serializable"]),
  );
  assert.deepEqual(
    prohibitedAnomalies(["conflict-serializable"]),
    prohibitedAnomalies(["serializable"]),
  );
  for (const name of ["linearizable", "PRAM", "view-serializable", "1SR"]) {
    assert.equal(prohibitedAnomalies([name]).size, 0, name);
  }
  assert.throws(() => prohibitedAnomalies(["nope"]), /Unknown consistency model "nope"/);
  // G1c implies only G1, G1c-process and what they imply: not G-single-item.
  assert.deepEqual(
    [...impliedAnomalies(["G1c"])].sort(),
    ["G1", "G1-process", "G1-realtime", "G1c", "G1c-process", "G1c-realtime"],
  );
  assert.deepEqual(boundary(["lost-update"]).not, ["cursor-stability", "update-atomic"]);
});

Deno.test("a lost update is invalid under cursor-stability and valid under read-committed", () => {
  const h = history([["w", 1, 1]], [["r", 1, 1], ["w", 1, 2]], [["r", 1, 1], ["w", 1, 3]]);
  assert.deepEqual(checkRwRegister(h, { consistencyModels: ["read-committed"] }), {
    "valid?": true,
  });
  const cs = checkRwRegister(h, { consistencyModels: ["cursor-stability"] });
  assert.equal(cs["valid?"], false);
  assert.deepEqual(types(cs), ["lost-update"]);
  assert.deepEqual(cs.not, ["cursor-stability", "update-atomic"]);
  const ua = checkRwRegister(h, { consistencyModels: ["update-atomic"] });
  assert.deepEqual(types(ua), ["lost-update"]);
  // The same for list-append.
  const la = history(
    [["append", 1, 1]],
    [["r", 1, [1]], ["append", 1, 2]],
    [["r", 1, [1]], ["append", 1, 3]],
    [["r", 1, [1, 2, 3]]],
  );
  assert.equal(checkListAppend(la, { consistencyModels: ["read-committed"] })["valid?"], true);
  const laCs = checkListAppend(la, { consistencyModels: ["cursor-stability"] });
  assert.equal(laCs["valid?"], false);
  assert.deepEqual(types(laCs), ["lost-update"]);
});

Deno.test("G1c does not stop the search for G-single-item in the same component", () => {
  // T1 and T2 read each other's writes (G1c). T2 also missed T3's write of key 3 and read T3's
  // write of key 4: a cycle with exactly one anti-dependency (G-single-item). All three share
  // one strongly connected component.
  const h = history(
    [["w", 1, 1], ["r", 2, 1]],
    [["w", 2, 1], ["r", 1, 1], ["r", 3, null], ["r", 4, 1]],
    [["w", 3, 1], ["w", 4, 1]],
  );
  const ser = checkRwRegister(h, { consistencyModels: ["serializable"] });
  assert.equal(ser["valid?"], false);
  assert.deepEqual(types(ser), ["G-single-item", "G1c"]);
  const single = (ser.anomalies as Record<string, { cycle: Op[] }[]>)["G-single-item"][0];
  assert.deepEqual(single.cycle.map((op) => op.process), [1, 2, 1]);
  // Read committed prohibits only the G1c.
  assert.deepEqual(types(checkRwRegister(h, { consistencyModels: ["read-committed"] })), [
    "G1c",
  ]);
});

Deno.test("G0 does not stop the search for G-single-item either (list-append)", () => {
  // T1 and T2 append to keys 1 and 2 in opposite orders (a write cycle, G0). T3 misses T1's
  // append to key 3 but reads its append to key 4 (G-single-item).
  const h = history(
    [["append", 1, 1], ["append", 2, 2], ["append", 3, 1], ["append", 4, 1]],
    [["append", 1, 2], ["append", 2, 1]],
    [["r", 3, null], ["r", 4, [1]]],
    [["r", 1, [1, 2]], ["r", 2, [1, 2]], ["r", 3, [1]]],
  );
  const ser = checkListAppend(h, { consistencyModels: ["serializable"] });
  assert.equal(ser["valid?"], false);
  assert.ok(types(ser)!.includes("G0"), JSON.stringify(types(ser)));
  assert.ok(types(ser)!.includes("G-single-item"), JSON.stringify(types(ser)));
});

Deno.test("an unknown model name gets a suggestion when one is close", () => {
  assert.equal(suggestModel("strict-serialisable"), "strict-serializable");
  assert.equal(suggestModel("Read-Committed"), "read-committed");
  assert.equal(suggestModel("read-committed,serializable"), "read-committed , serializable");
  assert.equal(suggestModel("eventual"), undefined);
});
