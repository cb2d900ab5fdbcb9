import assert from "node:assert/strict";
import type { ClientRpc, Completion, FinalContext, Op, OpTemplate, TestOptions } from "../types.ts";
import { MalformedReply } from "../types.ts";
import { RpcError } from "../../lib/errors.ts";
import { createRng } from "../rng.ts";
import { checkKafka } from "../checkers/kafka.ts";
import { parseExact } from "../json.ts";
import { kafka, KafkaClient, KafkaGenerator, mainPhaseOffsets } from "./kafka.ts";

type Body = Record<string, unknown>;

/** A single-node kafka service kept in memory, with hooks to break its replies. */
class FakeNode {
  logs = new Map<string, unknown[]>();
  committed = new Map<string, number>();
  requests: Body[] = [];
  /** Returns a reply to use instead of the normal one, or undefined. */
  override: ((body: Body) => Body | undefined) | undefined;
  /** Limits how many messages per key one poll returns. */
  batch = Infinity;
  #replies = 0;

  rpc: ClientRpc = (body) => {
    this.requests.push(structuredClone(body));
    const o = this.override?.(body);
    if (o) return Promise.resolve(o);
    return Promise.resolve({ ...this.#handle(body), in_reply_to: ++this.#replies });
  };

  #handle(body: Body): Body {
    switch (body.type) {
      case "send": {
        const key = body.key as string;
        const log = this.logs.get(key) ?? [];
        this.logs.set(key, log);
        log.push(body.msg);
        return { type: "send_ok", offset: log.length - 1 };
      }
      case "poll": {
        const msgs: Record<string, [number, unknown][]> = {};
        for (const [k, from] of Object.entries(body.offsets as Record<string, number>)) {
          const log = this.logs.get(k) ?? [];
          const pairs: [number, unknown][] = [];
          for (let o = from; o < log.length && pairs.length < this.batch; o++) {
            pairs.push([o, log[o]]);
          }
          if (pairs.length > 0) msgs[k] = pairs;
        }
        return { type: "poll_ok", msgs };
      }
      case "commit_offsets":
        for (const [k, o] of Object.entries(body.offsets as Record<string, number>)) {
          this.committed.set(k, o);
        }
        return { type: "commit_offsets_ok" };
      case "list_committed_offsets": {
        const offsets: Record<string, number> = {};
        for (const k of body.keys as string[]) {
          const o = this.committed.get(k);
          if (o !== undefined) offsets[k] = o;
        }
        return { type: "list_committed_offsets_ok", offsets };
      }
      default:
        throw new RpcError(10, `Unsupported type "${String(body.type)}"`);
    }
  }
}

const opts: TestOptions = {
  workload: "kafka",
  nodes: ["n0"],
  concurrency: 2,
  timeLimitS: 60,
  rate: 5,
  latencyMs: 0,
  latencyDist: "constant",
  nemesis: [],
  nemesisIntervalS: 10,
  topology: "grid",
  availability: undefined,
  consistencyModels: ["strict-serializable"],
  keyCount: undefined,
  maxTxnLength: 4,
  maxWritesPerKey: 16,
  seed: 1,
};

const send = (k: string, v: unknown): OpTemplate => ({ f: "send", value: [["send", k, v]] });
const poll: OpTemplate = { f: "poll", value: [["poll"]] };

Deno.test("workload constants", () => {
  assert.equal(kafka.name, "kafka");
  assert.equal(kafka.wrapped, true);
  assert.deepEqual([...kafka.idempotent], ["assign"]);
  assert.equal(kafka.reusableClients, false);
  assert.ok(kafka.final);
  assert.deepEqual(kafka.check([], opts), checkKafka([]));
});

Deno.test("send returns the offset in the op value", async () => {
  const node = new FakeNode();
  const c = kafka.openClient(node.rpc, opts);
  assert.deepEqual(await c.invoke(send("0", 1)), { type: "ok", value: [["send", "0", [0, 1]]] });
  assert.deepEqual(await c.invoke(send("0", 2)), { type: "ok", value: [["send", "0", [1, 2]]] });
  assert.deepEqual(node.requests, [
    { type: "send", key: "0", msg: 1 },
    { type: "send", key: "0", msg: 2 },
  ]);
});

Deno.test("poll sends local offsets, advances them and commits what it read", async () => {
  const node = new FakeNode();
  const c = new KafkaClient(node.rpc);
  for (const v of [1, 2, 3]) await c.invoke(send("0", v));
  await c.invoke(send("1", 9));
  // A fresh client polls an empty map and gets nothing: no commit.
  assert.deepEqual(await c.invoke(poll), { type: "ok", value: [["poll", {}]] });
  assert.deepEqual(node.requests.slice(-1), [{ type: "poll", offsets: {} }]);
  await c.invoke({ f: "assign", value: ["0", "1"] });
  node.batch = 2;
  node.requests = [];
  assert.deepEqual(await c.invoke(poll), {
    type: "ok",
    value: [["poll", { "0": [[0, 1], [1, 2]], "1": [[0, 9]] }]],
  });
  assert.deepEqual(node.requests, [
    { type: "poll", offsets: { "0": 0, "1": 0 } },
    { type: "commit_offsets", offsets: { "0": 1, "1": 0 } },
  ]);
  assert.deepEqual(c.offsets, new Map([["0", 2], ["1", 1]]));
  node.requests = [];
  await c.invoke(poll);
  assert.deepEqual(node.requests, [
    { type: "poll", offsets: { "0": 2, "1": 1 } },
    { type: "commit_offsets", offsets: { "0": 2 } },
  ]);
  assert.deepEqual(c.offsets, new Map([["0", 3], ["1", 1]]));
});

Deno.test("a key returned with no messages starts at 0 and is not committed", async () => {
  const node = new FakeNode();
  node.override = (b) =>
    b.type === "poll"
      ? { type: "poll_ok", msgs: { "4": [], "5": null }, in_reply_to: 1 }
      : undefined;
  const c = new KafkaClient(node.rpc);
  const done = await c.invoke(poll);
  assert.deepEqual(done, { type: "ok", value: [["poll", { "4": [], "5": null }]] });
  assert.deepEqual(c.offsets, new Map([["4", 0], ["5", 0]]));
  assert.equal(node.requests.length, 1);
});

Deno.test("a failed commit turns the poll into the thrown error", async () => {
  const node = new FakeNode();
  const c = new KafkaClient(node.rpc);
  await c.invoke(send("0", 1));
  await c.invoke({ f: "assign", value: ["0"], "seek-to-beginning?": true });
  node.override = (b) => {
    if (b.type === "commit_offsets") throw new RpcError(11, "Not now");
    return undefined;
  };
  await assert.rejects(
    () => c.invoke(poll),
    (e: unknown) => e instanceof RpcError && e.code === 11,
  );
  // As in Maelstrom, the local offsets advanced before the commit was attempted.
  assert.deepEqual(c.offsets, new Map([["0", 1]]));
});

Deno.test("RPC errors of a send propagate to the runner", async () => {
  const node = new FakeNode();
  node.override = () => {
    throw new RpcError(0, "Timed out");
  };
  const c = new KafkaClient(node.rpc);
  await assert.rejects(() => c.invoke(send("0", 1)), RpcError);
});

Deno.test("assign fetches committed offsets but keeps local ones or 0 (Maelstrom quirk)", async () => {
  const node = new FakeNode();
  node.committed.set("a", 7);
  node.committed.set("b", 3);
  const c = new KafkaClient(node.rpc);
  for (const v of [1, 2]) await c.invoke(send("a", v));
  await c.invoke({ f: "assign", value: ["a"], "seek-to-beginning?": true });
  await c.invoke(poll);
  assert.deepEqual(c.offsets, new Map([["a", 2]]));
  node.requests = [];
  const done = await c.invoke({ f: "assign", value: ["b", "a", "c"] });
  assert.deepEqual(done, { type: "ok", value: ["b", "a", "c"] });
  assert.deepEqual(node.requests, [{ type: "list_committed_offsets", keys: ["b", "a", "c"] }]);
  // "a" keeps its local offset; "b" ignores its committed 3; keys outside the assign are gone.
  assert.deepEqual(c.offsets, new Map([["b", 0], ["a", 2], ["c", 0]]));
  await c.invoke({ f: "assign", value: ["c"] });
  assert.deepEqual(c.offsets, new Map([["c", 0]]));
});

Deno.test("seek-to-beginning sends no RPC and sets every key to 0", async () => {
  const node = new FakeNode();
  const c = new KafkaClient(node.rpc);
  await c.invoke(send("x", 1));
  await c.invoke({ f: "assign", value: ["x"] });
  await c.invoke(poll);
  assert.deepEqual(c.offsets, new Map([["x", 1]]));
  node.requests = [];
  const done = await c.invoke({ f: "assign", value: ["x", "y"], "seek-to-beginning?": true });
  assert.deepEqual(done, { type: "ok", value: ["x", "y"], "seek-to-beginning?": true });
  assert.deepEqual(node.requests, []);
  assert.deepEqual(c.offsets, new Map([["x", 0], ["y", 0]]));
});

Deno.test("crash sends nothing and completes info", async () => {
  const node = new FakeNode();
  const c = new KafkaClient(node.rpc);
  assert.deepEqual(await c.invoke({ f: "crash", value: null }), { type: "info" });
  assert.deepEqual(node.requests, []);
});

Deno.test("replies are checked against closed schemas", async () => {
  const cases: [OpTemplate, Body, RegExp][] = [
    [send("0", 1), { type: "send_ok", offset: 0, in_reply_to: 1, extra: 1 }, /key "extra"/],
    [send("0", 1), { type: "send_ok", in_reply_to: 1 }, /"offset" is missing/],
    [
      send("0", 1),
      { type: "send_ok", offset: 1.5, in_reply_to: 1 },
      /key "offset" should be an integer/,
    ],
    [
      send("0", 1),
      { type: "send_ok", offset: "1", in_reply_to: 1 },
      /key "offset" should be an integer/,
    ],
    [send("0", 1), { type: "send_ok", offset: 0 }, /"in_reply_to"/],
    [send("0", 1), { type: "send_ok", offset: 0, in_reply_to: 1, msg_id: "a" }, /"msg_id"/],
    [send("0", 1), { type: "poll_ok", offset: 0, in_reply_to: 1 }, /"send_ok"/],
    [poll, { type: "poll_ok", msgs: null, in_reply_to: 1 }, /key "msgs" should be a map/],
    [poll, { type: "poll_ok", msgs: [], in_reply_to: 1 }, /key "msgs" should be a map/],
    [poll, { type: "poll_ok", msgs: { "0": {} }, in_reply_to: 1 }, /key "msgs" should be a map/],
    [poll, { type: "poll_ok", msgs: { "0": [[0, 1, 2]] }, in_reply_to: 1 }, /\[0,1,2\]/],
    [poll, { type: "poll_ok", msgs: { "0": [[0]] }, in_reply_to: 1 }, /key "msgs" should be a map/],
    [
      poll,
      { type: "poll_ok", msgs: { "0": [[0.5, 1]] }, in_reply_to: 1 },
      /key "msgs" should be a map/,
    ],
    [poll, { type: "poll_ok", msgs: { "0": [5] }, in_reply_to: 1 }, /key "msgs" should be a map/],
    [
      { f: "assign", value: ["0"] },
      { type: "list_committed_offsets_ok", offsets: { "0": "x" }, in_reply_to: 1 },
      /key "offsets" should be a map of keys to integer offsets/,
    ],
    [
      { f: "assign", value: ["0"] },
      { type: "list_committed_offsets_ok", in_reply_to: 1 },
      /"offsets" is missing/,
    ],
  ];
  for (const [op, reply, pattern] of cases) {
    const node = new FakeNode();
    node.override = () => reply;
    const c = new KafkaClient(node.rpc);
    await assert.rejects(
      () => c.invoke(op),
      (e: unknown) => {
        assert.ok(
          e instanceof MalformedReply,
          `expected MalformedReply for ${JSON.stringify(reply)}`,
        );
        assert.match(e.message, pattern);
        assert.match(e.message, /^Malformed RPC response: /);
        return true;
      },
    );
  }
  // A malformed commit reply fails the poll too.
  const node = new FakeNode();
  const c = new KafkaClient(node.rpc);
  await c.invoke(send("0", 1));
  await c.invoke({ f: "assign", value: ["0"] });
  node.override = (b) =>
    b.type === "commit_offsets" ? { type: "commit_offsets_ok", in_reply_to: 3, x: 1 } : undefined;
  await assert.rejects(() => c.invoke(poll), MalformedReply);
  // Replies with a msg_id and null lists are fine.
  node.override = (b) =>
    b.type === "poll"
      ? { type: "poll_ok", msgs: { "0": null }, in_reply_to: 4, msg_id: 9 }
      : undefined;
  assert.equal((await c.invoke(poll)).type, "ok");
});

/** Runs a generator against a fake clock, answering every op as ok at once. */
function drive(seed: number, steps: number, stepS = 0.2) {
  const g = kafka.generator({ ...opts, keyCount: 4, maxWritesPerKey: 5 }, createRng(seed));
  const out: OpTemplate[] = [];
  for (let i = 0; i < steps; i++) {
    const op = g.next({ timeS: i * stepS, thread: i % 2, process: i % 2 });
    if (op) out.push(op);
  }
  return out;
}

Deno.test("the generator is deterministic by seed", () => {
  assert.deepEqual(drive(5, 2000), drive(5, 2000));
  assert.notDeepEqual(drive(5, 2000), drive(6, 2000));
});

Deno.test("the generator mixes sends and polls 50/50, assigns 1/64 and crashes by time", () => {
  const ops = drive(11, 20_000, 0.01);
  const count = (f: string) => ops.filter((o) => o.f === f).length;
  const sends = count("send"), polls = count("poll"), assigns = count("assign");
  const crashes = count("crash");
  assert.equal(sends + polls + assigns + crashes, ops.length);
  // Draws are 50/50, but a write to a key that used up its 5 values is redrawn (Elle retires the
  // key), so sends are 5 of every 11 ops rather than exactly half.
  const share = sends / (sends + polls);
  assert.ok(Math.abs(share - 5 / 11) < 0.03, `${sends} sends, ${polls} polls`);
  const assignRate = assigns / (sends + polls);
  assert.ok(assignRate > 1 / 90 && assignRate < 1 / 45, `assign rate ${assignRate}`);
  // 200 s with gaps averaging 30 / 2 = 15 s: about 14 crashes, the first at once.
  assert.equal(ops[0].f, "crash");
  assert.ok(crashes >= 6 && crashes <= 30, `${crashes} crashes`);
  for (const o of ops) {
    if (o.f === "crash") assert.deepEqual(o, { f: "crash", value: null });
    if (o.f === "poll") assert.deepEqual(o, { f: "poll", value: [["poll"]] });
    if (o.f === "assign") {
      assert.ok((o.value as unknown[]).every((k) => typeof k === "string"));
    }
  }
  // Values per key run 1, 2, ... up to max-writes-per-key, and keys are strings.
  const perKey = new Map<string, number[]>();
  for (const o of ops) {
    if (o.f !== "send") continue;
    const [[name, k, v]] = o.value as [string, string, number][];
    assert.equal(name, "send");
    assert.equal(typeof k, "string");
    perKey.set(k, [...(perKey.get(k) ?? []), v]);
  }
  for (const vs of perKey.values()) {
    assert.deepEqual(vs, vs.map((_, i) => i + 1));
    assert.ok(vs.length <= 5);
  }
  assert.ok(perKey.size > 4, "keys retire and fresh keys appear");
});

Deno.test("an assign names the key of the op that follows it", () => {
  const ops = drive(3, 20_000, 0);
  let checked = 0;
  for (let i = 0; i + 1 < ops.length; i++) {
    if (ops[i].f !== "assign" || ops[i + 1].f === "assign" || ops[i + 1].f === "crash") continue;
    const next = ops[i + 1];
    if (next.f === "send") {
      assert.equal((ops[i].value as string[])[0], (next.value as unknown[][])[0][1]);
      checked++;
    }
  }
  assert.ok(checked > 10);
});

Deno.test("a third of assigns add keys with acknowledged but unpolled sends", () => {
  const g = new KafkaGenerator({ keyCount: 3, maxWritesPerKey: 16, concurrency: 1 }, createRng(9));
  const stamp = (o: Partial<Op>): Op =>
    ({ index: 0, time: 0, process: 0, f: "send", value: null, type: "ok", ...o }) as Op;
  g.observe(
    stamp({ type: "invoke", value: [["send", "zz", 1]] }),
    stamp({ value: [["send", "zz", [4, 1]]] }),
  );
  let withZz = 0, assigns = 0;
  for (let i = 0; i < 30_000; i++) {
    const op = g.next({ timeS: 0.5, thread: 0, process: 0 })!;
    if (op.f !== "assign") continue;
    assigns++;
    if ((op.value as string[]).includes("zz")) {
      withZz++;
      assert.deepEqual(op.unseen, { zz: { polled: -1, sent: 4 } });
    }
  }
  const share = withZz / assigns;
  assert.ok(share > 0.2 && share < 0.45, `share ${share} of ${assigns}`);
  // Once an ok poll reaches offset 4 of "zz", it is no longer added.
  g.observe(
    stamp({ type: "invoke", f: "poll", value: [["poll"]] }),
    stamp({ f: "poll", value: [["poll", { zz: [[4, 1]] }]] }),
  );
  for (let i = 0; i < 10_000; i++) {
    const op = g.next({ timeS: 0.5, thread: 0, process: 0 })!;
    if (op.f === "assign") assert.ok(!(op.value as string[]).includes("zz"));
  }
});

/** A one-thread final-phase runner over a fake node and a fake clock. */
function finalRunner(node: { rpc: ClientRpc }, history: Op[]) {
  let client = kafka.openClient(node.rpc, opts);
  let process = 0;
  let clock = 0;
  const ctx: FinalContext = {
    thread: 0,
    async invoke(t: OpTemplate): Promise<Op> {
      const inv: Op = { ...t, index: history.length, time: clock, type: "invoke", process };
      history.push(inv);
      let c: Completion;
      try {
        c = await client.invoke(t);
      } catch (e) {
        c = { type: "info", error: String(e) };
      }
      clock += 5;
      const { type, value, ...extra } = c;
      const done: Op = {
        ...t,
        ...extra,
        index: history.length,
        time: clock,
        type,
        process,
        value: value === undefined ? t.value : value,
      };
      history.push(done);
      if (type === "info") {
        process += opts.concurrency;
        client = kafka.openClient(node.rpc, opts);
      }
      return done;
    },
    sleep(ms: number) {
      clock += ms;
      return Promise.resolve();
    },
    elapsedMs: () => clock,
    rng: createRng(4),
    history,
  };
  return ctx;
}

Deno.test("the final phase crashes, seeks to the beginning and polls until caught up", async () => {
  const node = new FakeNode();
  node.batch = 2;
  const history: Op[] = [];
  const main = finalRunner(node, history);
  for (const v of [1, 2, 3, 4, 5]) await main.invoke(send("1", v));
  await main.invoke(send("10", 1));
  assert.deepEqual(mainPhaseOffsets(history), {
    keys: ["1", "10"],
    targets: new Map([["1", 4], ["10", 0]]),
  });
  const mainLength = history.length;
  await kafka.final!(main, opts);
  const finalOps = history.slice(mainLength).filter((o) => o.type !== "invoke");
  assert.deepEqual(finalOps.map((o) => o.f), ["crash", "assign", "poll", "poll", "poll"]);
  assert.deepEqual(finalOps[1].value, ["1", "10"]);
  assert.equal(finalOps[1]["seek-to-beginning?"], true);
  assert.equal(finalOps[1].type, "ok");
  assert.equal(checkKafka(history)["valid?"], true);
  // Later ops (another thread's final phase) do not move the targets.
  assert.deepEqual(mainPhaseOffsets(history).targets, new Map([["1", 4], ["10", 0]]));
});

Deno.test("the final phase gives up after 10 s", async () => {
  const node = new FakeNode();
  const history: Op[] = [];
  const main = finalRunner(node, history);
  await main.invoke(send("0", 1));
  // From now on the node forgets everything: polls return nothing.
  node.logs.clear();
  const mainLength = history.length;
  await kafka.final!(main, opts);
  const polls = history.slice(mainLength).filter((o) => o.f === "poll" && o.type === "ok");
  assert.ok(polls.length > 10, `${polls.length} polls`);
  assert.ok(main.elapsedMs() >= 10_000);
  assert.ok(main.elapsedMs() < 10_500);
  const r = checkKafka(history);
  assert.deepEqual(r["error-types"], ["unseen"]);
});

Deno.test("the final phase waits on keys only ever polled empty until a poll returns them", async () => {
  const node = new FakeNode();
  const history: Op[] = [];
  const main = finalRunner(node, history);
  await main.invoke(send("1", 1));
  // A main-phase poll returns key "7" with no messages, so its highest offset is -1.
  node.override = (b) =>
    b.type === "poll" ? { type: "poll_ok", msgs: { "7": [] }, in_reply_to: 1 } : undefined;
  await main.invoke(poll);
  node.override = undefined;
  assert.deepEqual(mainPhaseOffsets(history).targets, new Map([["1", 0], ["7", -1]]));

  // This node leaves empty keys out of its poll replies, so "7" never comes back: the thread keeps
  // polling until Maelstrom's 10 s limit, as Jepsen's final generator does.
  let mainLength = history.length;
  await kafka.final!(main, opts);
  const polls = history.slice(mainLength).filter((o) => o.f === "poll" && o.type === "ok");
  assert.ok(polls.length > 10, `${polls.length} polls`);
  assert.ok(main.elapsedMs() >= 10_000);

  // A node that returns the key with an empty list releases the thread after one poll.
  const node2 = new FakeNode();
  const history2: Op[] = [];
  const main2 = finalRunner(node2, history2);
  await main2.invoke(send("1", 1));
  node2.override = (b) =>
    b.type === "poll" ? { type: "poll_ok", msgs: { "7": [] }, in_reply_to: 1 } : undefined;
  await main2.invoke(poll);
  node2.override = (b) =>
    b.type === "poll"
      ? { type: "poll_ok", msgs: { "1": [[0, 1]], "7": [] }, in_reply_to: 1 }
      : undefined;
  mainLength = history2.length;
  await kafka.final!(main2, opts);
  const finalOps = history2.slice(mainLength).filter((o) => o.type !== "invoke");
  assert.deepEqual(finalOps.map((o) => o.f), ["crash", "assign", "poll"]);
});

Deno.test("no keys in the main phase means no final ops", async () => {
  const history: Op[] = [];
  const main = finalRunner(new FakeNode(), history);
  await kafka.final!(main, opts);
  assert.deepEqual(history, []);
});

// --- Offsets past 2^53: a node may hand out 64-bit offsets, which harness/json.ts parses as
// bigints. They must be taken, advanced and compared exactly. ---

/** A one-node kafka whose offsets start at `base` (a bigint past 2^53), replying through a JSON
 * round trip as a real node's lines take: its numbers reach the client as `parseExact` gives them. */
class BigOffsetNode {
  logs = new Map<string, unknown[]>();
  requests: string[] = [];
  /** Makes the node hand out this offset for every send (a node that reuses offsets). */
  stuckAt: bigint | undefined;
  constructor(readonly base: bigint) {}

  rpc: ClientRpc = (body) => {
    this.requests.push(JSON.stringify(body));
    const reply = { ...this.#handle(body), in_reply_to: this.requests.length };
    return Promise.resolve(parseExact(JSON.stringify(reply)) as Body);
  };

  #handle(body: Body): Body {
    switch (body.type) {
      case "send": {
        const log = this.logs.get(body.key as string) ?? [];
        this.logs.set(body.key as string, log);
        log.push(body.msg);
        return { type: "send_ok", offset: this.stuckAt ?? this.base + BigInt(log.length - 1) };
      }
      case "poll": {
        const msgs: Record<string, [bigint, unknown][]> = {};
        for (const [k, from] of Object.entries(body.offsets as Record<string, number | bigint>)) {
          const log = this.logs.get(k) ?? [];
          const first = BigInt(from) - this.base;
          const pairs: [bigint, unknown][] = [];
          for (let i = first < 0n ? 0 : Number(first); i < log.length; i++) {
            pairs.push([this.stuckAt ?? this.base + BigInt(i), log[i]]);
          }
          msgs[k] = pairs;
        }
        return { type: "poll_ok", msgs };
      }
      case "commit_offsets":
        return { type: "commit_offsets_ok" };
      case "list_committed_offsets":
        return { type: "list_committed_offsets_ok", offsets: {} };
      default:
        throw new RpcError(10, `Unsupported type "${String(body.type)}"`);
    }
  }
}

Deno.test("offsets past 2^53 are taken, advanced and committed exactly; the run is valid", async () => {
  // 2^53: the next offsets, 2^53 + 1 and 2^53 + 2, are not doubles.
  const node = new BigOffsetNode(9007199254740992n);
  const history: Op[] = [];
  const main = finalRunner(node, history);
  for (const v of [1, 2, 3]) await main.invoke(send("0", v));
  assert.deepEqual(history[1].value, [["send", "0", [9007199254740992n, 1]]]);
  assert.deepEqual(history[5].value, [["send", "0", [9007199254740994n, 3]]]);
  await main.invoke({ f: "assign", value: ["0"] });
  const polled = await main.invoke(poll);
  assert.equal(polled.type, "ok", String(polled.error));
  // The poll asked from 0, then committed the highest offset it read, digit for digit.
  assert.deepEqual(node.requests.slice(-2), [
    '{"type":"poll","offsets":{"0":0}}',
    '{"type":"commit_offsets","offsets":{"0":9007199254740994}}',
  ]);
  await main.invoke(poll);
  assert.equal(node.requests.at(-1), '{"type":"poll","offsets":{"0":9007199254740995}}');
  assert.deepEqual(mainPhaseOffsets(history).targets, new Map([["0", 9007199254740994n]]));
  await kafka.final!(main, opts);
  const r = checkKafka(history);
  assert.equal(r["valid?"], true, JSON.stringify(r["error-types"]));
});

Deno.test("a node that reuses an offset past 2^53 is caught, naming the offset", async () => {
  const node = new BigOffsetNode(9007199254740992n);
  node.stuckAt = 9007199254740993n;
  const history: Op[] = [];
  const main = finalRunner(node, history);
  for (const v of [1, 2]) await main.invoke(send("0", v));
  await kafka.final!(main, opts);
  const r = checkKafka(history);
  assert.equal(r["valid?"], false);
  const inconsistent = r["inconsistent-offsets"] as { errs: Record<string, unknown>[] };
  assert.equal(inconsistent.errs[0].offset, 9007199254740993n);
  assert.match(
    String(inconsistent.errs[0].explanation),
    /^Offset 9007199254740993 of key "0" holds 2 different messages/,
  );
});
