import assert from "node:assert/strict";
import { type LogRecord, reset } from "@logtape/logtape";
import { z } from "zod";
import type { Clock } from "./clock.ts";
import { ReplyDeadline } from "./deadline.ts";
import { ErrorCode, RpcError } from "./errors.ts";
import { configureLogging } from "./log.ts";
import { type AnyBody, Node } from "./node.ts";
import { MemoryTransport } from "./transport.ts";

/** A clock that moves only when told. `advance` runs the timers that come due on the way, as a
 * live node would; `freeze` moves time on without running any, as a pause does. */
class ManualClock implements Clock {
  #now = 0;
  #timers: { at: number; fn: () => void }[] = [];
  now = () => this.#now;
  setTimeout = (fn: () => void, ms: number) => {
    const timer = { at: this.#now + ms, fn };
    this.#timers.push(timer);
    return timer;
  };
  clearTimeout = (handle: unknown) => {
    this.#timers = this.#timers.filter((t) => t !== handle);
  };
  async advance(ms: number): Promise<void> {
    const until = this.#now + ms;
    for (;;) {
      const due = this.#timers.filter((t) => t.at <= until).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.clearTimeout(due);
      this.#now = Math.max(this.#now, due.at);
      due.fn();
      await settle();
    }
    this.#now = until;
  }
  freeze(ms: number): void {
    this.#now += ms;
  }
}

/** Lets every pending promise (handlers, a task rescheduling itself) run. */
const settle = () => new Promise((r) => setTimeout(r, 0));

const Ask = z.object({ type: z.literal("ask"), waitMs: z.number().default(0) });
const Fail = z.object({ type: z.literal("fail") });

/** A node n0 (peer n1) whose `ask` answers after `waitMs` (at once for 0) and whose `fail`
 * throws, both guarded; its log records are kept in `logs`. */
function start() {
  const clock = new ManualClock();
  const transport = new MemoryTransport();
  const node = new Node({ transport, clock });
  const logs: LogRecord[] = [];
  configureLogging((r) => logs.push(r), "debug");
  const deadline = new ReplyDeadline(node);
  node.on(
    Ask,
    deadline.guard((msg) =>
      msg.body.waitMs > 0
        ? node.sleep(msg.body.waitMs).then(() => ({ type: "ask_ok" }))
        : { type: "ask_ok" }
    ),
  );
  node.on(
    Fail,
    deadline.guard(() => {
      throw new RpcError(ErrorCode.TemporarilyUnavailable, "not now");
    }),
  );
  const done = node.run();
  transport.deliver(JSON.stringify({
    src: "c0",
    dest: "n0",
    body: { type: "init", msg_id: 1, node_id: "n0", node_ids: ["n0", "n1"] },
  }));
  let msgId = 1;
  const send = (src: string, body: AnyBody) =>
    transport.deliver(JSON.stringify({ src, dest: "n0", body: { ...body, msg_id: ++msgId } }));
  /** The types of the replies written so far, after init_ok. */
  const replies = () => transport.output.slice(1).map((l) => JSON.parse(l).body.type as string);
  const stop = async () => {
    transport.end();
    await done;
    await reset();
  };
  return { clock, node, deadline, send, replies, logs, stop };
}

Deno.test("a reply within the deadline goes out, one after it is dropped with a warning", async () => {
  const { clock, send, replies, logs, stop } = start();
  try {
    send("c1", { type: "ask", waitMs: 3900 });
    send("c2", { type: "ask", waitMs: 4100 });
    await clock.advance(5000);
    assert.deepEqual(replies(), ["ask_ok"]);
    assert.equal(logs.length, 1);
    assert.equal(logs[0].level, "warning");
    assert.deepEqual(logs[0].properties, {
      node: "n0",
      reply: "ask_ok",
      type: "ask",
      src: "c2",
      ageMs: 4100,
    });
  } finally {
    await stop();
  }
});

Deno.test("a handler that answers at once is answered at once, errors included", async () => {
  const { send, replies, stop } = start();
  try {
    send("c1", { type: "ask" });
    assert.deepEqual(replies(), ["ask_ok"]);
    send("c1", { type: "fail" });
    await settle();
    assert.deepEqual(replies(), ["ask_ok", "error"]);
  } finally {
    await stop();
  }
});

Deno.test("after a pause, the backlog counts as old as the pause", async () => {
  const { clock, send, replies, stop } = start();
  try {
    await clock.advance(1000);
    // Frozen for 4.5 s: no timer runs. A request read before the overdue tick fires is aged by
    // the time since the last tick.
    clock.freeze(4500);
    send("c1", { type: "ask" });
    send("c2", { type: "fail" });
    await settle();
    assert.deepEqual(replies(), []);
    // The overdue tick fires; what comes within the backlog window is aged by the pause too.
    await clock.advance(1);
    send("c3", { type: "ask" });
    await clock.advance(200);
    send("c4", { type: "ask" });
    assert.deepEqual(replies(), []);
    // Past the window, requests are new again.
    await clock.advance(100);
    send("c5", { type: "ask" });
    assert.deepEqual(replies(), ["ask_ok"]);
  } finally {
    await stop();
  }
});

Deno.test("a short pause is not a backlog, and only the time it lasted counts", async () => {
  const { clock, send, replies, deadline, stop } = start();
  try {
    await clock.advance(1000);
    clock.freeze(450);
    const arrival = deadline.arrived();
    assert.equal(arrival.ageOnArrivalMs, 450);
    await clock.advance(1);
    send("c1", { type: "ask", waitMs: 3900 });
    await clock.advance(4000);
    assert.deepEqual(replies(), ["ask_ok"]);
  } finally {
    await stop();
  }
});

Deno.test("requests from other nodes are answered however late", async () => {
  const { clock, send, replies, stop } = start();
  try {
    await clock.advance(1000);
    clock.freeze(6000);
    send("n1", { type: "ask" });
    send("n1", { type: "fail" });
    await settle();
    assert.deepEqual(replies(), ["ask_ok", "error"]);
  } finally {
    await stop();
  }
});

Deno.test("inTime tells a handler's own waiting list which clients still listen", async () => {
  const { clock, deadline, stop } = start();
  try {
    const arrival = deadline.arrived();
    await clock.advance(3999);
    assert.equal(deadline.inTime(arrival), true);
    await clock.advance(1);
    assert.equal(deadline.inTime(arrival), false);
  } finally {
    await stop();
  }
});
