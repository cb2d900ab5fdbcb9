/**
 * Elle's consistency models now live in `elle/models.ts`, beside the rest of the Elle checkers.
 * This re-export keeps `harness/cli.ts` compiling while other branches still change that file;
 * once they are merged, point cli.ts at `./checkers/elle/models.ts` and delete this file.
 *
 * @example
 * ```ts
 * import { isKnownModel } from "./elle_models.ts";
 * isKnownModel("serializable"); // true
 * ```
 *
 * @module
 */
export * from "./elle/models.ts";
