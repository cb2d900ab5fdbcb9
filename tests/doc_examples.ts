/**
 * Runs the project's documentation examples in one isolate, the way `deno test --doc` would run
 * each in its own. `deno test --doc` makes every example a module of its own and runs each in a
 * fresh isolate, which loads zod and our modules again for every one of some two hundred
 * examples; here they are found the same way, turned into modules the same way, and imported
 * into the one isolate of `tests/doc_examples_test.ts`. Type-checking the examples stays with
 * Deno (`deno check --doc`, in the `test` task), because only Deno's own checker sees them as
 * Deno does.
 *
 * What counts as an example follows Deno 2's `cli/util/extract.rs`:
 *
 * - In code files, only block comments that open with `/**` are read, and in them every fenced
 *   block (three backticks) whose first attribute names a language Deno runs (`ts`,
 *   `typescript`, `tsx`, `mts`, `cts`, `js`, `javascript`, `jsx`, `mjs`, `cjs`) and that does
 *   not carry an `ignore` attribute. A bare fence, `sh` or `TS` is not run. Each line loses
 *   everything up to and including its first `*` and one space after it, then a leading `#` and
 *   one space (rustdoc's hidden lines); a line without a `*` is dropped.
 * - In Markdown files, fences of three or more backticks outside HTML comments, lines kept as
 *   they are.
 * - The example is named after the lines it spans: `harness/json.ts#147-151` covers the opening
 *   fence on line 147 to the closing fence on line 150 (Deno's numbering, one past the end).
 * - The file's exports that the example neither imports nor declares are imported for it, so an
 *   example may use them bare.
 * - The example's statements run inside an async function (Deno's `Deno.test` body): its imports
 *   move to the top of the module and `export` keywords are dropped. An example that calls
 *   `Deno.test` itself is a test module instead and is imported as it is.
 *
 * @example
 * ```ts
 * import { findExamples, runExample } from "./doc_examples.ts";
 * // A project of one file with one example, in a temporary directory.
 * const root = await Deno.makeTempDir();
 * const fence = "`".repeat(3);
 * await Deno.writeTextFile(`${root}/deno.json`, "{}");
 * await Deno.writeTextFile(`${root}/add.ts`, [
 *   "/**", ` * ${fence}ts`, ' * if (add(1, 2) !== 3) throw new Error("Wrong sum");', ` * ${fence}`,
 *   " *" + "/", "export const add = (a: number, b: number) => a + b;",
 * ].join("\n"));
 * try {
 *   for (const example of await findExamples(new URL(`file://${root}/`))) {
 *     await runExample(example, root); // example.place is "add.ts#2-5"
 *   }
 * } finally {
 *   await Deno.remove(root, { recursive: true });
 * }
 * ```
 *
 * @module
 */

/** The fence languages `deno test --doc` runs, each with the extension Deno gives the example
 * (which decides how it is parsed).
 *
 * @example
 * ```ts
 * import { EXAMPLE_LANGUAGES } from "./doc_examples.ts";
 * EXAMPLE_LANGUAGES["typescript"]; // "ts"
 * "sh" in EXAMPLE_LANGUAGES; // false
 * ```
 */
export const EXAMPLE_LANGUAGES: Readonly<Record<string, string>> = {
  js: "js",
  javascript: "js",
  mjs: "mjs",
  cjs: "cjs",
  jsx: "jsx",
  ts: "ts",
  typescript: "ts",
  mts: "mts",
  cts: "cts",
  tsx: "tsx",
};

/** The names a module exports, as the doc test generator sees them.
 *
 * @example
 * ```ts
 * import type { ModuleExports } from "./doc_examples.ts";
 * const exports: ModuleExports = { named: ["heapPush"], typeOnly: [], defaultName: undefined };
 * ```
 */
export interface ModuleExports {
  /** Named exports, values and types alike, in Deno's (sorted) order. */
  named: string[];
  /** The named exports that are types only (`type`, `interface`, `export type { ... }`). */
  typeOnly: string[];
  /** The local name of a named default export (`export default class Foo`), if any. */
  defaultName: string | undefined;
}

/** One runnable fenced block from a file's documentation.
 *
 * @example
 * ```ts
 * import { extractExamples } from "./doc_examples.ts";
 * const fence = "`".repeat(3);
 * const source = ["/**", ` * ${fence}ts`, " * add(1, 2);", ` * ${fence}`, " *" + "/",
 *   "export const add = (a: number, b: number) => a + b;"].join("\n");
 * const [example] = extractExamples("lib/add.ts", "file:///repo/lib/add.ts", source);
 * example.place; // "lib/add.ts#2-5"
 * example.code; // "add(1, 2);\n\n"
 * example.firstLine; // 3
 * ```
 */
export interface DocExample {
  /** The file's path from the project root, with `/` separators. */
  file: string;
  /** The file's `file:` URL; the example's relative imports resolve against it. */
  url: string;
  /** Where the example is: the file and Deno's line range, such as `harness/json.ts#147-151`. */
  place: string;
  /** The extension the example is given (`ts`, `tsx`, `js`, ...). */
  extension: string;
  /** The example's code with the comment markers taken off, one line for each source line. */
  code: string;
  /** The source line (1-based) that the first line of `code` comes from. */
  firstLine: number;
  /** The exports of the file, imported for the example when it does not import them itself. */
  exports: ModuleExports;
}

/** A fenced block as found in the text, before it is made an example. */
interface Fence {
  attributes: string;
  body: string;
  /** 0-based line of the opening fence within the text searched. */
  lineOffset: number;
  /** Lines from the opening to the closing fence, both included. */
  lineCount: number;
  isBlockquote: boolean;
}

const CODE_EXTENSIONS = new Set(["ts", "tsx", "js", "jsx", "mjs", "mts", "cjs", "cts"]);
const MARKDOWN_EXTENSIONS = new Set(["md", "mkd", "mkdn", "mdwn", "mdown", "markdown"]);

/** The file's extension in lower case, as Deno compares it. */
function extensionOf(path: string): string {
  const name = path.slice(path.lastIndexOf("/") + 1);
  const dot = name.lastIndexOf(".");
  return dot <= 0 ? "" : name.slice(dot + 1).toLowerCase();
}

/** Whether `deno test --doc` looks for examples in a file with this path (by its extension).
 *
 * @example
 * ```ts
 * import { mayHoldExamples } from "./doc_examples.ts";
 * mayHoldExamples("harness/json.ts"); // true
 * mayHoldExamples("README.md"); // true
 * mayHoldExamples("deno.json"); // false
 * ```
 */
export function mayHoldExamples(path: string): boolean {
  const extension = extensionOf(path);
  return CODE_EXTENSIONS.has(extension) || MARKDOWN_EXTENSIONS.has(extension);
}

/** Splits like Rust's `str::lines`: on `\n`, dropping one `\r` before it, with no empty last line
 * for text that ends in a newline. */
function rustLines(text: string): string[] {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  return lines.map((line) => line.endsWith("\r") ? line.slice(0, -1) : line);
}

/** The extension for a fence's attributes, or undefined when Deno would not run the block. */
function languageOf(attributes: string): string | undefined {
  const words = attributes.split(" ");
  if (words.includes("ignore")) return undefined;
  return Object.hasOwn(EXAMPLE_LANGUAGES, words[0]) ? EXAMPLE_LANGUAGES[words[0]] : undefined;
}

/** Removes one blockquote marker (`>` after at most three spaces, and one space after it). */
function stripBlockquoteMarker(line: string): string {
  const match = /^ {0,3}>[ \t]?/.exec(line);
  return match === null ? line : line.slice(match[0].length);
}

// Deno's line patterns. In a comment, everything up to the first `*` and one space after it goes,
// then either a shebang is kept whole or a leading `#` and one space go too. In Markdown the line
// is kept whole.
const COMMENT_LINE = /(?:\* ?)((#!+)[^\n]*)|(?:\* ?)(?:# ?)?([^\n]*)/;
const COMMENT_FENCE = /```([^\r\n]*)\r?\n([\s\S]*?)```/g;

/** Turns a fence's body into the example's code the way Deno does. */
function codeOf(fence: Fence, inComment: boolean): { code: string; droppedFirst: boolean } {
  let code = "";
  let first = true;
  let droppedFirst = false;
  for (const line of rustLines(fence.body)) {
    let text: string;
    if (inComment) {
      const match = COMMENT_LINE.exec(line);
      if (match === null) continue;
      text = match[1] ?? match[3];
    } else {
      text = line;
    }
    if (fence.isBlockquote) {
      for (let stripped = stripBlockquoteMarker(text); stripped !== text;) {
        text = stripped;
        stripped = stripBlockquoteMarker(text);
      }
    }
    // Deno takes a shebang on the first line as the test's permissions; under `deno test -A`
    // here there is nothing to narrow, so the line is dropped as Deno drops it.
    if (first && text.startsWith("#!")) {
      first = false;
      droppedFirst = true;
      continue;
    }
    first = false;
    code += text + "\n";
  }
  return { code, droppedFirst };
}

/** Fenced blocks in one JSDoc comment's text (what follows `/*`). */
function commentFences(text: string): Fence[] {
  const fences: Fence[] = [];
  for (const match of text.matchAll(COMMENT_FENCE)) {
    const before = text.slice(0, match.index);
    const fenceLinePrefix = before.slice(before.lastIndexOf("\n") + 1);
    fences.push({
      attributes: match[1],
      body: match[2],
      lineOffset: before.split("\n").length - 1,
      lineCount: match[0].split("\n").length,
      isBlockquote: fenceLinePrefix.replace(/^[ \t*]*/, "").startsWith(">"),
    });
  }
  return fences;
}

/** Strips leading blanks and blockquote markers from a Markdown line. */
function fencePrefix(line: string): { rest: string; isBlockquote: boolean } {
  let rest = line.replace(/^[ \t]*/, "");
  let isBlockquote = false;
  while (rest.startsWith(">")) {
    isBlockquote = true;
    rest = rest.slice(1).replace(/^[ \t]/, "");
  }
  return { rest, isBlockquote };
}

function backticks(text: string): number {
  return /^`*/.exec(text)![0].length;
}

/** Fenced blocks in a Markdown file, skipping HTML comments. */
function markdownFences(source: string): Fence[] {
  const lines = source.split("\n").map((line) => line.endsWith("\r") ? line.slice(0, -1) : line);
  const fences: Fence[] = [];
  let inHtmlComment = false;
  for (let i = 0; i < lines.length;) {
    if (inHtmlComment) {
      if (lines[i].includes("-->")) inHtmlComment = false;
      i++;
      continue;
    }
    if (lines[i].replace(/^[ \t]*/, "").startsWith("<!--")) {
      if (!lines[i].includes("-->")) inHtmlComment = true;
      i++;
      continue;
    }
    const opening = fencePrefix(lines[i]);
    const ticks = backticks(opening.rest);
    if (ticks < 3) {
      i++;
      continue;
    }
    let closing = i + 1;
    while (closing < lines.length) {
      const { rest } = fencePrefix(lines[closing]);
      const closingTicks = backticks(rest);
      if (closingTicks >= ticks && /^[ \t]*$/.test(rest.slice(closingTicks))) break;
      closing++;
    }
    if (closing === lines.length) {
      i++;
      continue;
    }
    fences.push({
      attributes: opening.rest.slice(ticks),
      body: lines.slice(i + 1, closing).map((line) => line + "\n").join(""),
      lineOffset: i,
      lineCount: closing - i + 1,
      isBlockquote: opening.isBlockquote,
    });
    i = closing + 1;
  }
  return fences;
}

/** A syntax tree node as `Deno.lint.runPlugin` hands it over, read loosely. */
// deno-lint-ignore no-explicit-any
type AnyNode = any;

/** Parses `source` with Deno's own parser, through the lint plugin API (the one parser a test can
 * reach without a dependency), and hands the program and its comments to `read`. The nodes are
 * views into a buffer that the next parse reuses, so everything is read inside `read` and
 * `onNode`, never kept. `onNode` maps node types to functions called on each node of that type,
 * after `read`. */
function parse<T>(
  fileName: string,
  source: string,
  read: (program: AnyNode, comments: (Deno.lint.LineComment | Deno.lint.BlockComment)[]) => T,
  onNode: Record<string, (node: AnyNode) => void> = {},
): T {
  let result: { value: T } | undefined;
  const plugin: Deno.lint.Plugin = {
    name: "doc-examples",
    rules: {
      parse: {
        create(context) {
          return {
            ...onNode,
            Program(node) {
              result = { value: read(node, context.sourceCode.getAllComments()) };
            },
          };
        },
      },
    },
  };
  Deno.lint.runPlugin(plugin, fileName, source);
  if (result === undefined) throw new Error(`Deno's parser gave no program for "${fileName}"`);
  return result.value;
}

/** The identifiers a binding pattern declares. */
function patternNames(pattern: AnyNode): string[] {
  switch (pattern?.type) {
    case "Identifier":
      return [pattern.name];
    case "ArrayPattern":
      return pattern.elements.flatMap((element: AnyNode) => element ? patternNames(element) : []);
    case "ObjectPattern":
      return pattern.properties.flatMap((property: AnyNode) =>
        property.type === "RestElement" ? patternNames(property) : patternNames(property.value)
      );
    case "AssignmentPattern":
      return patternNames(pattern.left);
    case "RestElement":
      return patternNames(pattern.argument);
    default:
      return [];
  }
}

function exportedName(node: AnyNode): string {
  return node.type === "Identifier" ? node.name : String(node.value);
}

/** The names a module's top level exports, as Deno collects them for injected imports. */
function collectExports(program: AnyNode): ModuleExports {
  const values = new Set<string>();
  const types = new Set<string>();
  let defaultName: string | undefined;
  // A value export wins over a type of the same name (declaration merging).
  const addValue = (name: string) => {
    types.delete(name);
    values.add(name);
  };
  const addType = (name: string) => {
    if (!values.has(name)) types.add(name);
  };
  for (const item of program.body) {
    if (item.type === "ExportNamedDeclaration") {
      const declaration = item.declaration;
      if (declaration === null || declaration === undefined) {
        for (const specifier of item.specifiers) {
          const name = exportedName(specifier.exported);
          if (item.source && name === "default") continue;
          if (item.exportKind === "type" || specifier.exportKind === "type") addType(name);
          else addValue(name);
        }
      } else if (declaration.type === "VariableDeclaration") {
        for (const declarator of declaration.declarations) {
          patternNames(declarator.id).forEach(addValue);
        }
      } else if (
        declaration.type === "TSTypeAliasDeclaration" ||
        declaration.type === "TSInterfaceDeclaration"
      ) {
        addType(declaration.id.name);
      } else if (declaration.type === "TSModuleDeclaration") {
        if (!declaration.declare) addValue(exportedName(declaration.id));
      } else if (declaration.id) {
        // Functions, classes and enums.
        addValue(declaration.id.name);
      }
    } else if (item.type === "ExportDefaultDeclaration") {
      const declaration = item.declaration;
      if (declaration.type === "Identifier") defaultName = declaration.name;
      else if (declaration.id) defaultName = declaration.id.name;
    }
  }
  const named = [...new Set([...values, ...types])].sort((a, b) => a < b ? -1 : a > b ? 1 : 0);
  return { named, typeOnly: named.filter((name) => types.has(name)), defaultName };
}

/** Finds the examples `deno test --doc` would run in one file, in the order they appear.
 * `file` is the path from the project root (it names the examples), `url` the file's URL.
 *
 * @example
 * ```ts
 * import { extractExamples } from "./doc_examples.ts";
 * const fence = "`".repeat(3);
 * const source = ["/**", ` * ${fence}ts ignore`, " * skipped();", ` * ${fence}`,
 *   ` * ${fence}js`, " * ran();", ` * ${fence}`, " *" + "/"].join("\n");
 * extractExamples("lib/x.ts", "file:///repo/lib/x.ts", source).map((e) => e.place);
 * // ["lib/x.ts#5-8"]
 * ```
 */
export function extractExamples(file: string, url: string, source: string): DocExample[] {
  const extension = extensionOf(file);
  const examples: DocExample[] = [];
  const add = (fence: Fence, lineIndex: number, inComment: boolean, exports: ModuleExports) => {
    const language = languageOf(fence.attributes);
    if (language === undefined) return;
    const { code, droppedFirst } = codeOf(fence, inComment);
    const start = lineIndex + fence.lineOffset + 1;
    examples.push({
      file,
      url,
      place: `${file}#${start}-${start + fence.lineCount}`,
      extension: language,
      code,
      firstLine: start + 1 + (droppedFirst ? 1 : 0),
      exports,
    });
  };
  if (MARKDOWN_EXTENSIONS.has(extension)) {
    const none: ModuleExports = { named: [], typeOnly: [], defaultName: undefined };
    for (const fence of markdownFences(source)) add(fence, 0, false, none);
    return examples;
  }
  if (!CODE_EXTENSIONS.has(extension)) return examples;
  const { exports, docComments } = parse(file, source, (program, comments) => ({
    exports: collectExports(program),
    // Only JSDoc comments (`/**`) hold examples.
    docComments: comments
      .filter((comment) => comment.type === "Block" && comment.value.startsWith("*"))
      .map((comment) => ({ text: comment.value, start: comment.range[0] })),
  }));
  // Line starts, to turn a comment's offset into its line.
  const lineStarts = [0];
  for (let i = source.indexOf("\n"); i !== -1; i = source.indexOf("\n", i + 1)) {
    lineStarts.push(i + 1);
  }
  const lineOf = (offset: number) => {
    let low = 0, high = lineStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (lineStarts[middle] <= offset) low = middle;
      else high = middle - 1;
    }
    return low;
  };
  for (const comment of docComments) {
    for (const fence of commentFences(comment.text)) {
      add(fence, lineOf(comment.start), true, exports);
    }
  }
  return examples;
}

/** Reads the `exclude` lists of the project's `deno.json` (top level and `test`). Only plain
 * paths are understood; a glob is refused rather than silently read differently from Deno. */
async function readExcludes(root: URL): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", root)));
  const excludes: string[] = [...(config.exclude ?? []), ...(config.test?.exclude ?? [])];
  for (const exclude of excludes) {
    if (/[*?[\]{}!]/.test(exclude)) {
      throw new Error(
        `The doc example runner does not read glob excludes such as "${exclude}" in deno.json; ` +
          "list directories or files instead",
      );
    }
  }
  return excludes.map((exclude) => exclude.replace(/^\.\//, "").replace(/\/$/, ""));
}

/** Lists the files, from the project root, in which `deno test --doc` (given no paths) looks for
 * examples: files with a code or Markdown extension, outside deno.json's excludes, `.git` and
 * `node_modules`, sorted.
 *
 * @example
 * ```ts
 * import { findExampleFiles } from "./doc_examples.ts";
 * const root = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${root}/deno.json`, '{ "exclude": ["out/"] }');
 * await Deno.mkdir(`${root}/out`);
 * for (const file of ["a.ts", "README.md", "data.json", "out/b.ts"]) {
 *   await Deno.writeTextFile(`${root}/${file}`, "");
 * }
 * await findExampleFiles(new URL(`file://${root}/`)); // ["README.md", "a.ts"]
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function findExampleFiles(root: URL): Promise<string[]> {
  const excludes = await readExcludes(root);
  const excluded = (path: string) =>
    excludes.some((exclude) => path === exclude || path.startsWith(exclude + "/"));
  const files: string[] = [];
  const walk = async (dir: string) => {
    for await (const entry of Deno.readDir(new URL(dir, root))) {
      const path = dir + entry.name;
      if (excluded(path)) continue;
      if (entry.isDirectory) {
        if (entry.name !== ".git" && entry.name !== "node_modules") await walk(path + "/");
      } else if (entry.isFile && mayHoldExamples(path)) {
        files.push(path);
      }
    }
  };
  await walk("");
  return files.sort();
}

/** Finds every example `deno test -A --doc` would run in the project at `root`, file by file.
 *
 * @example
 * ```ts
 * import { findExamples } from "./doc_examples.ts";
 * const root = await Deno.makeTempDir();
 * const fence = "`".repeat(3);
 * await Deno.writeTextFile(`${root}/deno.json`, "{}");
 * const readme = ["# Title", `${fence}ts`, "1 + 1;", fence].join("\n");
 * await Deno.writeTextFile(`${root}/README.md`, readme);
 * (await findExamples(new URL(`file://${root}/`))).map((e) => e.place); // ["README.md#2-5"]
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function findExamples(root: URL): Promise<DocExample[]> {
  const examples: DocExample[] = [];
  for (const file of await findExampleFiles(root)) {
    const url = new URL(file, root).href;
    examples.push(...extractExamples(file, url, await Deno.readTextFile(new URL(file, root))));
  }
  return examples;
}

/** A module made from an example.
 *
 * @example
 * ```ts
 * import type { ExampleModule } from "./doc_examples.ts";
 * const module: ExampleModule = {
 *   source: "export default async function example() {\n1 + 1;\n}\n",
 *   hasDenoTest: false,
 * };
 * ```
 */
export interface ExampleModule {
  /** The module's source. */
  source: string;
  /** Whether the example calls `Deno.test` itself; its module then registers its own tests when
   * imported, instead of exporting a function to run. */
  hasDenoTest: boolean;
}

/** Replaces every character but line breaks with a space, keeping lines and columns. */
function blank(text: string): string {
  return text.replace(/[^\n]/g, " ");
}

/** Resolves an import specifier in an example the way it resolves in Deno's pseudo file beside the
 * source file: relative specifiers against the source file, anything else as it is. */
function resolveSpecifier(specifier: string, base: string): string {
  return /^\.{0,2}\//.test(specifier) ? new URL(specifier, base).href : specifier;
}

const DENO_TEST = /^\s*Deno\.test\(/m;
const IDENTIFIER = /^[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*$/u;
// The name `import.meta` is replaced with in an example; no example would use it.
const IMPORT_META = "__docExampleImportMeta";

/** A declaration of what `import.meta` is in Deno's pseudo file for the example, whose URL is the
 * source file's with the example's lines and extension as its fragment. */
function importMeta(example: DocExample): string {
  const url = `${example.url}#${
    example.place.slice(example.place.lastIndexOf("#") + 1)
  }.${example.extension}`;
  const filename = decodeURIComponent(new URL(example.url).pathname);
  const dirname = filename.slice(0, filename.lastIndexOf("/"));
  const resolve = `(specifier) => /^\\.{0,2}\\//.test(specifier) ? new URL(specifier, ${
    JSON.stringify(url)
  }).href : import.meta.resolve(specifier)`;
  return `const ${IMPORT_META} = { ...import.meta, url: ${JSON.stringify(url)}, filename: ${
    JSON.stringify(filename)
  }, dirname: ${JSON.stringify(dirname)}, main: false, resolve: ${resolve} };`;
}

/** Makes an example into a module that can be imported from anywhere: the example's imports,
 * with relative specifiers made absolute, and an import of the file's exports it does not import
 * or declare itself, then `export default async function` around its statements. The statements
 * keep their source lines when the header leaves room, so a stack trace's line numbers are the
 * source file's.
 *
 * @example
 * ```ts
 * import { exampleModule, extractExamples } from "./doc_examples.ts";
 * const fence = "`".repeat(3);
 * const source = ["/**", ` * ${fence}ts`, ' * import { z } from "./z.ts";', " * add(z, 1);",
 *   ` * ${fence}`, " *" + "/", "export const add = (a: number, b: number) => a + b;"].join("\n");
 * const [example] = extractExamples("lib/add.ts", "file:///repo/lib/add.ts", source);
 * exampleModule(example).source.split("\n").slice(0, 3);
 * // ['import { z } from "file:///repo/lib/z.ts";',
 * //  'import { add } from "file:///repo/lib/add.ts";',
 * //  "export default async function example() {"]
 * ```
 */
export function exampleModule(example: DocExample): ExampleModule {
  const code = example.code;
  const hasDenoTest = DENO_TEST.test(code);
  const isJavaScript = /^[mc]?jsx?$/.test(example.extension);
  const header: string[] = [];
  const declared = new Set<string>();
  const edits: { start: number; end: number; text: string }[] = [];
  const literal = (node: AnyNode) =>
    JSON.stringify(resolveSpecifier(String(node.value), example.url));
  const readProgram = (program: AnyNode) => {
    for (const item of program.body) {
      const hoisted = item.type === "ImportDeclaration" || item.type === "ExportAllDeclaration" ||
        (item.type === "ExportNamedDeclaration" && !item.declaration);
      if (hoisted) {
        if (item.type === "ImportDeclaration") {
          for (const specifier of item.specifiers) declared.add(specifier.local.name);
        }
        const [start, end] = item.range;
        const original = code.slice(start, end);
        let text = original;
        if (item.source) {
          const [from, to] = item.source.range;
          text = text.slice(0, from - start) + literal(item.source) + text.slice(to - start);
        }
        if (hasDenoTest) {
          edits.push({ start, end, text });
        } else {
          header.push(text);
          edits.push({ start, end, text: blank(original) });
        }
        continue;
      }
      const declaration = item.type === "ExportNamedDeclaration" ? item.declaration : item;
      if (declaration.type === "VariableDeclaration") {
        for (const declarator of declaration.declarations) {
          patternNames(declarator.id).forEach((name) => declared.add(name));
        }
      } else if (declaration.id?.type === "Identifier") {
        declared.add(declaration.id.name);
      }
      if (hasDenoTest) continue;
      // Statements go inside a function, where `export` cannot stand: Deno drops the keyword, and
      // a default export becomes an expression statement.
      if (item.type === "ExportNamedDeclaration") {
        const [start, end] = [item.range[0], item.declaration.range[0]];
        edits.push({ start, end, text: blank(code.slice(start, end)) });
      } else if (item.type === "ExportDefaultDeclaration") {
        const [start, end] = [item.range[0], item.declaration.range[0]];
        const prefix = blank(code.slice(start, end));
        if (item.declaration.type === "TSInterfaceDeclaration") {
          edits.push({ start, end, text: prefix });
        } else {
          // The `;` keeps a line before without one from calling the parenthesised expression.
          edits.push({ start, end, text: prefix.slice(2) + ";(" });
          const after = item.declaration.range[1];
          edits.push({ start: after, end: after, text: ")" });
        }
      }
    }
  };
  let usesImportMeta = false;
  parse(`example.${example.extension}`, code, readProgram, {
    // Dynamic imports with a literal specifier resolve beside the source file too.
    ImportExpression(node) {
      if (node.source?.type !== "Literal") return;
      const [start, end] = node.source.range;
      edits.push({ start, end, text: literal(node.source) });
    },
    // `import.meta` describes Deno's pseudo file beside the source file, not our module.
    MetaProperty(node) {
      if (node.meta.name !== "import") return;
      usesImportMeta = true;
      const [start, end] = node.range;
      edits.push({ start, end, text: IMPORT_META });
    },
  });
  const { named, typeOnly, defaultName } = example.exports;
  // A JavaScript example cannot import a type; Deno tries to and fails on it.
  const specifiers = named
    .filter((name) => !declared.has(name) && IDENTIFIER.test(name))
    .filter((name) => !(isJavaScript && typeOnly.includes(name)))
    .map((name) => typeOnly.includes(name) ? `type ${name}` : name);
  const importDefault = defaultName !== undefined && !declared.has(defaultName) &&
    !named.includes(defaultName);
  if (specifiers.length > 0 || importDefault) {
    const clause = [
      ...(importDefault ? [defaultName] : []),
      ...(specifiers.length > 0 ? [`{ ${specifiers.join(", ")} }`] : []),
    ].join(", ");
    header.push(`import ${clause} from ${JSON.stringify(example.url)};`);
  }
  // Later edits first, so earlier offsets stay valid; an insertion after a replacement that ends
  // at the same place goes in first too.
  edits.sort((a, b) => b.start - a.start || b.end - a.end);
  let body = code;
  for (const edit of edits) body = body.slice(0, edit.start) + edit.text + body.slice(edit.end);
  if (usesImportMeta) header.push(importMeta(example));
  if (!hasDenoTest) header.push("export default async function example() {");
  const headerLines = header.join("\n").split("\n").length;
  const padding = "\n".repeat(Math.max(1, example.firstLine - headerLines));
  const source = header.join("\n") + padding + body + (hasDenoTest ? "" : "}\n");
  return { source, hasDenoTest };
}

/** Writes the example's module into `dir` (a temporary directory: nothing is written into the
 * project), under a name that says where the example comes from, and returns its URL.
 *
 * @example
 * ```ts
 * import { exampleModule, extractExamples, writeExampleModule } from "./doc_examples.ts";
 * const fence = "`".repeat(3);
 * const source = ["/**", ` * ${fence}ts`, " * console.log(1);", ` * ${fence}`, " *" + "/"];
 * const [example] = extractExamples("lib/x.ts", "file:///repo/lib/x.ts", source.join("\n"));
 * const dir = await Deno.makeTempDir();
 * const url = await writeExampleModule(example, dir);
 * url.pathname.endsWith("/lib/x.ts.2-5.ts"); // true
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeExampleModule(example: DocExample, dir: string): Promise<URL> {
  const path = `${dir}/${example.place.replace("#", ".")}.${example.extension}`;
  await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  await Deno.writeTextFile(path, exampleModule(example).source);
  return new URL(`file://${path}`);
}

/** Runs one example: writes its module into `dir`, imports it into this isolate and awaits its
 * statements. It throws when the example does not parse, does not load or throws, naming the
 * example's place and passing the example's error on as the cause.
 *
 * @example
 * ```ts
 * import { extractExamples, runExample } from "./doc_examples.ts";
 * const fence = "`".repeat(3);
 * const source = ["/**", ` * ${fence}ts`, ' * throw new Error("Planted");', ` * ${fence}`];
 * source.push(" *" + "/");
 * const [example] = extractExamples("lib/x.ts", "file:///repo/lib/x.ts", source.join("\n"));
 * const dir = await Deno.makeTempDir();
 * const message = await runExample(example, dir).then(() => "", (e: Error) => e.message);
 * message; // 'Example "lib/x.ts#2-5" threw: Error: Planted'
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function runExample(example: DocExample, dir: string): Promise<void> {
  let module: { default?: () => Promise<void> };
  try {
    module = await import((await writeExampleModule(example, dir)).href);
  } catch (error) {
    throw new Error(`Example "${example.place}" did not load: ${error}`, { cause: error });
  }
  if (typeof module.default !== "function") return;
  try {
    await module.default();
  } catch (error) {
    throw new Error(`Example "${example.place}" threw: ${error}`, { cause: error });
  }
}
