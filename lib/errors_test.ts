import assert from "node:assert/strict";
import { ErrorCode, errorName, isDefinite, RpcError } from "./errors.ts";

Deno.test("the error table gives every reserved code its Maelstrom name and definiteness", () => {
  // Maelstrom's doc/protocol.md, "Errors": code, name, and whether it is definite.
  const maelstrom: [number, string, boolean][] = [
    [0, "timeout", false],
    [1, "node-not-found", true],
    [10, "not-supported", true],
    [11, "temporarily-unavailable", true],
    [12, "malformed-request", true],
    [13, "crash", false],
    [14, "abort", true],
    [20, "key-does-not-exist", true],
    [21, "key-already-exists", true],
    [22, "precondition-failed", true],
    [30, "txn-conflict", true],
  ];
  assert.deepEqual(
    Object.values(ErrorCode).toSorted((a, b) => a - b),
    maelstrom.map(([code]) => code),
  );
  for (const [code, name, definite] of maelstrom) {
    assert.equal(errorName(code), name);
    assert.equal(isDefinite(code), definite);
    assert.equal(new RpcError(code).codeName, name);
  }
  assert.equal(ErrorCode.TxnConflict, 30);
  assert.equal(errorName(1000), "unknown");
  assert.equal(isDefinite(1000), false);
});
