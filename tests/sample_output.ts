/**
 * Sample-output blocks: the "What you should see" sections of the challenge files, in a form a
 * test can run. A block is a fenced `console` block inside comments. Its first line is a command
 * (`$ deno task maelstrom test ...`, continued with a trailing `\`), and every following line is
 * a line that command prints, literal except for placeholders:
 *
 * - `<n>` stands for any number (`2028`, `0.74`, `-1`);
 * - `<name>` (any other word) also stands for a number, and every `<name>` of the same name in one
 *   line must be the same number (`<ops> ops: <ops> ok` says that every op succeeded);
 * - `…` stands for any text, including none.
 *
 * Runs of spaces match any run of spaces, so the summary's column alignment may change without
 * breaking a block. Lines must appear in the output in the block's order; the output may have more
 * lines in between.
 *
 * @example
 * ```ts
 * import { matchSample, parseSamples } from "./sample_output.ts";
 * const fence = "`".repeat(3);
 * const [block] = parseSamples([
 *   `// ${fence}console`,
 *   "// $ deno task maelstrom test --bin challenges/echo.ts -w echo --seed 1",
 *   "//   ✓ stats  <ops> ops: <ops> ok, 0 fail, 0 info",
 *   `// ${fence}`,
 * ].join("\n"));
 * matchSample(block.expected, "  ✓ stats         48 ops: 48 ok, 0 fail, 0 info\n"); // []
 * ```
 *
 * @module
 */

/** One sample-output block of a file. */
export interface SampleBlock {
  /** The command's words after `$ ` (continuations joined), e.g. `["deno", "task", ...]`. */
  command: string[];
  /** The lines the command must print, with placeholders. */
  expected: string[];
  /** 1-based line of the opening fence in the file, for error messages. */
  line: number;
}

/** The comment prefix of a line: `//`, or the `*` of a block comment. */
const COMMENT = /^\s*(?:\/\/|\*)\s?/;

/** Finds every fenced `console` block in a source file's comments.
 *
 * @example
 * ```ts
 * import { parseSamples } from "./sample_output.ts";
 * const fence = "`".repeat(3);
 * parseSamples(`// ${fence}console\n// $ echo hi\n// hi\n// ${fence}`).length; // 1
 * ```
 */
export function parseSamples(source: string): SampleBlock[] {
  const lines = source.split("\n");
  const blocks: SampleBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!COMMENT.test(lines[i]) || lines[i].replace(COMMENT, "").trim() !== "```console") continue;
    const start = i + 1;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i].replace(COMMENT, "").trim() !== "```"; i++) {
      if (!COMMENT.test(lines[i])) {
        throw new Error(`The console block at line ${start} is not closed inside its comment.`);
      }
      body.push(lines[i].replace(COMMENT, "").trimEnd());
    }
    if (i >= lines.length) throw new Error(`The console block at line ${start} is not closed.`);
    if (body.length === 0 || !body[0].startsWith("$ ")) {
      throw new Error(`The console block at line ${start} does not start with a "$ " command.`);
    }
    // A trailing backslash continues the command on the next line, as in a shell.
    let command = body[0].slice(2);
    let k = 1;
    while (command.endsWith("\\") && k < body.length) command = command.slice(0, -1) + body[k++];
    const expected = body.slice(k).filter((l) => l.trim() !== "");
    blocks.push({ command: command.split(/\s+/).filter(Boolean), expected, line: start });
  }
  return blocks;
}

/** Turns one expected line into a regular expression over a whole (trimmed) output line.
 *
 * @example
 * ```ts
 * import { lineRegExp } from "./sample_output.ts";
 * lineRegExp("<ops> ops: <ops> ok").test("48 ops: 48 ok"); // true
 * lineRegExp("<ops> ops: <ops> ok").test("48 ops: 47 ok"); // false
 * ```
 */
export function lineRegExp(expected: string): RegExp {
  const seen = new Set<string>();
  let source = "";
  for (const token of expected.trim().split(/(<[A-Za-z][\w-]*>|…|\s+)/)) {
    if (token === "") continue;
    if (token === "…") source += ".*?";
    else if (/^\s+$/.test(token)) source += "\\s+";
    else if (token === "<n>") source += "-?\\d+(?:\\.\\d+)?";
    else if (/^<[A-Za-z][\w-]*>$/.test(token)) {
      const name = token.slice(1, -1).replace(/-/g, "_");
      source += seen.has(name) ? `\\k<${name}>` : `(?<${name}>-?\\d+(?:\\.\\d+)?)`;
      seen.add(name);
    } else source += token.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}

/** Checks that the expected lines appear, in order, among the output's lines; returns the
 * expected lines that did not (empty when the block matches).
 *
 * @example
 * ```ts
 * import { matchSample } from "./sample_output.ts";
 * matchSample(["a <n>", "c"], "a 1\nb\nc\n"); // []
 * matchSample(["c", "a <n>"], "a 1\nb\nc\n"); // ["a <n>"]
 * ```
 */
export function matchSample(expected: readonly string[], output: string): string[] {
  const lines = output.split("\n").map((l) => l.trim());
  const missing: string[] = [];
  let at = 0;
  for (const want of expected) {
    const re = lineRegExp(want);
    const found = lines.findIndex((l, i) => i >= at && re.test(l));
    if (found < 0) missing.push(want);
    else at = found + 1;
  }
  return missing;
}
