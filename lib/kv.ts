/**
 * A client for Maelstrom's key-value services `seq-kv`, `lin-kv` and `lww-kv`. Each call is one
 * RPC from the node to the service.
 *
 * @module
 */
import { KeyDoesNotExist } from "./errors.ts";
import type { AnyBody, Node, RpcOptions } from "./node.ts";

/** The ids of Maelstrom's key-value services. */
export type KvService = "seq-kv" | "lin-kv" | "lww-kv";

/** Options of {@linkcode Kv.cas}. */
export interface CasOptions extends RpcOptions {
  /** Create the key with `to` when it does not exist (`seq-kv` and `lin-kv` only). */
  createIfNotExists?: boolean;
}

/** A client for one key-value service. Errors surface as typed exceptions: a missing key as
 * `KeyDoesNotExist` (code 20), a failed compare-and-set as `PreconditionFailed` (code 22), and
 * no reply as an `RpcError` with code 0.
 *
 * @example
 * ```ts ignore
 * import { Kv } from "./kv.ts";
 * const kv = new Kv(node, "seq-kv");
 * await kv.write("counter", 0);
 * await kv.cas("counter", 0, 5);
 * await kv.read<number>("counter"); // 5
 * ```
 */
export class Kv {
  #node: Node;
  #service: KvService;
  #options: RpcOptions;

  /** @param options defaults for every call, such as `timeoutMs`. */
  constructor(node: Node, service: KvService, options: RpcOptions = {}) {
    this.#node = node;
    this.#service = service;
    this.#options = options;
  }

  /** The value at `key`; throws `KeyDoesNotExist` when there is none. */
  async read<V = unknown>(key: unknown, options: RpcOptions = {}): Promise<V> {
    const reply = await this.#call({ type: "read", key }, options);
    return reply.value as V;
  }

  /** The value at `key`, or `fallback` when the key does not exist. */
  async readOr<V>(key: unknown, fallback: V, options: RpcOptions = {}): Promise<V> {
    try {
      return await this.read<V>(key, options);
    } catch (err) {
      if (err instanceof KeyDoesNotExist) return fallback;
      throw err;
    }
  }

  /** Sets `key` to `value`, creating it if needed. */
  async write(key: unknown, value: unknown, options: RpcOptions = {}): Promise<void> {
    await this.#call({ type: "write", key, value }, options);
  }

  /** Sets `key` to `to` only if it currently holds `from`; throws `PreconditionFailed` if not,
   * and `KeyDoesNotExist` for a missing key unless `createIfNotExists` is set. */
  async cas(key: unknown, from: unknown, to: unknown, options: CasOptions = {}): Promise<void> {
    const body: AnyBody = { type: "cas", key, from, to };
    if (options.createIfNotExists) body.create_if_not_exists = true;
    await this.#call(body, options);
  }

  #call(body: AnyBody, options: RpcOptions) {
    return this.#node.rpc(this.#service, body, { ...this.#options, ...options });
  }
}
