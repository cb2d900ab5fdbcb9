/**
 * Every documentation example of the project, run in this one isolate (see `doc_examples.ts`),
 * one test each, named after its place such as `harness/json.ts#147-151`; then the extractor's
 * own tests. The examples are type-checked by `deno check --doc` in the `test` task, not here.
 *
 * @module
 */
import assert from "node:assert/strict";
import { resetSync } from "@logtape/logtape";
import {
  type DocExample,
  exampleModule,
  extractExamples,
  findExampleFiles,
  findExamples,
  runExample,
  writeExampleModule,
} from "./doc_examples.ts";

const root = new URL("../", import.meta.url);
const examples = await findExamples(root);
// The examples' modules go to a temporary directory, never into the project, and it goes when
// the isolate ends, however the tests ended.
const dir = await Deno.makeTempDir({ prefix: "doc_examples_" });
globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));

for (const example of examples) {
  if (exampleModule(example).hasDenoTest) {
    // Such an example is a test module of its own: importing it now, while tests may still be
    // registered, registers its tests.
    await import((await writeExampleModule(example, dir)).href);
  } else {
    Deno.test(example.place, async () => {
      try {
        await runExample(example, dir);
      } finally {
        // The examples share this isolate, and LogTape's configuration is the state they leave
        // behind (lib/log.ts's example configures it, a simulation points it at its own sink).
        // Each example starts with LogTape unconfigured, as in the isolate of its own that
        // `deno test --doc` gives it.
        resetSync();
      }
    });
  }
}

const fence = "`".repeat(3);
const end = " *" + "/";

/** A JSDoc comment (one line per argument) followed by `rest`, as a file's source. */
function jsdoc(lines: string[], ...rest: string[]): string {
  return ["/**", ...lines.map((line) => ` * ${line}`.trimEnd()), end, ...rest].join("\n");
}

function extract(source: string, file = "lib/x.ts"): DocExample[] {
  return extractExamples(file, `file:///repo/${file}`, source);
}

Deno.test("doc examples: the project has examples, README.md's included", () => {
  assert.ok(examples.length > 200, `Only ${examples.length} examples were found`);
  assert.ok(examples.some((e) => e.place.startsWith("README.md#")));
});

Deno.test("doc examples: the test task type-checks every Markdown file with examples", async () => {
  // `deno check --doc .` reads JSDoc only; Markdown files must be named to be checked.
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", root)));
  const task: string = config.tasks.test;
  const markdown = new Set(
    examples.filter((e) => !/\.[mc]?[jt]sx?$/.test(e.file)).map((e) => e.file),
  );
  for (const file of markdown) {
    assert.ok(task.split(" ").includes(file), `deno.json's test task does not check "${file}"`);
  }
});

Deno.test("doc examples: files are found by extension, outside deno.json's excludes", async () => {
  const files = await findExampleFiles(root);
  assert.ok(files.includes("harness/json.ts"));
  assert.ok(files.includes("README.md"));
  assert.ok(files.includes("tests/doc_examples_test.ts"));
  assert.ok(!files.some((f) => f.startsWith("store/") || f.startsWith("bin/")), "excluded dir");
  assert.ok(!files.includes("deno.json"));
});

Deno.test("doc examples: the languages Deno runs are run, others and ignore are skipped", () => {
  const tags = ["ts", "typescript", "tsx", "js", "javascript", "jsx", "mts", "cts", "mjs", "cjs"];
  const skipped = ["", "sh", "TS", "ts ignore", "js no-eval ignore", " ts", "json"];
  const lines = [...tags, ...skipped].flatMap((tag) => [`${fence}${tag}`, "f();", fence, ""]);
  const found = extract(jsdoc(lines)).map((e) => e.extension);
  assert.deepEqual(found, ["ts", "ts", "tsx", "js", "js", "jsx", "mts", "cts", "mjs", "cjs"]);
});

Deno.test("doc examples: attributes after the language are allowed", () => {
  const [example] = extract(jsdoc([`${fence}ts title="add"`, "f();", fence]));
  assert.equal(example.extension, "ts");
});

Deno.test("doc examples: places use Deno's numbering, one past the closing fence", () => {
  const source = [
    "// line 1",
    "",
    ...jsdoc(["Text.", "", `${fence}ts`, "a();", "b();", fence]).split("\n"),
  ]
    .join("\n");
  // The comment opens on line 3, so the fence is on line 6 and closes on line 9.
  const [example] = extract(source, "harness/y.ts");
  assert.equal(example.place, "harness/y.ts#6-10");
  assert.equal(example.firstLine, 7);
  assert.equal(example.code, "a();\nb();\n\n");
});

Deno.test("doc examples: the comment prefix goes, and so does a hidden-line #", () => {
  const source = [
    "/**",
    " * ```ts",
    " *   indented();",
    " *no_space();",
    " * # hidden();",
    "no star, dropped();",
    "   * ```",
    " */",
  ].join("\n");
  assert.equal(extract(source)[0].code, "  indented();\nno_space();\nhidden();\n\n");
});

Deno.test("doc examples: only JSDoc block comments are read", () => {
  const source = [
    `// ${fence}ts`,
    "// line();",
    `// ${fence}`,
    `/* ${fence}ts`,
    " * block();",
    ` * ${fence} */`,
    `const s = "/** ${fence}ts\\n * string();\\n * ${fence} */";`,
    jsdoc([`${fence}ts`, "doc();", fence]),
  ].join("\n");
  assert.deepEqual(extract(source).map((e) => e.code.trim()), ["doc();"]);
});

Deno.test("doc examples: Markdown fences, lines kept whole, HTML comments skipped", () => {
  const source = [
    "# Title",
    "<!--",
    `${fence}ts`,
    "commented();",
    fence,
    "-->",
    `${fence}${"`"}ts`,
    "# kept();",
    `${fence}${"`"}`,
    `${fence}sh`,
    "echo",
    fence,
  ].join("\n");
  const found = extract(source, "docs/x.md");
  assert.deepEqual(found.map((e) => [e.place, e.code]), [["docs/x.md#7-10", "# kept();\n"]]);
});

Deno.test("doc examples: the file's exports are imported unless imported or declared", () => {
  const source = jsdoc(
    [
      `${fence}ts`,
      'import { a } from "./other.ts";',
      "const b = 1;",
      "use(a, b, c);",
      fence,
    ],
    "export const a = 1, b = 2;",
    "export function c() {}",
    "export type T = number;",
    "export interface I {}",
    "const d = 4;",
    'export { d, d as "not-an-identifier" };',
    "export default class Main {}",
  );
  const [example] = extract(source);
  assert.deepEqual(example.exports, {
    named: ["I", "T", "a", "b", "c", "d", "not-an-identifier"],
    typeOnly: ["I", "T"],
    defaultName: "Main",
  });
  const lines = exampleModule(example).source.split("\n");
  assert.deepEqual(lines.slice(0, 3), [
    'import { a } from "file:///repo/lib/other.ts";',
    'import Main, { type I, type T, c, d } from "file:///repo/lib/x.ts";',
    "export default async function example() {",
  ]);
});

Deno.test("doc examples: a JavaScript example is not given type imports", () => {
  const source = jsdoc(
    [`${fence}js`, "c();", fence],
    "export function c() {}",
    "export type T = 1;",
  );
  const header = exampleModule(extract(source)[0]).source.split("\n")[0];
  assert.equal(header, 'import { c } from "file:///repo/lib/x.ts";');
});

Deno.test("doc examples: relative imports resolve beside the source file, others stay", () => {
  const source = jsdoc([
    `${fence}ts`,
    'import { z } from "zod";',
    'import type { T } from "../types.ts";',
    'export * from "./all.ts";',
    'const m = await import("./dynamic.ts");',
    fence,
  ]);
  const module = exampleModule(extract(source, "harness/x.ts")[0]).source;
  assert.match(module, /^import \{ z \} from "zod";$/m);
  assert.match(module, /^import type \{ T \} from "file:\/\/\/repo\/types.ts";$/m);
  assert.match(module, /^export \* from "file:\/\/\/repo\/harness\/all.ts";$/m);
  assert.match(module, /await import\("file:\/\/\/repo\/harness\/dynamic.ts"\)/);
});

Deno.test("doc examples: statements keep their source lines, export keywords dropped", () => {
  const filler = Array.from({ length: 10 }, () => "// filler");
  const source = [
    ...filler,
    jsdoc([
      `${fence}ts`,
      'import { z } from "./z.ts";',
      "export const x = 1;",
      "export default { x };",
      fence,
    ]),
  ].join("\n");
  const [example] = extract(source);
  assert.equal(example.firstLine, 13);
  const lines = exampleModule(example).source.split("\n");
  assert.equal(lines[12].trim(), "");
  assert.equal(lines[13], "       const x = 1;");
  assert.equal(lines[14], "             ;({ x });");
  assert.equal(lines.at(-2), "}");
});

Deno.test("doc examples: a planted throwing example fails with its place and error", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const file = `${tmp}/planted.ts`;
    await Deno.writeTextFile(
      file,
      jsdoc(
        [`${fence}ts`, "if (double(2) === 4) throw new RangeError(`Planted ${double(3)}`);", fence],
        "export const double = (n: number) => 2 * n;",
      ),
    );
    const [example] = extractExamples(
      "planted.ts",
      `file://${file}`,
      await Deno.readTextFile(file),
    );
    await assert.rejects(runExample(example, tmp), (error: Error) => {
      assert.equal(error.message, 'Example "planted.ts#2-5" threw: RangeError: Planted 6');
      assert.ok(error.cause instanceof RangeError);
      // The example's module keeps the source's line numbers in its stack.
      assert.match((error.cause as Error).stack ?? "", /planted\.ts\.2-5\.ts:3:/);
      return true;
    });
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("doc examples: a planted example that does not load fails with its place", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const source = jsdoc([
      `${fence}ts`,
      'import { nothing } from "./missing.ts";',
      "nothing;",
      fence,
    ]);
    const [example] = extractExamples("planted.ts", `file://${tmp}/planted.ts`, source);
    await assert.rejects(
      runExample(example, tmp),
      /^Error: Example "planted\.ts#2-6" did not load: /,
    );
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("doc examples: import.meta is Deno's pseudo file beside the source file", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const source = jsdoc([
      `${fence}ts`,
      'if (import.meta.url !== "file:///repo/lib/x.ts#2-6.ts") throw new Error(import.meta.url);',
      'if (import.meta.resolve("./y.ts") !== "file:///repo/lib/y.ts") throw new Error("Resolve");',
      fence,
    ]);
    await runExample(extract(source)[0], tmp);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("doc examples: an example that calls Deno.test is kept a test module", () => {
  const source = jsdoc(
    [`${fence}ts`, 'import { z } from "./z.ts";', 'Deno.test("mine", () => {});', fence],
    "export const y = 1;",
  );
  const module = exampleModule(extract(source)[0]);
  assert.equal(module.hasDenoTest, true);
  assert.doesNotMatch(module.source, /export default async function/);
  assert.match(module.source, /^import \{ z \} from "file:\/\/\/repo\/lib\/z.ts";$/m);
  assert.match(module.source, /^import \{ y \} from "file:\/\/\/repo\/lib\/x.ts";$/m);
  assert.match(module.source, /^Deno\.test\("mine", \(\) => \{\}\);$/m);
});
