import assert from "node:assert/strict";
import plugin from "./determinism.ts";

const lint = (source: string, file = "challenges/planted.ts") =>
  Deno.lint.runPlugin(plugin, file, source).map((d) => d.message);

Deno.test("determinism: a planted Math.random() in a challenge is caught", () => {
  const found = lint("export const pick = () => Math.random();");
  assert.deepEqual(found, [
    "Math.random() makes the simulator's replay diverge; use node.random()",
  ]);
});

Deno.test("determinism: every ambient clock, timer and random source is named", () => {
  const source = [
    "Date.now();",
    "performance.now();",
    "crypto.getRandomValues(new Uint8Array(4));",
    "crypto.randomUUID();",
    "setTimeout(() => {}, 10);",
    "setInterval(() => {}, 10);",
    "globalThis.setTimeout(() => {}, 10);",
    "globalThis.Math.random();",
    "new Date();",
  ].join("\n");
  const names = lint(source).map((m) => m.split(" ")[0]);
  assert.deepEqual(names, [
    "Date.now()",
    "performance.now()",
    "crypto.getRandomValues()",
    "crypto.randomUUID()",
    "setTimeout()",
    "setInterval()",
    "setTimeout()",
    "Math.random()",
    "new",
  ]);
});

Deno.test("determinism: the node's own clock and randomness pass, and so does new Date(ms)", () => {
  const source = [
    "node.now();",
    "node.random();",
    "node.every(100, () => {});",
    "this.clock.setTimeout(() => {}, 5);",
    "new Date(0);",
  ].join("\n");
  assert.deepEqual(lint(source), []);
});

Deno.test("determinism: files outside challenges/ are not checked", () => {
  assert.deepEqual(lint("Math.random(); Date.now();", "harness/rng.ts"), []);
});

Deno.test("determinism: every challenge file passes the rule", async () => {
  const dir = new URL("../challenges/", import.meta.url);
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.name.endsWith(".ts")) continue;
    const path = new URL(entry.name, dir);
    const found = Deno.lint.runPlugin(
      plugin,
      `challenges/${entry.name}`,
      await Deno.readTextFile(path),
    );
    assert.deepEqual(found.map((d) => `${entry.name}: ${d.message}`), []);
  }
});
