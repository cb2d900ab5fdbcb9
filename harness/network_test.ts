import assert from "node:assert/strict";
import { RealClock, VirtualClock } from "./clock.ts";
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
  // Each message goes to an idle delivery loop (200 ms apart), so its arrival shows its latency.
  const u = net(50, "uniform");
  await u.clock.run(async () => {
    for (let i = 0; i < 500; i++) {
      u.network.send("n0", "n1", { type: i * 200 });
      await u.clock.sleep(200);
    }
  });
  assert.equal(u.got.length, 500);
  const latencies = u.got.map((g) => g.at - (g.type as number));
  assert.ok(latencies.every((l) => l >= 0 && l < 100 && Number.isInteger(l)));
  assert.ok(latencies.some((l) => l < 25) && latencies.some((l) => l > 75));
});

Deno.test("partitions drop messages; clients and services are never cut off", async () => {
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

// --- Maelstrom's delivery loop (net.clj `send!`/`recv!`): one deadline-ordered queue per
// endpoint, taken one message at a time. ---

Deno.test("head-of-line: a client request waits behind the message the loop already holds", async () => {
  const { clock, network, got } = net(100);
  await clock.run(async () => {
    network.send("n0", "n1", { type: "gossip" }); // due at 100, taken at once
    await clock.sleep(10);
    network.send("c0", "n1", { type: "request" }); // due at 10, but the loop sleeps until 100
    network.send("c0", "n2", { type: "other-node" }); // n2's loop is idle: delivered at once
    await clock.sleep(200);
  });
  assert.deepEqual(got.map((g) => `${g.to}:${g.type}@${g.at}`), [
    "n2:other-node@10",
    "n1:gossip@100",
    "n1:request@100",
  ]);
});

Deno.test("head-of-line: after a delivery the loop takes the earliest deadline, ties in send order", async () => {
  const clock = new VirtualClock();
  // Latencies drawn in send order: 300, 50, 50, 10 (a scripted "uniform" source).
  const draws = [300, 50, 50, 10].map((ms) => ms / 1000);
  const rng = { next: () => draws.shift()!, int: () => 0, pick: <T>(x: readonly T[]) => x[0] };
  const network = new Network(clock, rng as never, { latencyMs: 500, latencyDist: "uniform" });
  const got: string[] = [];
  for (const id of ["n0", "n1", "n2"]) {
    network.register(id, { deliver: (m) => got.push(`${m.body.type}@${clock.now()}`) });
  }
  await clock.run(async () => {
    network.send("n0", "n2", { type: "slow" }); // due at 300: taken first, blocks the others
    network.send("n0", "n2", { type: "a" }); // due at 50
    network.send("n1", "n2", { type: "b" }); // due at 50, sent after a
    network.send("n1", "n2", { type: "c" }); // due at 10
    await clock.sleep(400);
  });
  assert.deepEqual(got, ["slow@300", "c@300", "a@300", "b@300"]);
});

Deno.test("partitions are checked when the loop takes a message, not when it is delivered", async () => {
  const { clock, network, got } = net(100);
  await clock.run(async () => {
    network.send("n0", "n1", { type: "taken-before" }); // taken at 0, due at 100
    await clock.sleep(10);
    network.partition(new Map([["n1", new Set(["n0"])]]));
    network.send("n0", "n1", { type: "taken-during" }); // queued; taken at 100 while cut
    await clock.sleep(20);
    network.send("n2", "n1", { type: "from-n2" }); // queued; taken at 100, n2 is not cut
    await clock.sleep(100); // t = 130
    network.heal();
    await clock.sleep(200);
  });
  assert.deepEqual(got.map((g) => `${g.type}@${g.at}`), ["taken-before@100", "from-n2@130"]);
  const dropped = network.journal.find((e) => e.body.type === "taken-during")!;
  assert.equal(dropped.dropped, "partition");
  assert.equal(dropped.recvMs, undefined);
});

Deno.test("a client's messages wait in its queue until it listens; closing it drops them", async () => {
  const clock = new VirtualClock();
  const network = new Network(clock, createRng(1), { latencyMs: 0, latencyDist: "constant" });
  const got: unknown[] = [];
  network.register("n0", { deliver: () => {} });
  network.register("c0", { deliver: (m) => got.push(m.body.type) }, { pull: true });
  await clock.run(async () => {
    network.send("n0", "c0", { type: "late-reply" });
    await clock.sleep(100);
    assert.deepEqual(got, []);
    network.listen("c0", true);
    await clock.sleep(1);
    network.listen("c0", false);
    network.send("n0", "c0", { type: "unread" });
    await clock.sleep(100);
    network.unregister("c0");
  });
  assert.deepEqual(got, ["late-reply"]);
  const [late, unread] = network.journal;
  assert.equal(late.recvMs, 100);
  assert.equal(unread.recvMs, undefined);
  assert.equal(unread.dropped, "unregistered");
  assert.throws(() => network.send("n0", "c0", { type: "x" }), /Invalid dest "c0"/);
  network.tearDown();
  assert.equal(network.send("n0", "c0", { type: "after-teardown" }), undefined);
  assert.equal(network.journal.length, 2);
});

Deno.test("re-registering an endpoint gives it a fresh queue", async () => {
  const { clock, network, got } = net(100);
  await clock.run(async () => {
    network.send("n0", "n1", { type: "old-life" });
    await clock.sleep(50);
    network.register("n1", { deliver: (m) => got.push({ to: "n1'", type: m.body.type, at: 0 }) });
    network.send("n0", "n1", { type: "new-life" });
    await clock.sleep(200);
  });
  assert.deepEqual(got.map((g) => `${g.to}:${g.type}`), ["n1':new-life"]);
  assert.equal(network.journal[0].dropped, "unregistered");
});

Deno.test("real time: a client request waits behind the message the loop holds", async () => {
  const clock = new RealClock();
  const network = new Network(clock, createRng(1), { latencyMs: 40, latencyDist: "constant" });
  const got: string[] = [];
  for (const id of ["n0", "n1", "c0"]) {
    network.register(id, { deliver: (m) => got.push(String(m.body.type)) });
  }
  network.send("n0", "n1", { type: "gossip" });
  await clock.sleep(5);
  network.send("c0", "n1", { type: "request" });
  await clock.sleep(150);
  assert.deepEqual(got, ["gossip", "request"]);
  const [gossip, request] = network.journal;
  assert.ok(request.recvMs! >= gossip.recvMs!);
});

Deno.test("a node's delivery loop can be stopped and resumed; its messages wait meanwhile", async () => {
  const { clock, network, got } = net(10);
  await clock.run(async () => {
    network.listen("n1", false);
    network.send("n0", "n1", { type: "queued" });
    await clock.sleep(100);
    assert.deepEqual(got, []);
    network.listen("n1", true);
    await clock.sleep(1);
  });
  assert.deepEqual(got.map((g) => `${g.type}@${g.at}`), ["queued@100"]);
});

// --- The fast paths (a FIFO run beside the heap, and taking a message for an idle, empty queue
// without queueing it) must deliver exactly as the plain heap does. ---

/** Plays one scripted scenario of seed `seed` on a virtual clock and returns every delivery and
 * every journal mark, so that two runs can be compared. Sends, sleeps, partitions, stopped loops,
 * kills, restarts, crashes, re-registrations and replies sent from inside a delivery are all drawn
 * from a script RNG whose draws do not depend on what the network does. */
async function playScenario(seed: number, fastPaths: boolean): Promise<string[]> {
  const script = createRng(seed);
  const dists = [
    { latencyMs: 0, latencyDist: "constant" },
    { latencyMs: 10, latencyDist: "constant" },
    { latencyMs: 20, latencyDist: "uniform" },
    { latencyMs: 15, latencyDist: "exponential" },
  ] as const;
  const latency = dists[seed % dists.length];
  const clock = new VirtualClock();
  const network = new Network(clock, createRng(seed + 1000), latency, { fastPaths });
  const nodes = ["n0", "n1", "n2", "n3"];
  const ids = [...nodes, "c0", "c1", "lin-kv"];
  const log: string[] = [];
  const killed = new Set<string>();
  const crashed = new Set<string>();
  const firstId = new Map<string, number>();
  const register = (id: string) =>
    network.register(id, {
      deliver: (m) => {
        log.push(`${id}<-${m.id}@${clock.now()}`);
        // A node answers some messages at once, from inside the delivery.
        if (nodes.includes(id) && m.id % 3 === 0 && m.body.type !== "reply") {
          network.send(id, m.src, { type: "reply" });
        }
      },
      state: nodes.includes(id)
        ? (m) => {
          if (killed.has(id) || m.id < (firstId.get(id) ?? 0)) return "killed";
          return crashed.has(id) ? "dead" : "up";
        }
        : undefined,
    }, { pull: id === "c1" });
  for (const id of ids) register(id);
  await clock.run(async () => {
    for (let step = 0; step < 400; step++) {
      const r = script.next();
      if (r < 0.6) {
        const src = script.pick(ids), dest = script.pick(ids);
        network.send(src, dest, { type: "m", step });
      } else if (r < 0.75) {
        await clock.sleep(script.int(0, 30));
      } else if (r < 0.8) {
        if (script.next() < 0.5) network.heal();
        else {
          const [a, b] = [script.pick(nodes), script.pick(nodes)];
          network.partition(new Map([[a, new Set([b])], [b, new Set([a])]]));
        }
      } else if (r < 0.86) {
        network.listen(script.pick(["c1", ...nodes]), script.next() < 0.6);
      } else if (r < 0.9) {
        const n = script.pick(nodes);
        if (killed.delete(n)) firstId.set(n, network.journal.length); // restart
        else killed.add(n);
      } else if (r < 0.92) {
        const n = script.pick(nodes);
        if (!crashed.delete(n)) crashed.add(n);
      } else if (r < 0.94) {
        register(script.pick(nodes)); // a fresh queue
      } else if (r < 0.97) {
        // A burst from one node to another, several sends in the same instant.
        const src = script.pick(nodes), dest = script.pick(ids);
        for (let k = 0; k < 5; k++) network.send(src, dest, { type: "burst", k });
      } else {
        await clock.sleep(0);
      }
    }
    for (const id of ["c1", ...nodes]) network.listen(id, true);
    await clock.sleep(1000);
  });
  for (const e of network.journal) {
    log.push(
      `#${e.id} ${e.src}->${e.dest} sent ${e.sentMs} recv ${e.recvMs} ${e.dropped} ${e.lost}`,
    );
  }
  return log;
}

Deno.test("fast paths: randomised scenarios deliver in exactly the plain heap's order", async () => {
  for (let seed = 1; seed <= 120; seed++) {
    const slow = await playScenario(seed, false);
    const fast = await playScenario(seed, true);
    assert.deepEqual(fast, slow, `seed ${seed}`);
    assert.ok(slow.some((l) => l.includes("<-")), `seed ${seed} delivers something`);
  }
});

Deno.test("fast paths: a run that never empties (steady traffic, constant latency) keeps its order", async () => {
  const play = async (fastPaths: boolean) => {
    const clock = new VirtualClock();
    const network = new Network(clock, createRng(3), {
      latencyMs: 10,
      latencyDist: "constant",
    }, { fastPaths });
    const got: string[] = [];
    for (const id of ["n0", "n1", "c0"]) {
      network.register(id, { deliver: (m) => got.push(`${m.body.k}@${clock.now()}`) });
    }
    await clock.run(async () => {
      // 5 messages a millisecond for 1 s, so the queue always holds about 50; a client message
      // (no latency) now and then overtakes them in the queue, though not the one already taken.
      for (let k = 0; k < 5000; k++) {
        network.send(k % 97 === 0 ? "c0" : "n0", "n1", { k });
        if (k % 5 === 4) await clock.sleep(1);
      }
      await clock.sleep(100);
    });
    return got;
  };
  const slow = await play(false);
  assert.equal(slow.length, 5000);
  assert.deepEqual(await play(true), slow);
});

Deno.test("fast paths: real time, the plain heap's order with zero latency and with clients", async () => {
  // In real time the exact instants differ from run to run, but with zero latency every queue is
  // in send order, and a client message between nodes' is delivered in that order too.
  for (const fastPaths of [true, false]) {
    const clock = new RealClock();
    const network = new Network(clock, createRng(1), { latencyMs: 0, latencyDist: "constant" }, {
      fastPaths,
    });
    const got: number[] = [];
    for (const id of ["n0", "n1", "c0"]) {
      network.register(id, { deliver: (m) => got.push(m.body.k as number) });
    }
    for (let k = 0; k < 300; k++) {
      network.send(k % 7 === 0 ? "c0" : "n0", "n1", { k });
      if (k % 50 === 49) await clock.sleep(1);
    }
    await clock.sleep(20);
    assert.deepEqual(got, Array.from({ length: 300 }, (_, k) => k), `fastPaths: ${fastPaths}`);
  }
});
