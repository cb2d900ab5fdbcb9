/**
 * Helpers for tests that run whole Maelstrom tests: in the simulator (in-process, virtual time,
 * fast) or as real processes through the CLI. They live in `harness/testing.ts`, so that the
 * harness's own tests never import from `tests/`; the end-to-end tests here use the same ones.
 *
 * @module
 */
export * from "../harness/testing.ts";
