/**
 * Challenge 5 (kafka-style log) under crashes: parts 5a, 5b and 5c with `--nemesis
 * partition,kill,pause` added to their fly.io command lines, on 20 simulated seeds and in one run
 * as real processes. Every acknowledged send must be polled in the end and no offset may be used
 * twice, although a killed node loses its memory and a paused one wakes up to a stale backlog.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createNode } from "../challenges/kafka.ts";
import { createRng } from "../harness/rng.ts";
import { createService } from "../harness/services/kv.ts";
import type { CheckResult, Op, Service } from "../harness/types.ts";
import type { Clock } from "../lib/clock.ts";
import type { Node } from "../lib/node.ts";
import { MemoryTransport } from "../lib/transport.ts";
import { PARTS } from "../tasks/parts.ts";
import { cli, explain, simulate } from "./support.ts";

const SEEDS = Array.from({ length: 20 }, (_, i) => i + 1);
const FAULTS = ["--nemesis", "partition,kill,pause"];

/** The fly.io flags of a part with the faults added. */
function faulty(id: string): string[] {
  const part = PARTS.find((p) => p.id === id);
  assert.ok(part, `no part ${id}`);
  return [...part.args, ...FAULTS];
}

const errorTypes = (r: CheckResult) =>
  (r.workload as Record<string, unknown>)["error-types"] as string[];

/** The nodes that the nemesis really killed and paused in a history. */
function faultsDone(history: readonly Op[]): { killed: boolean; paused: boolean } {
  const done = (f: string, word: string) =>
    history.some((op) =>
      op.process === "nemesis" && op.f === f && op.type === "info" &&
      JSON.stringify(op.value ?? null).includes(`"${word}"`)
    );
  return { killed: done("kill", "killed"), paused: done("pause", "paused") };
}

/** Whether no client op of a run succeeded: the nemesis kept every node dead or frozen for the
 * whole run (a kill at the start whose `start` came only with the final phase, for example), so
 * no design can pass, and Maelstrom's own verdict is the same: nothing succeeded, and the checker
 * has no graph to check. */
function nothingSucceeded(run: { history: readonly Op[]; results: CheckResult }): boolean {
  const clientOps = run.history.filter((op) => typeof op.process === "number");
  return clientOps.every((op) => op.type !== "ok") &&
    JSON.stringify(errorTypes(run.results)) === JSON.stringify(["empty-transaction-graph"]);
}

/** Runs a part on every seed and checks each is valid with no anomaly, but for seeds where the
 * nemesis left no node alive to answer anything; returns how many seeds saw a node killed and a
 * node paused, so a test can show the faults really struck, and the seeds with no live node. */
async function validOnAllSeeds(
  id: string,
): Promise<{ killed: number; paused: number; allDead: number[] }> {
  const args = faulty(id);
  let killed = 0, paused = 0;
  const allDead: number[] = [];
  for (const seed of SEEDS) {
    const run = await simulate("challenges/kafka.ts", args, seed);
    const reproduce = `deno task maelstrom test --bin challenges/kafka.ts ${
      args.join(" ")
    } --seed ${seed}`;
    const faults = faultsDone(run.history);
    if (faults.killed) killed++;
    if (faults.paused) paused++;
    if (run.results["valid?"] !== true && nothingSucceeded(run)) {
      allDead.push(seed);
      continue;
    }
    assert.equal(run.results["valid?"], true, `${reproduce}\n${explain(run.results)}`);
    assert.deepEqual(errorTypes(run.results), [], reproduce);
  }
  return { killed, paused, allDead };
}

Deno.test("kafka 5b/5c under partition, kill and pause: no acknowledged send lost, no offset reused on 20 seeds", async () => {
  const struck = await validOnAllSeeds("5c");
  // With two nodes, only a kill of both at the start that lasts until the final phase leaves
  // nothing to check (seed 19 today).
  assert.ok(struck.allDead.length <= 1, `no node answered on seeds ${struck.allDead}`);
  // The faults are random: many seeds must really kill and pause a node, or this proves little.
  assert.ok(struck.killed >= 8, `only ${struck.killed} seeds killed a node`);
  assert.ok(struck.paused >= 8, `only ${struck.paused} seeds paused a node`);
});

Deno.test("kafka 5a under partition, kill and pause: the one node's log survives its restarts on 20 seeds", async () => {
  const struck = await validOnAllSeeds("5a");
  // Every kill or pause strikes the one node, and on about a third of the seeds (5, 8, 10, 11, 16,
  // 18 and 19 today) the first one lasts until the final phase: no op can succeed there.
  assert.ok(struck.allDead.length <= 8, `no node answered on seeds ${struck.allDead}`);
  assert.ok(struck.killed - struck.allDead.length >= 5, JSON.stringify(struck));
});

// As real processes, a kill and a pause together once stored one message of key "8" at two
// offsets (duplicate, inconsistent-offsets; issue #16): a paused node's late reply to a killed
// node's forward was taken by the node's next life for the reply to its own forward (the
// deterministic tests below replay that interleaving). The seed is fixed so that the nemesis
// does what it takes, every time: seed 109 pauses both nodes, kills n1 and starts it again while
// n0 is still paused, then resumes n0, which wakes up to requests of n1's previous life and
// answers them to its new one.
Deno.test("kafka 5b as real processes under partition, kill and pause: valid", async () => {
  // A shorter run and nemesis interval keep the wall time small while still killing and pausing.
  const args = faulty("5b").map((a, i, all) => all[i - 1] === "--time-limit" ? "8" : a);
  const run = await cli([
    ...args,
    ...["--nemesis-interval", "2", "--seed", "109", "--no-report", "--bin", "launchers/kafka"],
  ]);
  assert.ok(run.results, run.stderr.slice(-3000));
  assert.equal(run.results["valid?"], true, explain(run.results));
  assert.equal(run.code, 0, run.stdout.slice(-3000));
  assert.deepEqual(errorTypes(run.results), []);
  assert.match(run.stdout, /kill op/, "the nemesis killed nothing");
});

/** A clock the test drives by hand: `advance` moves time and fires the timers that came due,
 * `freeze` moves time and fires nothing, as a paused process sees it. */
class HandClock implements Clock {
  #nowMs = 0;
  #timers = new Map<number, { dueMs: number; fn: () => void }>();
  #next = 1;
  now(): number {
    return this.#nowMs;
  }
  setTimeout(fn: () => void, ms: number): number {
    const id = this.#next++;
    this.#timers.set(id, { dueMs: this.#nowMs + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }
  freeze(ms: number): void {
    this.#nowMs += ms;
  }
  /** Fires every timer that is due now, oldest first, as a resumed process does. */
  async fireDue(): Promise<void> {
    for (const [id, t] of [...this.#timers].sort((a, b) => a[1].dueMs - b[1].dueMs)) {
      if (t.dueMs > this.#nowMs) continue;
      this.#timers.delete(id);
      t.fn();
      await settle();
    }
  }
  async advance(ms: number, stepMs = 10): Promise<void> {
    for (let i = 0; i < ms / stepMs; i++) {
      this.#nowMs += stepMs;
      await this.fireDue();
    }
  }
}

/** Lets pending promise callbacks run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

Deno.test("kafka: after a pause, requests from the backlog get no reply, so a closed client cannot silence the node", async () => {
  const transport = new MemoryTransport();
  const clock = new HandClock();
  const node = createNode({ transport, clock, random: () => 0.5 });
  const running = node.run();
  let msgId = 0;
  const poll = (client: string) =>
    transport.deliver(JSON.stringify({
      src: client,
      dest: "n0",
      body: { type: "poll", offsets: {}, msg_id: ++msgId },
    }));
  const repliedTo = (client: string) =>
    transport.output.some((line) => JSON.parse(line).dest === client);
  transport.deliver(JSON.stringify({
    src: "c0",
    dest: "n0",
    body: { type: "init", node_id: "n0", node_ids: ["n0"], msg_id: ++msgId },
  }));
  await settle();
  await clock.advance(1000);
  poll("c1");
  await settle();
  assert.ok(repliedTo("c1"), "a poll with nothing to read is answered at once");
  // Frozen for 10 s: the request that waited in the backlog is handled, but not answered...
  clock.freeze(10_000);
  poll("c2");
  await settle();
  // ...nor is one that comes right after the late timers fired.
  await clock.fireDue();
  poll("c3");
  await settle();
  assert.ok(!repliedTo("c2") && !repliedTo("c3"), transport.output.join("\n"));
  // Once the node has run for a while again, it answers as before.
  await clock.advance(1000);
  poll("c4");
  await settle();
  assert.ok(repliedTo("c4"));
  node.close();
  transport.end();
  await running;
});

type Body = Record<string, unknown>;

/** Two kafka nodes, the harness's lin-kv and their clients, wired by hand: a line goes to its
 * destination at once, unless that node is paused (it waits, in order, until `resume`) or dead
 * (it is lost, as Maelstrom loses it). `kill` and `restart` make a fresh process in the node's
 * place; each life draws its own random word. */
class HandCluster {
  readonly clock = new HandClock();
  readonly kv: Service = createService("lin-kv", createRng(1));
  /** Every body a node wrote to a client, with the client's id. */
  readonly toClients: { client: string; body: Body }[] = [];
  #lives = new Map<string, { node: Node; transport: MemoryTransport; running: Promise<void> }>();
  #paused = new Map<string, string[]>();
  #cut = new Set<string>();
  #msgId = 0;
  #seed = 0;

  constructor(readonly ids: string[]) {}

  async start(id: string): Promise<void> {
    const transport = new MemoryTransport((line) => queueMicrotask(() => this.#route(line)));
    const word = (this.#seed += 0.1);
    const node = createNode({ transport, clock: this.clock, random: () => word });
    this.#lives.set(id, { node, transport, running: node.run() });
    const init = { type: "init", node_id: id, node_ids: this.ids };
    this.#deliver(id, { src: "c0", dest: id, body: this.#request(init) });
    await settle();
  }

  async kill(id: string): Promise<void> {
    const life = this.#lives.get(id)!;
    this.#lives.delete(id);
    this.#paused.delete(id);
    life.node.close();
    life.transport.end();
    await life.running;
  }

  pause(id: string): void {
    this.#paused.set(id, []);
  }

  async resume(id: string): Promise<void> {
    const waiting = this.#paused.get(id) ?? [];
    this.#paused.delete(id);
    for (const line of waiting) this.#lives.get(id)?.transport.deliver(line);
    await settle();
  }

  /** Loses every line from `src` to `dest` until `heal`. */
  cut(src: string, dest: string): void {
    this.#cut.add(`${src}>${dest}`);
  }

  heal(src: string, dest: string): void {
    this.#cut.delete(`${src}>${dest}`);
  }

  /** A client's request to a node. */
  async ask(client: string, id: string, body: Body): Promise<void> {
    this.#deliver(id, { src: client, dest: id, body: this.#request(body) });
    await settle();
  }

  /** What lin-kv holds at a key (null when nothing). */
  read(key: string): unknown {
    const reply = this.kv.handle("test", { type: "read", key });
    return reply?.type === "read_ok" ? reply.value : null;
  }

  async stop(): Promise<void> {
    for (const id of [...this.#lives.keys()]) await this.kill(id);
  }

  #request(body: Body): Body {
    return { ...body, msg_id: ++this.#msgId };
  }

  #deliver(id: string, msg: { src: string; dest: string; body: Body }): void {
    if (this.#cut.has(`${msg.src}>${id}`)) return;
    const line = JSON.stringify(msg);
    const waiting = this.#paused.get(id);
    if (waiting) waiting.push(line);
    else this.#lives.get(id)?.transport.deliver(line);
  }

  #route(line: string): void {
    const msg = JSON.parse(line) as { src: string; dest: string; body: Body };
    if (msg.dest === this.kv.id) {
      if (this.#cut.has(`${msg.src}>${msg.dest}`)) return;
      const reply = this.kv.handle(msg.src, msg.body);
      if (reply) {
        const body = { ...reply, in_reply_to: msg.body.msg_id };
        this.#deliver(msg.src, { src: this.kv.id, dest: msg.src, body });
      }
    } else if (this.ids.includes(msg.dest)) this.#deliver(msg.dest, msg);
    else this.toClients.push({ client: msg.dest, body: msg.body });
  }
}

// The interleaving that stored one send at two offsets as real processes (issue #16). Key "8" is
// led by n1 (the second of two nodes); n0 forwards its sends. n1 is paused with a forwarded send
// of n0 in its backlog; n0 is killed and restarted, and its new life forwards another send of the
// same key, which then went under the same msg_id, because every process numbered its messages
// from 1 (lib/node.ts now starts each at a random point; kafka's asks are named by ids of their
// own besides, and this test passes with either defence alone). When n1 wakes up it stores both
// and answers both forwards; the new life must not take the answer to its predecessor's forward
// for the answer to its own.
Deno.test("kafka: a paused leader's answer to a killed node's forward is not taken for the answer to the new life's forward", async () => {
  const cluster = new HandCluster(["n0", "n1"]);
  await cluster.start("n0");
  await cluster.start("n1");
  await cluster.clock.advance(200);
  cluster.pause("n1");
  await cluster.ask("c1", "n0", { type: "send", key: "8", msg: "lost" });
  await cluster.kill("n0");
  await cluster.start("n0");
  await cluster.ask("c2", "n0", { type: "send", key: "8", msg: "acked" });
  await cluster.resume("n1");
  await cluster.clock.advance(200);
  const log = (cluster.read("log/8/0") as { msgs: unknown[] } | null)?.msgs ?? [];
  assert.deepEqual(log, ["lost", "acked"], "n1 stored both forwarded sends, in order");
  const answers = cluster.toClients.filter((m) => m.client === "c2").map((m) => m.body);
  assert.equal(answers.length, 1, JSON.stringify(cluster.toClients));
  const answer = answers[0];
  // An indeterminate error would do; an offset must be the message's own.
  if (answer.type === "send_ok") {
    assert.equal(
      log[answer.offset as number],
      "acked",
      `acknowledged at ${answer.offset}: ${JSON.stringify(log)}`,
    );
  } else assert.equal(answer.type, "error");
  await cluster.stop();
});

// The same confusion, with a lin-kv call on the receiving end. n1 leads key "8" and n0 is its
// replica. n0 is paused with n1's `replicate` (its fifth message) in its backlog; n1 is killed and
// restarted, and its new life's fifth message is a compare-and-set of the key's chunk, which lin-kv
// never receives; when every process numbered its messages from 1, the two had the same msg_id.
// When n0 wakes up and answers the old `replicate`, the new life must not take that answer for
// lin-kv's, or it acknowledges a send that is nowhere durable.
Deno.test("kafka: a paused replica's answer to a killed leader is not taken for a lin-kv reply", async () => {
  const cluster = new HandCluster(["n0", "n1"]);
  await cluster.start("n0");
  await cluster.start("n1");
  await cluster.clock.advance(200);
  cluster.pause("n0");
  // n1's messages: init_ok, read, cas, send_ok, then replicate (the fifth) to n0.
  await cluster.ask("c1", "n1", { type: "send", key: "8", msg: "a" });
  await cluster.clock.advance(60);
  await cluster.kill("n1");
  await cluster.start("n1");
  // The new life: init_ok, read, cas, send_ok, and the cas of "c" (the fifth), lost.
  await cluster.ask("c2", "n1", { type: "send", key: "8", msg: "b" });
  cluster.cut("n1", "lin-kv");
  await cluster.ask("c3", "n1", { type: "send", key: "8", msg: "c" });
  await cluster.resume("n0");
  cluster.heal("n1", "lin-kv");
  await cluster.clock.advance(3000);
  const log = (cluster.read("log/8/0") as { msgs: unknown[] } | null)?.msgs ?? [];
  const acked = cluster.toClients.filter((m) => m.body.type === "send_ok");
  // The lost compare-and-set timed out and was tried again once lin-kv was back.
  assert.deepEqual(acked.map((m) => m.client), ["c1", "c2", "c3"], JSON.stringify(acked));
  for (const { client, body } of acked) {
    const sent = { c1: "a", c2: "b", c3: "c" }[client];
    assert.equal(
      log[body.offset as number],
      sent,
      `${client}'s ${sent} acknowledged at ${body.offset}, lin-kv holds ${JSON.stringify(log)}`,
    );
  }
  await cluster.stop();
});

// The path the tags are for: a compare-and-set that lin-kv applied but whose reply was lost is
// tried again, fails (the chunk is no longer what it was), and the read that follows shows the
// send's own tag where it put it, so the send is acknowledged at that offset and stored once.
Deno.test("kafka: a compare-and-set that landed but whose reply was lost is recognised by its tag", async () => {
  const cluster = new HandCluster(["n0", "n1"]);
  await cluster.start("n0");
  await cluster.start("n1");
  await cluster.clock.advance(200);
  await cluster.ask("c1", "n1", { type: "send", key: "8", msg: "w" });
  cluster.cut("lin-kv", "n1");
  await cluster.ask("c2", "n1", { type: "send", key: "8", msg: "x" });
  cluster.heal("lin-kv", "n1");
  await cluster.clock.advance(3000);
  assert.deepEqual((cluster.read("log/8/0") as { msgs: unknown[] }).msgs, ["w", "x"]);
  const acked = cluster.toClients.filter((m) => m.body.type === "send_ok");
  assert.deepEqual(acked.map((m) => [m.client, m.body.offset]), [["c1", 0], ["c2", 1]]);
  await cluster.stop();
});
