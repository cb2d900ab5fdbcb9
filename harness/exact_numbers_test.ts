// Numbers nodes write reach other nodes, services, histories and checkers with every digit, as in
// Maelstrom, whose JSON reader keeps big integers exact and 1.0 apart from 1.
import assert from "node:assert/strict";
import { z } from "zod";
import { Init, Node, type NodeOptions } from "../lib/node.ts";
import type { Transport } from "../lib/transport.ts";
import { checkEcho } from "./checkers/echo.ts";
import { checkKafka } from "./checkers/kafka.ts";
import { parseExact } from "./json.ts";
import { createService } from "./services/kv.ts";
import { createRng } from "./rng.ts";
import { simulate } from "./simulate.ts";
import { VirtualClock } from "./clock.ts";
import { Network } from "./network.ts";
import { routeLine } from "./nodes/process.ts";
import type { Op } from "./types.ts";
import { expectReply, jsonEqual, jsonKey } from "./workloads/schema.ts";
import { MalformedReply } from "./types.ts";

const rawJson = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

/** A transport that records every line the node receives before handing it on. */
function recording(inner: Transport, seen: string[]): Transport {
  return {
    start: (onLine) => inner.start((line) => (seen.push(line), onLine(line))),
    write: (line) => inner.write(line),
    flush: () => inner.flush(),
  };
}

Deno.test("a node-to-node message with 12345678901234567891 and 1.0 arrives byte-identical", async () => {
  const received = new Map<string, string[]>();
  const factory = (options: NodeOptions) => {
    const seen: string[] = [];
    const node = new Node({ ...options, transport: recording(options.transport!, seen) });
    node.on(Init, () => {
      received.set(node.id, seen);
      if (node.id === "n0") {
        node.sleep(10).then(() =>
          node.send("n1", {
            type: "gossip",
            big: rawJson("12345678901234567891"),
            f: rawJson("1.0"),
            xs: [rawJson("-98765432109876543210"), 0.5, rawJson("2E3")],
          })
        );
      }
    });
    node.on(z.object({ type: z.literal("gossip") }), () => {});
    node.on(
      z.object({ type: z.literal("echo"), echo: z.unknown() }),
      (msg) => ({ type: "echo_ok", echo: msg.body.echo }),
    );
    return node;
  };
  const run = await simulate(factory, "-w echo --node-count 2 --time-limit 1 --rate 5", 1);
  assert.equal(run.results["valid?"], true);
  const gossip = received.get("n1")!.filter((l) => l.includes('"gossip"'));
  assert.equal(gossip.length, 1);
  assert.match(
    gossip[0],
    /"body":\{"type":"gossip","big":12345678901234567891,"f":1\.0,"xs":\[-98765432109876543210,0\.5,2E3\],"msg_id":\d+\}/,
  );
  // The journal (messages.jsonl) keeps them too.
  const entry = run.network.journal.find((e) => e.body.type === "gossip")!;
  assert.match(JSON.stringify(entry.body), /"big":12345678901234567891,"f":1\.0,/);
});

Deno.test("echo is checked exactly: a digit past 2^53 or 1 for 1.0 is a wrong echo", () => {
  const pair = (sent: unknown, echoed: unknown): Op[] => [
    { index: 0, time: 0, type: "invoke", process: 0, f: "echo", value: sent },
    {
      index: 1,
      time: 1,
      type: "ok",
      process: 0,
      f: "echo",
      value: { type: "echo_ok", echo: echoed },
    },
  ];
  const big = parseExact("12345678901234567891"), near = parseExact("12345678901234567892");
  assert.equal(checkEcho(pair(big, parseExact("12345678901234567891")))["valid?"], true);
  assert.equal(checkEcho(pair(big, near))["valid?"], false);
  assert.equal(checkEcho(pair(1, parseExact("1.0")))["valid?"], false);
  assert.equal(checkEcho(pair(parseExact("1.0"), parseExact("1.00")))["valid?"], true);
});

Deno.test("kafka: a poll returning a value that differs from the sent one past 2^53 is caught", () => {
  const sent = parseExact("12345678901234567891"), altered = parseExact("12345678901234567892");
  const ops: Op[] = [
    { index: 0, time: 0, type: "invoke", process: 0, f: "send", value: [["send", "k", sent]] },
    { index: 1, time: 1, type: "ok", process: 0, f: "send", value: [["send", "k", [0, sent]]] },
    { index: 2, time: 2, type: "invoke", process: 1, f: "poll", value: [["poll"]] },
    {
      index: 3,
      time: 3,
      type: "ok",
      process: 1,
      f: "poll",
      value: [["poll", { k: [[0, altered]] }]],
    },
  ];
  const r = checkKafka(ops);
  // The altered value was never sent, so Jepsen's analysis throws no-writer-of-value and
  // Maelstrom reports unknown; the anomaly is still named exactly.
  assert.equal(r["valid?"], "unknown");
  assert.ok(
    (r["bad-error-types"] as string[] ?? []).includes("inconsistent-offsets"),
    JSON.stringify(r["bad-error-types"]),
  );
});

Deno.test("values key and compare exactly: bigints by digits, whole floats apart from ints", () => {
  assert.notEqual(jsonKey(parseExact("9007199254740993")), jsonKey(parseExact("9007199254740992")));
  assert.notEqual(jsonKey(1), jsonKey(parseExact("1.0")));
  assert.equal(jsonKey(parseExact("1.0")), jsonKey(parseExact("1e0")));
  assert.ok(!jsonEqual([1], [parseExact("1.0")]));
});

Deno.test("an int field takes integers past 2^53 and refuses 3.0, as Maelstrom's schemas do", () => {
  const reply = parseExact('{"type":"read_ok","in_reply_to":1,"value":12345678901234567891}');
  const r = expectReply(reply as Record<string, unknown>, "read_ok", { value: "int" });
  assert.equal(r.value, 12345678901234567891n);
  assert.throws(
    () =>
      expectReply(
        parseExact('{"type":"read_ok","in_reply_to":1,"value":3.0}') as Record<string, unknown>,
        "read_ok",
        { value: "int" },
      ),
    (e: unknown) =>
      e instanceof MalformedReply && /"value" should be an integer but is 3\.0/.test(e.message),
  );
});

Deno.test("lin-kv compares exactly: cas from a neighbour of a 64-bit value or from 1 for 1.0 fails", () => {
  const kv = createService("lin-kv", createRng(1));
  const body = (text: string) => parseExact(text) as Record<string, unknown>;
  kv.handle("n0", body('{"type":"write","key":"x","value":12345678901234567892}'));
  assert.equal(
    kv.handle("n0", body('{"type":"cas","key":"x","from":12345678901234567891,"to":1}'))?.code,
    22,
  );
  assert.deepEqual(
    kv.handle("n0", body('{"type":"cas","key":"x","from":12345678901234567892,"to":1.0}')),
    { type: "cas_ok" },
  );
  assert.equal(kv.handle("n0", body('{"type":"cas","key":"x","from":1,"to":2}'))?.code, 22);
  const read = kv.handle("n1", body('{"type":"read","key":"x"}'));
  assert.equal(JSON.stringify(read), '{"type":"read_ok","value":1.0}');
});

/** A unique-ids node whose ids are 64-bit snowflakes from `base` (past 2^53, so neighbours share a
 * double), and whose every line carries an envelope `id` past 2^53 too, which Maelstrom's `s/Int`
 * accepts. */
function snowflakes(base: (node: string) => bigint) {
  return (options: NodeOptions) => {
    const inner = options.transport!;
    const transport: Transport = {
      start: (onLine) => inner.start(onLine),
      write: (line) => inner.write(line.replace(/^\{/, '{"id":12345678901234567891,')),
      flush: () => inner.flush(),
    };
    const node = new Node({ ...options, transport });
    let next = 0n;
    node.on(z.object({ type: z.literal("generate") }), () => ({
      type: "generate_ok",
      id: rawJson(String(base(node.id) + next++)),
    }));
    return node;
  };
}

Deno.test("unique-ids: 64-bit ids and envelope ids past 2^53 are routed and checked exactly", async () => {
  // n0 hands out 2^53, 2^53 + 1, ...; n1 starts a million higher: all distinct, though as doubles
  // 2^53 and 2^53 + 1 are one number.
  const good = snowflakes((id) => 9007199254740992n + (id === "n0" ? 0n : 1_000_000n));
  const run = await simulate(good, "-w unique-ids --node-count 2 --time-limit 2 --rate 20", 3);
  assert.deepEqual((run.results.nodes as { problems: unknown[] }).problems, []);
  const w = run.results.workload as Record<string, unknown>;
  assert.equal(w["valid?"], true);
  assert.ok((w["acknowledged-count"] as number) > 20);
  assert.equal((w.range as unknown[])[0], 9007199254740992n);
  assert.equal(run.results["valid?"], true);
  // The envelope id a node wrote does not replace the network's own message id.
  assert.ok(run.network.journal.every((e, i) => e.id === i));

  // Both nodes hand out the same ids: each duplicate is named with every digit.
  const bad = snowflakes(() => 9007199254740992n);
  const dup = await simulate(bad, "-w unique-ids --node-count 2 --time-limit 2 --rate 20", 3);
  const d = dup.results.workload as Record<string, unknown>;
  assert.equal(d["valid?"], false);
  const details = d["duplicate-details"] as { id: unknown; nodes: string[]; explanation: string }[];
  assert.equal(details[0].id, 9007199254740992n);
  assert.deepEqual(details[0].nodes, ["n0", "n1"]);
  assert.match(details[0].explanation, /^ID 9007199254740992 was returned 2 times/);
  assert.ok("9007199254740992" in (d.duplicated as Record<string, number>));
});

Deno.test("the envelope id is any integer (s/Int): a bigint passes, 3.0 is a bad line", () => {
  const network = new Network(new VirtualClock(), createRng(1), {
    latencyMs: 0,
    latencyDist: "constant",
  });
  for (const id of ["n0", "n1"]) network.register(id, { deliver: () => {} });
  const line = (id: string) => `{"id":${id},"src":"n0","dest":"n1","body":{"type":"gossip"}}`;
  assert.equal(routeLine("n0", line("12345678901234567891"), network), undefined);
  assert.equal(network.journal.length, 1);
  assert.match(routeLine("n0", line("3.0"), network)!.message, /"id" must be an integer/);
  assert.equal(network.journal.length, 1);
});
