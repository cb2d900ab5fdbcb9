/**
 * The workload registry: Maelstrom's ten workload names and where each lives.
 *
 * @module
 */
import type { Workload } from "../types.ts";

/** Maelstrom's workload names, each mapped to its module and export. */
const REGISTRY: Record<string, { file: string; name: string }> = {
  "echo": { file: "./echo.ts", name: "echo" },
  "unique-ids": { file: "./unique_ids.ts", name: "uniqueIds" },
  "broadcast": { file: "./broadcast.ts", name: "broadcast" },
  "g-set": { file: "./g_set.ts", name: "gSet" },
  "g-counter": { file: "./counter.ts", name: "gCounter" },
  "pn-counter": { file: "./counter.ts", name: "pnCounter" },
  "lin-kv": { file: "./lin_kv.ts", name: "linKv" },
  "kafka": { file: "./kafka.ts", name: "kafka" },
  "txn-rw-register": { file: "./txn_rw_register.ts", name: "txnRwRegister" },
  "txn-list-append": { file: "./txn_list_append.ts", name: "txnListAppend" },
};

/** Every workload name the CLI accepts. */
export const WORKLOAD_NAMES: readonly string[] = Object.keys(REGISTRY);

/** Loads a workload by its Maelstrom name. Modules are imported on demand, so starting a test
 * pays only for the workload it runs.
 *
 * @example
 * ```ts ignore
 * import { loadWorkload } from "./mod.ts";
 * const echo = await loadWorkload("echo");
 * ```
 */
export async function loadWorkload(name: string): Promise<Workload> {
  const entry = REGISTRY[name];
  if (!entry) throw new Error(`Unknown workload "${name}"`);
  let mod: Record<string, unknown>;
  try {
    mod = await import(new URL(entry.file, import.meta.url).href);
  } catch (err) {
    throw new Error(
      `The "${name}" workload is not available in this harness yet (${(err as Error).message})`,
    );
  }
  const workload = mod[entry.name] as Workload | undefined;
  if (!workload) throw new Error(`Module ${entry.file} does not export "${entry.name}"`);
  return workload;
}
