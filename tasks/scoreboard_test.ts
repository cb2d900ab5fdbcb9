import assert from "node:assert/strict";
import { withFaults } from "./scoreboard.ts";

const a = (s: string) => s.split(" ");

Deno.test("scoreboard faults join each part's own --nemesis; total availability goes with kill or pause", () => {
  assert.deepEqual(
    withFaults(a("-w unique-ids --node-count 3 --availability total --nemesis partition"), [
      "kill",
      "pause",
    ]),
    {
      args: a("-w unique-ids --node-count 3 --nemesis partition,kill,pause"),
      droppedAvailability: true,
    },
  );
  assert.deepEqual(withFaults(a("-w echo --node-count 1"), ["pause"]), {
    args: a("-w echo --node-count 1 --nemesis pause"),
    droppedAvailability: false,
  });
  // A partition alone leaves every node able to answer: total availability stays.
  assert.deepEqual(withFaults(a("-w txn-rw-register --availability total"), ["partition"]), {
    args: a("-w txn-rw-register --availability total --nemesis partition"),
    droppedAvailability: false,
  });
  assert.deepEqual(withFaults(a("-w echo"), []), {
    args: a("-w echo"),
    droppedAvailability: false,
  });
});
