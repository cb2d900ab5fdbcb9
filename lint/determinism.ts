/**
 * A `deno lint` plugin that keeps the challenges replayable: challenge code must take time,
 * randomness and timers from its node (`node.now()`, `node.random()`, `node.every()`,
 * `node.sleep()`), never from the runtime. The simulator hands each node a virtual clock and a
 * seeded random source; a challenge that calls `Date.now()` or `Math.random()` directly still
 * runs, but one seed no longer reproduces its run, and nothing would say so.
 *
 * It is registered in `deno.json` (`lint.plugins`), so `deno lint` (and CI) fails on a planted
 * `Math.random()` in `challenges/`. Files elsewhere (the harness, the lib's real clock) are left
 * alone: they are where the real clock and randomness are meant to be used.
 *
 * @example
 * ```ts
 * import plugin from "./determinism.ts";
 * const found = Deno.lint.runPlugin(plugin, "challenges/x.ts", "const r = Math.random();");
 * found[0].message; // "Math.random() makes the simulator's replay diverge; use node.random()"
 * ```
 *
 * @module
 */

/** What to use instead of each ambient source, keyed `object.property` (or a bare global). */
const INSTEAD: Record<string, string> = {
  "Date.now": "node.now()",
  "performance.now": "node.now()",
  "Math.random": "node.random()",
  "crypto.getRandomValues": "node.random()",
  "crypto.randomUUID": "node.random()",
  "setTimeout": "node.sleep() or node.every()",
  "setInterval": "node.every()",
  "queueMicrotask": "an awaited promise",
};

/** Objects through which a global may be reached: `globalThis.setTimeout`, `window.Math`. */
const GLOBAL_OBJECTS = new Set(["globalThis", "window", "self"]);

/** Whether a file is challenge code, where the rule applies. */
function isChallenge(filename: string): boolean {
  return /(^|[\\/])challenges[\\/]/.test(filename);
}

function memberName(node: Deno.lint.MemberExpression): string | undefined {
  if (node.computed || node.property.type !== "Identifier") return undefined;
  const prop = node.property.name;
  const obj = node.object;
  if (obj.type === "Identifier") {
    return GLOBAL_OBJECTS.has(obj.name) ? prop : `${obj.name}.${prop}`;
  }
  // globalThis.Math.random, globalThis.crypto.getRandomValues
  if (
    obj.type === "MemberExpression" && !obj.computed && obj.object.type === "Identifier" &&
    GLOBAL_OBJECTS.has(obj.object.name) && obj.property.type === "Identifier"
  ) return `${obj.property.name}.${prop}`;
  return undefined;
}

const plugin: Deno.lint.Plugin = {
  name: "glomers",
  rules: {
    "deterministic-challenges": {
      create(ctx) {
        if (!isChallenge(ctx.filename)) return {};
        const report = (node: Deno.lint.Node, name: string) =>
          ctx.report({
            node,
            message: `${name}() makes the simulator's replay diverge; use ${INSTEAD[name]}`,
          });
        return {
          MemberExpression(node) {
            const name = memberName(node);
            if (name !== undefined && name in INSTEAD) report(node, name);
          },
          CallExpression(node) {
            // A bare call of a global timer: setTimeout(...). A local binding of the same name
            // would be flagged too; challenges have no reason to shadow these names.
            if (node.callee.type === "Identifier" && node.callee.name in INSTEAD) {
              report(node.callee, node.callee.name);
            }
          },
          NewExpression(node) {
            // new Date() with no arguments reads the wall clock; new Date(ms) does not.
            if (
              node.callee.type === "Identifier" && node.callee.name === "Date" &&
              node.arguments.length === 0
            ) {
              ctx.report({
                node,
                message: "new Date() makes the simulator's replay diverge; use node.now()",
              });
            }
          },
        };
      },
    },
  },
};

export default plugin;
