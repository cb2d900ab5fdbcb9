/**
 * Maelstrom's error codes and the typed {@linkcode RpcError} that carries them.
 *
 * A *definite* error means the request certainly did not take effect; an indefinite one (timeout,
 * crash, or any user code of 1000 and up) means it may or may not have.
 *
 * @module
 */

/** Maelstrom's reserved error codes: for each, its code, its wire name and whether it is definite.
 * This is the one list of them; {@linkcode ErrorCode}, {@linkcode errorName} and
 * {@linkcode isDefinite} are read from it. The codes, names and definiteness are those of the
 * "Errors" table in Maelstrom's `doc/protocol.md`. */
const ERRORS = {
  Timeout: { code: 0, name: "timeout", definite: false },
  NodeNotFound: { code: 1, name: "node-not-found", definite: true },
  NotSupported: { code: 10, name: "not-supported", definite: true },
  TemporarilyUnavailable: { code: 11, name: "temporarily-unavailable", definite: true },
  MalformedRequest: { code: 12, name: "malformed-request", definite: true },
  Crash: { code: 13, name: "crash", definite: false },
  Abort: { code: 14, name: "abort", definite: true },
  KeyDoesNotExist: { code: 20, name: "key-does-not-exist", definite: true },
  KeyAlreadyExists: { code: 21, name: "key-already-exists", definite: true },
  PreconditionFailed: { code: 22, name: "precondition-failed", definite: true },
  TxnConflict: { code: 30, name: "txn-conflict", definite: true },
} as const;

type ErrorKey = keyof typeof ERRORS;

/** Maelstrom's reserved error codes, by name.
 *
 * @example
 * ```ts
 * import { ErrorCode } from "./errors.ts";
 * ErrorCode.PreconditionFailed; // 22
 * ```
 */
export const ErrorCode = Object.fromEntries(
  Object.entries(ERRORS).map(([key, e]) => [key, e.code]),
) as { readonly [K in ErrorKey]: (typeof ERRORS)[K]["code"] };

const BY_CODE: ReadonlyMap<number, { name: string; definite: boolean }> = new Map(
  Object.values(ERRORS).map((e) => [e.code, e]),
);

/** The wire name of a code (`"unknown"` for codes outside the table).
 *
 * @example
 * ```ts
 * import { errorName } from "./errors.ts";
 * errorName(22); // "precondition-failed"
 * ```
 */
export function errorName(code: number): string {
  return BY_CODE.get(code)?.name ?? "unknown";
}

/** Whether a code means the request certainly did not happen. Unknown codes are indefinite.
 *
 * @example
 * ```ts
 * import { isDefinite } from "./errors.ts";
 * isDefinite(20); // true
 * isDefinite(0); // false
 * ```
 */
export function isDefinite(code: number): boolean {
  return BY_CODE.get(code)?.definite ?? false;
}

/** An error with a Maelstrom code. Throw it from a handler to reply with
 * `{"type":"error","code":...,"text":...}`; `rpc()` rejects with it when the reply is an error or
 * never comes (code 0).
 *
 * @example
 * ```ts
 * import { ErrorCode, RpcError } from "./errors.ts";
 * const err = new RpcError(ErrorCode.KeyDoesNotExist, "Key \"x\" does not exist");
 * err.definite; // true
 * err.toBody(); // { type: "error", code: 20, text: "Key \"x\" does not exist" }
 * ```
 */
export class RpcError extends Error {
  /** The Maelstrom error code. */
  readonly code: number;
  /** Any extra fields of the error body. */
  readonly extra: Record<string, unknown>;

  constructor(code: number, text?: string, extra: Record<string, unknown> = {}) {
    super(text ?? errorName(code));
    this.name = "RpcError";
    this.code = code;
    this.extra = extra;
  }

  /** Whether the failed request certainly did not take effect. */
  get definite(): boolean {
    return isDefinite(this.code);
  }

  /** The error's wire name, such as `"key-does-not-exist"`. */
  get codeName(): string {
    return errorName(this.code);
  }

  /** The body of an `error` message for this error (without `in_reply_to`). */
  toBody(): { type: "error"; code: number; text: string } & Record<string, unknown> {
    return { ...this.extra, type: "error", code: this.code, text: this.message };
  }

  /** Builds the error from an `error` reply body: codes 20 and 22 become
   * {@linkcode KeyDoesNotExist} and {@linkcode PreconditionFailed}, so callers can tell them apart
   * with `instanceof`. */
  static fromBody(body: Record<string, unknown>): RpcError {
    const code = typeof body.code === "number" ? body.code : ErrorCode.Crash;
    const text = typeof body.text === "string" ? body.text : undefined;
    if (code === ErrorCode.KeyDoesNotExist) return new KeyDoesNotExist(text);
    if (code === ErrorCode.PreconditionFailed) return new PreconditionFailed(text);
    return new RpcError(code, text);
  }
}

/** Code 20: a KV read or cas named a key that does not exist.
 *
 * @example
 * ```ts
 * import { KeyDoesNotExist, RpcError } from "./errors.ts";
 * const err: RpcError = RpcError.fromBody({ type: "error", code: 20 });
 * err instanceof KeyDoesNotExist; // true
 * ```
 */
export class KeyDoesNotExist extends RpcError {
  constructor(text = "key does not exist") {
    super(ErrorCode.KeyDoesNotExist, text);
    this.name = "KeyDoesNotExist";
  }
}

/** Code 22: a KV cas found a value other than its `from`.
 *
 * @example
 * ```ts
 * import { PreconditionFailed, RpcError } from "./errors.ts";
 * RpcError.fromBody({ type: "error", code: 22 }) instanceof PreconditionFailed; // true
 * ```
 */
export class PreconditionFailed extends RpcError {
  constructor(text = "precondition failed") {
    super(ErrorCode.PreconditionFailed, text);
    this.name = "PreconditionFailed";
  }
}
