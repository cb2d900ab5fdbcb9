import assert from "node:assert/strict";
import { VirtualClock } from "./clock.ts";
import { grudgeFor } from "./nemesis.ts";
import { Network, UnknownEndpointError } from "./network.ts";
import { createRng } from "./rng.ts";

function net(latencyMs: number, latencyDist: "constant" | "uniform" | "exponential" = "constant") {
  const clock = new VirtualClock();
  const network = new Network(clock, createRng(1), { latencyMs, latencyDist });
  const got: { to: string; type: unknown; at: number }[] = [];
  for (const id of ["n0", "n1", "n2", "c0", "seq-kv"]) {
    network.register(id, {
      deliver: (m) => got.push({ to: id, type: m.body.type, at: clock.now() }),
    });
  }
  return { clock, network, got };
}

Deno.test("latency applies between nodes and services, never to clients", async () => {
  const { clock, network, got } = net(100);
  await clock.run(async () => {
    network.send("c0", "n0", { type: "from-client" });
    network.send("n0", "n1", { type: "between-nodes" });
    network.send("n0", "seq-kv", { type: "to-service" });
    network.send("n1", "c0", { type: "to-client" });
    await clock.sleep(500);
  });
  const at = Object.fromEntries(got.map((g) => [g.type, g.at]));
  assert.deepEqual(at, {
    "from-client": 0,
    "to-client": 0,
    "between-nodes": 100,
    "to-service": 100,
  });
});

Deno.test("constant latency keeps per-destination order; uniform stays in [0, 2·mean)", async () => {
  const { clock, network, got } = net(50);
  await clock.run(async () => {
    for (let i = 0; i < 20; i++) network.send("n0", "n1", { type: i });
    await clock.sleep(100);
  });
  assert.deepEqual(got.map((g) => g.type), Array.from({ length: 20 }, (_, i) => i));
  const u = net(50, "uniform");
  await u.clock.run(async () => {
    for (let i = 0; i < 500; i++) u.network.send("n0", "n1", { type: i });
    await u.clock.sleep(200);
  });
  assert.equal(u.got.length, 500);
  assert.ok(u.got.every((g) => g.at >= 0 && g.at < 100));
  assert.ok(u.got.some((g) => g.at < 25) && u.got.some((g) => g.at > 75));
});

Deno.test("partitions drop at delivery; clients and services are never cut off", async () => {
  const { clock, network, got } = net(10);
  const journal = network.journal;
  await clock.run(async () => {
    network.partition(new Map([["n1", new Set(["n0"])]]));
    network.send("n0", "n1", { type: "dropped" });
    network.send("n1", "n0", { type: "one-way-ok" });
    network.send("n0", "seq-kv", { type: "service" });
    network.send("c0", "n1", { type: "client" });
    await clock.sleep(50);
    network.heal();
    network.send("n0", "n1", { type: "after-heal" });
    await clock.sleep(50);
  });
  assert.deepEqual(got.map((g) => g.type).sort(), [
    "after-heal",
    "client",
    "one-way-ok",
    "service",
  ]);
  assert.equal(journal.find((e) => e.body.type === "dropped")?.dropped, "partition");
  const stats = network.stats(2);
  assert.equal(stats.all["send-count"], 5);
  assert.equal(stats.all["recv-count"], 4);
  assert.equal(stats.clients["msg-count"], 1);
  assert.equal(stats.servers["msg-count"], 4);
  assert.equal(stats.servers["msgs-per-op"], 2);
  assert.equal(stats.clients["msgs-per-op"], undefined);
});

Deno.test("unknown endpoints are refused", () => {
  const { network } = net(0);
  assert.throws(() => network.send("n0", "n9", { type: "x" }), UnknownEndpointError);
  assert.throws(() => network.send("zz", "n0", { type: "x" }), /Invalid src "zz"/);
});

Deno.test("partition specs cut the cluster as Maelstrom does", () => {
  const nodes = ["n0", "n1", "n2", "n3", "n4"];
  const rng = createRng(5);
  const one = grudgeFor("one", nodes, rng);
  const isolated = [...one].find(([, srcs]) => srcs.size === 4)![0];
  for (const n of nodes) if (n !== isolated) assert.deepEqual([...one.get(n)!], [isolated]);
  const majority = grudgeFor("majority", nodes, rng);
  const sizes = [...majority.values()].map((s) => s.size).sort();
  assert.deepEqual(sizes, [2, 2, 2, 3, 3]);
  const third = grudgeFor("minority-third", nodes, rng);
  assert.deepEqual([...third.values()].map((s) => s.size).sort(), [1, 1, 1, 1, 4]);
  assert.equal(grudgeFor("minority-third", ["n0", "n1", "n2"], rng).size, 0);
  const ring = grudgeFor("majorities-ring", nodes, rng);
  // Every node hears a majority (itself included): it drops at most 2 of the 5.
  for (const n of nodes) assert.ok((ring.get(n)?.size ?? 0) <= 2);
  assert.ok(ring.size > 0);
});

Deno.test("virtual clock: same-instant events run in scheduling order; deadlock is an error", async () => {
  const clock = new VirtualClock();
  const order: string[] = [];
  await clock.run(async () => {
    clock.setTimeout(() => order.push("a"), 10);
    clock.setTimeout(() => order.push("b"), 10);
    const t = clock.setTimeout(() => order.push("cancelled"), 5);
    clock.clearTimeout(t);
    await clock.sleep(10);
    order.push("main");
  });
  assert.deepEqual(order, ["a", "b", "main"]);
  await assert.rejects(
    new VirtualClock().run(() => new Promise(() => {})),
    /Virtual time deadlock at 0 ms/,
  );
});
