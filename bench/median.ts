/**
 * The median the benchmarks report: of several alternating rounds, the middle one.
 *
 * @module
 */

/** The middle of `values` once sorted (the upper middle of an even count). */
export function median(values: readonly number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
}
