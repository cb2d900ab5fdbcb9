/**
 * The node runtime for Gossip Glomers challenges: import everything from here.
 *
 * @example
 * ```ts ignore
 * import { Node } from "../lib/mod.ts";
 * const node = new Node<{ type: "echo"; echo: unknown }>();
 * node.on("echo", (msg) => ({ type: "echo_ok", echo: msg.body.echo }));
 * await node.run();
 * ```
 *
 * @module
 */
export * from "./errors.ts";
export * from "./kv.ts";
export * from "./node.ts";
export * from "./transport.ts";
export { configureLogging, logger } from "./log.ts";
