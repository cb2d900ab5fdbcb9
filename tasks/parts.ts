/**
 * The thirteen challenge parts and their fly.io command lines (flags verbatim from the pages,
 * `--bin` pointing at our launcher). 6c uses `--nemesis` with two ASCII hyphens: the page's own
 * command has an en dash, which silently turns the partitions off.
 *
 * @module
 */

/** One challenge part. */
export interface Part {
  /** "1", "2", "3a", ... */
  id: string;
  title: string;
  /** The file in `challenges/` (and launcher in `launchers/`) that solves it. */
  challenge: string;
  /** The `maelstrom test` arguments after `--bin`. */
  args: string[];
  /** Extra arguments for the node itself (after `--`), such as a tuning profile. */
  nodeArgs?: string[];
}

const a = (s: string) => s.split(" ");

/** Every part, in order.
 *
 * @example
 * ```ts
 * import { PARTS } from "./parts.ts";
 * PARTS.length; // 14 (1, 2, 3a-3e, 4, 5a-5c, 6a-6c)
 * ```
 */
export const PARTS: readonly Part[] = [
  { id: "1", title: "Echo", challenge: "echo", args: a("-w echo --node-count 1 --time-limit 10") },
  {
    id: "2",
    title: "Unique IDs",
    challenge: "unique-ids",
    args: a(
      "-w unique-ids --time-limit 30 --rate 1000 --node-count 3 --availability total --nemesis partition",
    ),
  },
  {
    id: "3a",
    title: "Single-node broadcast",
    challenge: "broadcast",
    args: a("-w broadcast --node-count 1 --time-limit 20 --rate 10"),
  },
  {
    id: "3b",
    title: "Multi-node broadcast",
    challenge: "broadcast",
    args: a("-w broadcast --node-count 5 --time-limit 20 --rate 10"),
  },
  {
    id: "3c",
    title: "Fault-tolerant broadcast",
    challenge: "broadcast",
    args: a("-w broadcast --node-count 5 --time-limit 20 --rate 10 --nemesis partition"),
  },
  {
    id: "3d",
    title: "Efficient broadcast I",
    challenge: "broadcast",
    args: a("-w broadcast --node-count 25 --time-limit 20 --rate 100 --latency 100"),
  },
  {
    id: "3e",
    title: "Efficient broadcast II",
    challenge: "broadcast",
    args: a("-w broadcast --node-count 25 --time-limit 20 --rate 100 --latency 100"),
    // Part II trades latency for messages: the hub batches once a second (3d uses the default).
    nodeArgs: ["--batch-ms=1000"],
  },
  {
    id: "4",
    title: "Grow-only counter",
    challenge: "counter",
    args: a("-w g-counter --node-count 3 --rate 100 --time-limit 20 --nemesis partition"),
  },
  {
    id: "5a",
    title: "Single-node kafka log",
    challenge: "kafka",
    args: a("-w kafka --node-count 1 --concurrency 2n --time-limit 20 --rate 1000"),
  },
  {
    id: "5b",
    title: "Multi-node kafka log",
    challenge: "kafka",
    args: a("-w kafka --node-count 2 --concurrency 2n --time-limit 20 --rate 1000"),
  },
  {
    id: "5c",
    title: "Efficient kafka log",
    challenge: "kafka",
    args: a("-w kafka --node-count 2 --concurrency 2n --time-limit 20 --rate 1000"),
  },
  {
    id: "6a",
    title: "Single-node transactions",
    challenge: "txn",
    args: a(
      "-w txn-rw-register --node-count 1 --time-limit 20 --rate 1000 --concurrency 2n --consistency-models read-uncommitted --availability total",
    ),
  },
  {
    id: "6b",
    title: "Read-uncommitted transactions",
    challenge: "txn",
    args: a(
      "-w txn-rw-register --node-count 2 --concurrency 2n --time-limit 20 --rate 1000 --consistency-models read-uncommitted --availability total --nemesis partition",
    ),
  },
  {
    id: "6c",
    title: "Read-committed transactions",
    challenge: "txn",
    args: a(
      "-w txn-rw-register --node-count 2 --concurrency 2n --time-limit 20 --rate 1000 --consistency-models read-committed --availability total --nemesis partition",
    ),
  },
];

/** A part's `maelstrom test` arguments: its fly.io flags, then its node arguments after `--`.
 *
 * @example
 * ```ts
 * import { commandArgs, PARTS } from "./parts.ts";
 * commandArgs(PARTS.find((p) => p.id === "3e")!).slice(-2); // ["--", "--batch-ms=1000"]
 * ```
 */
export function commandArgs(part: Part): string[] {
  return [...part.args, ...(part.nodeArgs ? ["--", ...part.nodeArgs] : [])];
}

/** The challenge file of a part, relative to the project root. */
export function challengeFile(part: Part): string {
  return `challenges/${part.challenge.replaceAll("-", "_")}.ts`;
}

/** One run that several parts share. */
export interface SharedRun {
  /** The part whose command line runs. */
  lead: Part;
  /** The other parts judged on the same run. `consistencyModels` is set when a part's command
   * line differs from the lead's in its `--consistency-models` (the run is then checked again
   * against those models, as `maelstrom analyze --consistency-models` does); unset, the command
   * lines are the same and so are the results. */
  others: { part: Part; consistencyModels?: string[] }[];
}

/** Groups parts by the run they need. Two command lines that differ only in
 * `--consistency-models` make the same run, since only the checker reads that flag (the
 * generator, the nodes and the faults never see it): 5b and 5c are the same command line, and 6b
 * and 6c differ only in their models. Running such parts once and checking the run for each
 * gives what separate runs would, at half the cost.
 *
 * @example
 * ```ts
 * import { sharedRuns } from "./parts.ts";
 * const runs = sharedRuns();
 * runs.length; // 12: fourteen parts, two pairs sharing a run
 * const txn = runs.find((r) => r.lead.id === "6b")!;
 * txn.others.map((o) => [o.part.id, o.consistencyModels]); // [["6c", ["read-committed"]]]
 * ```
 */
export function sharedRuns(parts: readonly Part[] = PARTS): SharedRun[] {
  const runs = new Map<string, { run: SharedRun; models: string }>();
  for (const part of parts) {
    const args = commandArgs(part);
    const at = args.indexOf("--consistency-models");
    // Without the flag, Maelstrom checks against strict-serializable.
    const models = at < 0 ? "strict-serializable" : args[at + 1];
    const key = [challengeFile(part), ...(at < 0 ? args : args.toSpliced(at, 2))].join("\0");
    const shared = runs.get(key);
    if (shared === undefined) {
      runs.set(key, { run: { lead: part, others: [] }, models });
    } else {
      shared.run.others.push({
        part,
        // Split as the harness splits the flag (after Maelstrom's `cli.clj`: `#"\s+,\s+"`).
        ...(models !== shared.models ? { consistencyModels: models.split(/\s+,\s+/) } : {}),
      });
    }
  }
  return [...runs.values()].map((shared) => shared.run);
}
