/**
 * A seeded random source (xoshiro128**), so one seed reproduces every choice the harness makes:
 * op mixes, latencies, partitions, and, in simulation, the nodes' own randomness.
 *
 * @module
 */
import type { Rng } from "./types.ts";

/** An {@linkcode Rng} that can split off independent streams. */
export interface SeededRng extends Rng {
  /** A new stream seeded from this one, so adding a consumer of randomness in one place does
   * not shift the choices made elsewhere. */
  fork(): SeededRng;
}

/** Creates a deterministic {@linkcode Rng} from a 32-bit seed.
 *
 * @example
 * ```ts
 * import { createRng } from "./rng.ts";
 * const a = createRng(42), b = createRng(42);
 * console.assert(a.next() === b.next());
 * ```
 */
export function createRng(seed: number): SeededRng {
  // SplitMix32 spreads the seed over the four words of state.
  let z = seed >>> 0;
  const split = () => {
    z = (z + 0x9e3779b9) >>> 0;
    let t = z;
    t = Math.imul(t ^ (t >>> 16), 0x85ebca6b);
    t = Math.imul(t ^ (t >>> 13), 0xc2b2ae35);
    return (t ^ (t >>> 16)) >>> 0;
  };
  let a = split(), b = split(), c = split(), d = split();
  const u32 = () => {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return result;
  };
  const next = () => u32() / 4294967296;
  const rng: SeededRng = {
    next,
    int(lo: number, hi: number): number {
      if (!(hi > lo)) throw new RangeError(`Empty range [${lo}, ${hi})`);
      return lo + Math.floor(next() * (hi - lo));
    },
    pick<T>(xs: readonly T[]): T {
      if (xs.length === 0) throw new RangeError("Cannot pick from an empty array");
      return xs[Math.floor(next() * xs.length)];
    },
    shuffle<T>(xs: readonly T[]): T[] {
      const out = [...xs];
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [out[i], out[j]] = [out[j], out[i]];
      }
      return out;
    },
    fork(): SeededRng {
      return createRng(u32());
    },
  };
  return rng;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
