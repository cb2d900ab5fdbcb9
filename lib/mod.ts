/**
 * The node runtime for Gossip Glomers challenges: import everything from here. It exports only
 * what the challenges use; the rest of `lib/` is internal.
 *
 * @example
 * ```ts ignore
 * import { z } from "zod";
 * import { Node } from "../lib/mod.ts";
 * const Echo = z.object({ type: z.literal("echo"), echo: z.unknown() });
 * const node = new Node();
 * node.on(Echo, (msg) => ({ type: "echo_ok", echo: msg.body.echo }));
 * await node.run();
 * ```
 *
 * @module
 */
export { type Arrival, ReplyDeadline } from "./deadline.ts";
export { ErrorCode, KeyDoesNotExist, PreconditionFailed, RpcError } from "./errors.ts";
export { Kv } from "./kv.ts";
export { Init, Node, type NodeOptions } from "./node.ts";
