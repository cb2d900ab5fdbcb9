// Node processes: routing and spoofing, long lines, capped logs, dead nodes, process groups, the
// kill/restart/pause/resume faults, and signals. Process tests use a small bash node
// (tests/fixtures/forks_child.sh) that forks a `sleep 1000`, so every test also checks that no
// grandchild survives.
import assert from "node:assert/strict";
import { RpcError } from "../../lib/errors.ts";
import { ClientConn, ClientIds } from "../client.ts";
import { RealClock } from "../clock.ts";
import { Network, type WireMessage } from "../network.ts";
import { createRng } from "../rng.ts";
import type { CheckResult } from "../types.ts";
import { simulate } from "../testing.ts";
import { planDiagram } from "../report/lamport.ts";
import { renderPage } from "../report/lamport_render.ts";
import { sampleRun } from "../report/testing.ts";
import { summarize } from "../results.ts";
import type { TestOutcome } from "../runner.ts";
import type { TestOptions } from "../types.ts";
import {
  type NodeProblem,
  ProcessBackend,
  type ProcessBackendOptions,
  routeLine,
} from "./process.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const FORKS_CHILD = `${ROOT}tests/fixtures/forks_child.sh`;

/** A network on the real clock with a process backend, a client, and a sink endpoint "c999". */
function setup(opts: Partial<ProcessBackendOptions> = {}) {
  const clock = new RealClock();
  const network = new Network(clock, createRng(1), { latencyMs: 0, latencyDist: "constant" });
  const logDir = Deno.makeTempDirSync({ prefix: "procio-" });
  const backend = new ProcessBackend({
    bin: FORKS_CHILD,
    args: [],
    logDir,
    logStderr: false,
    ...opts,
  });
  const sink: WireMessage[] = [];
  network.register("c999", { deliver: (m) => sink.push(m) });
  const ids = new ClientIds();
  const rpc = (node: string, body: Record<string, unknown>, timeoutMs = 5000) => {
    const conn = ClientConn.open(network, clock, ids);
    return conn.rpc(node, body, timeoutMs).finally(() => conn.close());
  };
  const init = (node: string, nodes: string[]) =>
    rpc(node, { type: "init", node_id: node, node_ids: nodes });
  return { clock, network, backend, logDir, sink, rpc, init, ids };
}

/** Live (not zombie) processes in process group `pgid`, with their state letters. */
function groupMembers(pgid: number): { pid: number; state: string }[] {
  const out: { pid: number; state: string }[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      // Fields after the command name: state, ppid, pgrp, ...
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(") ") + 2).split(" ");
      if (Number(pgrp) === pgid && state !== "Z") out.push({ pid: Number(entry.name), state });
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

async function until(what: string, cond: () => boolean, ms = 10_000): Promise<void> {
  for (let waited = 0; !cond(); waited += 20) {
    if (waited > ms) throw new Error(`Timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// --- Spoofed src ---

Deno.test("routeLine: a line with another node's src is routed as Maelstrom does, marked and named", () => {
  const network = new Network(new RealClock(), createRng(1), {
    latencyMs: 0,
    latencyDist: "constant",
  });
  for (const id of ["n0", "n1", "c1"]) network.register(id, { deliver: () => {} });
  const spoofs: NodeProblem[] = [];
  const own = '{"src":"n0","dest":"n1","body":{"type":"gossip"}}';
  const spoofed = '{"src":"c1","dest":"n1","body":{"type":"gossip"}}';
  assert.equal(routeLine("n0", own, network, (p) => spoofs.push(p)), undefined);
  assert.equal(routeLine("n0", spoofed, network, (p) => spoofs.push(p)), undefined);
  const [a, b] = network.journal;
  assert.equal(a.spoofed, undefined);
  // Routed under the claimed src, as maelstrom.net/send! does.
  assert.equal(b.src, "c1");
  assert.equal(b.spoofed, true);
  assert.equal(spoofs.length, 1);
  assert.equal(spoofs[0].kind, "spoofed-src");
  assert.equal(spoofs[0].node, "n0");
  assert.equal(spoofs[0].claimedSrc, "c1");
  assert.equal(spoofs[0].line, spoofed);
  assert.match(spoofs[0].message, /Node "n0" wrote a message with src "c1" to "n1"/);
  assert.equal(network.stats(1).clients["msg-count"], 1);
  assert.equal(network.stats(1, { excludeSpoofed: true }).clients["msg-count"], 0);
});

Deno.test("spoofed src: a warning by default, a failure with --strict, and left out of the figures", async () => {
  const args = "-w broadcast --node-count 5 --time-limit 5 --rate 10";
  const nodesOf = (r: CheckResult) => r.nodes as CheckResult;
  const netOf = (r: CheckResult) => r.net as Record<string, Record<string, number>>;
  const loose = await simulate("tests/fixtures/broadcast_spoofer.ts", args, 7);
  // Maelstrom passes this node and counts its gossip as client traffic: 0 server messages.
  assert.equal(loose.results["valid?"], true);
  assert.equal(netOf(loose.results).servers["msg-count"], 0);
  const findings = nodesOf(loose.results)["beyond-maelstrom"] as Record<string, unknown>[];
  assert.ok(findings.length > 0);
  assert.equal(findings[0].anomaly, "spoofed-src");
  assert.match(String(findings[0].claimedSrc), /^c\d+$/);
  assert.match(String(findings[0].line), /"type":"gossip"/);
  assert.deepEqual(nodesOf(loose.results).problems, []);
  assert.ok(loose.network.journal.some((e) => e.spoofed));

  const strict = await simulate("tests/fixtures/broadcast_spoofer.ts", `${args} --strict`, 7);
  assert.equal(nodesOf(strict.results)["valid?"], false);
  assert.equal(strict.results["valid?"], false);
  const spoofedCount = strict.network.journal.filter((e) => e.spoofed).length;
  assert.ok(spoofedCount > 0);
  assert.equal(
    netOf(strict.results).all["msg-count"],
    strict.network.journal.length - spoofedCount,
  );
});

// --- Long lines and logs ---

Deno.test("process: a valid 30 MB line is routed whole", async () => {
  const script = `read -r init; printf '{"src":"n0","dest":"c999","body":{"type":"big","pad":"'; ` +
    `head -c 30000000 /dev/zero | tr '\\0' x; printf '"}}\\n'; sleep 1000`;
  const { network, backend, sink } = setup({ bin: "/bin/bash", args: ["-c", script] });
  await backend.start(["n0"], network);
  try {
    network.send("c999", "n0", { type: "go" });
    await until("the big line arrives", () => sink.length > 0, 30_000);
    assert.equal((sink[0].body.pad as string).length, 30_000_000);
    assert.deepEqual(backend.problems, []);
  } finally {
    await backend.stop();
  }
});

Deno.test("process: a line over the maximum is a bad line, named, and the node's output is ignored after", async () => {
  const script = `head -c 2000000 /dev/zero | tr '\\0' y; echo; ` +
    `echo '{"src":"n0","dest":"c999","body":{"type":"after"}}'; sleep 1000`;
  const { network, backend, sink } = setup({
    bin: "/bin/bash",
    args: ["-c", script],
    maxLineBytes: 1024 * 1024,
  });
  await backend.start(["n0"], network);
  try {
    await until("the long line is named", () => backend.problems.length > 0);
    const [problem] = backend.problems;
    assert.equal(problem.kind, "bad-line");
    assert.match(problem.message, /longer than the maximum of 1048576 bytes/);
    assert.ok(problem.line!.startsWith("yyyy"));
    await sleep(300);
    assert.deepEqual(sink, []);
  } finally {
    await backend.stop();
  }
});

Deno.test("process: a line cut short by our kill is no bad line; a node's own last unfinished line is read", async () => {
  const bin = `${ROOT}tests/fixtures/killed_mid_line.sh`;
  // Killed at teardown halfway through a line (Maelstrom's Python Raft demo under load): that
  // fragment once failed the run under --strict as "not JSON".
  const atStop = setup({ bin });
  await atStop.backend.start(["n0"], atStop.network);
  try {
    await atStop.init("n0", ["n0"]);
    await sleep(500);
  } finally {
    await atStop.backend.stop();
  }
  assert.deepEqual(atStop.backend.problems, []);

  // The same under the kill fault.
  const byFault = setup({ bin });
  await byFault.backend.start(["n0"], byFault.network);
  try {
    await byFault.init("n0", ["n0"]);
    await sleep(500);
    await byFault.backend.kill("n0");
    await sleep(100);
    assert.deepEqual(byFault.backend.problems, []);
  } finally {
    await byFault.backend.stop();
  }

  // A node that ends by itself after a complete message without its newline: the message is read.
  const own = setup({ bin, args: ["exit"] });
  await own.backend.start(["n0"], own.network);
  try {
    await own.init("n0", ["n0"]);
    await until("the last words arrive", () => own.sink.length > 0);
    assert.equal(own.sink[0].body.type, "last_words");
    assert.deepEqual(own.backend.problems.filter((p) => p.kind === "bad-line"), []);
  } finally {
    await own.backend.stop();
  }
});

Deno.test("process: a node's stderr log is capped, keeping its head and tail", async () => {
  const script = `for i in $(seq 1 20000); do echo "log line $i"; done >&2; sleep 1000`;
  const { network, backend, logDir } = setup({
    bin: "/bin/bash",
    args: ["-c", script],
    logCapBytes: 16 * 1024,
  });
  await backend.start(["n0"], network);
  await sleep(100);
  // The script writes about 250 KB; wait until it is all written, then stop.
  await until("the log is written", () => {
    try {
      return Deno.statSync(`${logDir}/n0.log`).size >= 12 * 1024;
    } catch {
      return false;
    }
  });
  await sleep(1000);
  await backend.stop();
  const text = Deno.readTextFileSync(`${logDir}/n0.log`);
  assert.ok(text.startsWith("log line 1\nlog line 2\n"));
  assert.ok(text.endsWith("log line 20000\n"), text.slice(-100));
  assert.match(text, /\[harness\] \d+ bytes of this log were cut here/);
  assert.ok(text.length < 16 * 1024 + 200, `${text.length} bytes`);
});

// --- Dead nodes ---

Deno.test("process: messages to a crashed node are journaled as received, as Maelstrom does, but marked lost", async () => {
  const { network, backend } = setup({ bin: "/bin/bash", args: ["-c", "read -r line; exit 3"] });
  await backend.start(["n0"], network);
  try {
    network.send("c999", "n0", { type: "first" });
    await until("the crash is seen", () => backend.problems.length > 0);
    assert.equal(backend.problems[0].kind, "crashed");
    const entry = network.send("c999", "n0", { type: "to-the-dead" })!;
    await sleep(50);
    assert.notEqual(entry.recvMs, undefined);
    assert.equal(entry.lost, "dead-node");
    assert.equal(network.stats(1).all["recv-count"], 2);
  } finally {
    await backend.stop();
  }
});

Deno.test("lost messages: the summary and the diagram do not show them as delivered", () => {
  const run = sampleRun();
  // Message 6 (c2 → n1, add) came due when n1 was dead: journaled as received, marked lost.
  const lost = run.journal[6];
  assert.notEqual(lost.recvMs, undefined);
  lost.lost = "dead-node";
  const plan = planDiagram(run);
  const svg = renderPage(run, plan, 0).body;
  assert.match(
    svg,
    /message 6: c2 → n1, sent [\d.]+ s, lost: its destination was dead \(dead-node\)/,
  );
  assert.doesNotMatch(svg, /message 6: c2 → n1, sent [\d.]+ s, received/);
  const outcome = {
    history: run.history,
    network: { journal: run.journal },
    results: run.results,
    problems: [],
  } as unknown as TestOutcome;
  const opts = { workload: "g-counter", nodes: ["n0", "n1"], seed: 1 } as TestOptions;
  const summary = summarize(outcome, opts, {});
  assert.match(summary, /message 6: c2 → n1 .* lost: its destination was dead \(dead-node\)/);
});

// --- Process groups and faults ---

Deno.test("process: stop kills each node's whole process group, grandchildren included", async () => {
  const { network, backend, init } = setup();
  await backend.start(["n0", "n1"], network);
  const pids = [backend.pid("n0")!, backend.pid("n1")!];
  try {
    await init("n0", ["n0", "n1"]);
    await init("n1", ["n0", "n1"]);
    for (const pid of pids) {
      // The node leads its own group, which holds its forked `sleep 1000` too.
      assert.ok(
        groupMembers(pid).length >= 2,
        `group ${pid}: ${JSON.stringify(groupMembers(pid))}`,
      );
    }
  } finally {
    await backend.stop();
  }
  await until("the groups are empty", () => pids.every((pid) => groupMembers(pid).length === 0));
});

Deno.test("process: kill then restart gives a fresh process answering on the same id", async () => {
  const { network, backend, init, rpc, logDir } = setup();
  await backend.start(["n0"], network);
  try {
    await init("n0", ["n0"]);
    assert.equal((await rpc("n0", { type: "echo", echo: "before" })).echo, "before");
    const first = backend.pid("n0")!;
    await backend.kill("n0");
    await backend.kill("n0");
    assert.deepEqual(groupMembers(first), []);
    // A kill is not a crash.
    assert.deepEqual(backend.problems, []);
    // While dead: requests time out; the message is journaled as sent, never received, lost.
    await assert.rejects(
      rpc("n0", { type: "echo", echo: "while dead" }, 300),
      (e) => e instanceof RpcError && e.code === 0,
    );
    const lost = network.journal.find((e) => e.body.echo === "while dead")!;
    assert.equal(lost.recvMs, undefined);
    assert.equal(lost.lost, "dead-node");

    await backend.restart("n0");
    const second = backend.pid("n0")!;
    assert.notEqual(second, first);
    await backend.restart("n0"); // A live node is left alone.
    assert.equal(backend.pid("n0"), second);
    await init("n0", ["n0"]);
    assert.equal((await rpc("n0", { type: "echo", echo: "after" })).echo, "after");
    assert.deepEqual(backend.problems, []);
  } finally {
    await backend.stop();
  }
  const log = Deno.readTextFileSync(`${logDir}/n0.log`);
  assert.match(
    log,
    /\[harness\] node n0 restarted at [\d.]+ s; the previous process \d+ was killed/,
  );
});

Deno.test("process: a message queued for a killed instance is not delivered to its successor", async () => {
  const clock = new RealClock();
  // With 300 ms of latency, a message sent just before the kill comes due after the restart.
  const network = new Network(clock, createRng(1), { latencyMs: 300, latencyDist: "constant" });
  const logDir = Deno.makeTempDirSync({ prefix: "procio-" });
  const backend = new ProcessBackend({ bin: FORKS_CHILD, args: [], logDir, logStderr: false });
  await backend.start(["n0", "n1"], network);
  try {
    const entry = network.send("n1", "n0", { type: "gossip" })!;
    await backend.kill("n0");
    await backend.restart("n0");
    await sleep(500);
    assert.equal(entry.recvMs, undefined);
    assert.equal(entry.lost, "dead-node");
  } finally {
    await backend.stop();
  }
});

Deno.test("process: pause stops replies, resume delivers the backlog", async () => {
  const { network, backend, init, clock, ids } = setup();
  await backend.start(["n0"], network);
  try {
    await init("n0", ["n0"]);
    const pid = backend.pid("n0")!;
    await backend.pause("n0");
    await backend.pause("n0");
    await until("the group is stopped", () => groupMembers(pid).every((p) => p.state === "T"));
    // The connections stay open: a late reply to a closed client would be a bad line, which
    // mutes the node (Maelstrom's rule), and this test is about the backlog.
    const a = ClientConn.open(network, clock, ids), b = ClientConn.open(network, clock, ids);
    await assert.rejects(
      a.rpc("n0", { type: "echo", echo: "paused" }, 300),
      (e) => e instanceof RpcError && e.code === 0,
    );
    const reply = b.rpc("n0", { type: "echo", echo: "backlog" }, 5000);
    await sleep(200);
    await backend.resume("n0");
    await backend.resume("n0");
    assert.equal((await reply).echo, "backlog");
    assert.deepEqual(backend.problems, []);
    assert.ok(groupMembers(pid).every((p) => p.state !== "T"));
  } finally {
    await backend.stop();
  }
});

Deno.test("process: stopping with a paused node leaves no process behind", async () => {
  const { network, backend, init } = setup();
  await backend.start(["n0"], network);
  await init("n0", ["n0"]);
  const pid = backend.pid("n0")!;
  await backend.pause("n0");
  await backend.stop();
  await until("the group is empty", () => groupMembers(pid).length === 0);
});

// --- Signals ---

/** Pids printed by a subprocess on a line `pids: 1 2 3`. */
async function readPids(stdout: ReadableStream<Uint8Array>): Promise<number[]> {
  const decoder = new TextDecoder();
  let text = "";
  for await (const chunk of stdout) {
    text += decoder.decode(chunk, { stream: true });
    const match = /pids: ([\d ]+)\n/.exec(text);
    if (match) return match[1].trim().split(" ").map(Number);
  }
  throw new Error(`No pids in ${JSON.stringify(text)}`);
}

Deno.test("signals: Ctrl-C with a paused node kills every group, paused ones included", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}tests/fixtures/paused_driver.ts`, FORKS_CHILD],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const pids = await readPids(child.stdout);
  assert.equal(pids.length, 2);
  assert.ok(groupMembers(pids[0]).every((p) => p.state === "T"), "n0 is paused");
  child.kill("SIGINT");
  const status = await child.status;
  const stderr = new TextDecoder().decode(await new Response(child.stderr).arrayBuffer());
  assert.equal(status.code, 130, stderr);
  assert.match(stderr, /Interrupted; every node process was killed/);
  await until("the groups are empty", () => pids.every((pid) => groupMembers(pid).length === 0));
});

for (
  const [signal, code, said] of [["SIGTERM", 143, /Terminated \(SIGTERM\)/], [
    "SIGHUP",
    129,
    /Hung up \(SIGHUP\)/,
  ]] as const
) {
  Deno.test(`signals: ${signal} kills every node and its children, exit ${code}`, async () => {
    const marker = `procio-${signal}-${crypto.randomUUID()}`;
    const store = Deno.makeTempDirSync({ prefix: "procio-store-" });
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        `${ROOT}harness/cli.ts`,
        "test",
        ..."-w echo --node-count 2 --time-limit 60 --store".split(" "),
        store,
        "--bin",
        FORKS_CHILD,
        "--",
        marker,
      ],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    // The nodes are the bash processes whose command line holds the marker.
    const nodePids = () => {
      const pids: number[] = [];
      for (const entry of Deno.readDirSync("/proc")) {
        if (!/^\d+$/.test(entry.name) || Number(entry.name) === child.pid) continue;
        try {
          if (Deno.readTextFileSync(`/proc/${entry.name}/cmdline`).includes(marker)) {
            pids.push(Number(entry.name));
          }
        } catch {
          // Gone.
        }
      }
      return pids;
    };
    await until("both nodes run with their children", () => {
      const pids = nodePids();
      return pids.length === 2 && pids.every((pid) => groupMembers(pid).length >= 2);
    }, 30_000);
    const pids = nodePids();
    child.kill(signal);
    const out = await child.output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, code, stderr);
    assert.match(stderr, said);
    assert.match(stderr, /every node process was killed/);
    await until("the groups are empty", () => pids.every((pid) => groupMembers(pid).length === 0));
    Deno.removeSync(store, { recursive: true });
  });
}
