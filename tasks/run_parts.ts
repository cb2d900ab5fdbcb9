/**
 * Runs challenge parts with their fly.io command lines: through a real Maelstrom when `MAELSTROM`
 * names one or `maelstrom` is on PATH, through our harness otherwise.
 *
 * ```sh
 * deno task test:broadcast          # every broadcast part, 3a-3e
 * deno task test:broadcast 3d       # one part
 * ```
 *
 * @module
 */
import { challengeFile, isBuilt, type Part, PARTS } from "./parts.ts";
import type { Op } from "../harness/types.ts";

/** The project root (this file lives in `tasks/`). */
export const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** The command that runs `maelstrom test`: a real Maelstrom if one is installed, else ours. */
export function maelstromCommand(): { cmd: string; args: string[]; real: boolean } {
  const env = Deno.env.get("MAELSTROM");
  if (env) return { cmd: env, args: [], real: true };
  const path = (Deno.env.get("PATH") ?? "").split(":");
  for (const dir of path) {
    try {
      const p = `${dir}/maelstrom`;
      if (Deno.statSync(p).isFile) return { cmd: p, args: [], real: true };
    } catch {
      // Not in this directory.
    }
  }
  return { cmd: Deno.execPath(), args: ["run", "-A", `${ROOT}/harness/cli.ts`], real: false };
}

/** What one part's run produced. */
export interface PartRun {
  part: Part;
  code: number;
  /** The run's results, read from the store (our harness only). */
  results?: Record<string, unknown>;
  /** The run's history (our harness only). */
  history?: Op[];
  wallS: number;
  /** Captured output, when run quietly. */
  output?: string;
}

/** How to run a part: real processes (a real Maelstrom when installed), or our simulator. */
export interface RunPartOptions {
  mode?: "real" | "sim";
  /** Capture output instead of streaming it. */
  quiet?: boolean;
  /** More `maelstrom test` arguments, such as `--seed 7`. */
  extra?: string[];
}

/** Runs one part and returns the exit code, results and history. */
export async function runPart(part: Part, options: RunPartOptions = {}): Promise<PartRun> {
  const sim = options.mode === "sim";
  const m = sim
    ? { cmd: Deno.execPath(), args: ["run", "-A", `${ROOT}/harness/cli.ts`], real: false }
    : maelstromCommand();
  const store = `${ROOT}/store`;
  const bin = sim ? `${ROOT}/${challengeFile(part)}` : `${ROOT}/launchers/${part.challenge}`;
  const args = [
    ...m.args,
    "test",
    "--bin",
    bin,
    ...part.args,
    ...(m.real ? [] : ["--store", store]),
    ...(options.extra ?? []),
    ...(part.nodeArgs ? ["--", ...part.nodeArgs] : []),
  ];
  const started = performance.now();
  const out = await new Deno.Command(m.cmd, {
    args,
    cwd: ROOT,
    stdout: options.quiet ? "piped" : "inherit",
    stderr: options.quiet ? "piped" : "inherit",
  }).output();
  const wallS = (performance.now() - started) / 1000;
  let results: Record<string, unknown> | undefined;
  let history: Op[] | undefined;
  if (!m.real) {
    try {
      results = JSON.parse(Deno.readTextFileSync(`${store}/latest/results.json`));
      history = Deno.readTextFileSync(`${store}/latest/history.jsonl`).trim().split("\n")
        .map((l) => JSON.parse(l));
    } catch {
      // The run crashed before analysis.
    }
  }
  const decoder = new TextDecoder();
  const output = options.quiet
    ? decoder.decode(out.stdout) + decoder.decode(out.stderr)
    : undefined;
  return { part, code: out.code, results, history, wallS, output };
}

if (import.meta.main) {
  // `deno task test:broadcast 3d --seed 7`: the challenge, optionally a part id, then any extra
  // maelstrom flags.
  const [challenge, ...rest] = Deno.args;
  const flagAt = rest.findIndex((a) => a.startsWith("-"));
  const ids = flagAt < 0 ? rest : rest.slice(0, flagAt);
  const extra = flagAt < 0 ? [] : rest.slice(flagAt);
  const only = ids[0];
  const parts = PARTS.filter((p) => p.challenge === challenge && (!only || p.id === only));
  if (parts.length === 0) {
    console.error(`No part matches challenge "${challenge}"${only ? ` and part "${only}"` : ""}`);
    Deno.exit(254);
  }
  const m = maelstromCommand();
  console.error(m.real ? `Using Maelstrom at ${m.cmd}` : "Using the embedded harness");
  let failed = 0;
  for (const part of parts) {
    if (!isBuilt(part, ROOT)) {
      console.error(`Part ${part.id}: challenges/${part.challenge}.ts does not exist yet`);
      failed++;
      continue;
    }
    console.error(`\n=== Part ${part.id}: ${part.title} ===`);
    const run = await runPart(part, { extra });
    if (run.code !== 0) failed++;
  }
  Deno.exit(failed === 0 ? 0 : 1);
}
