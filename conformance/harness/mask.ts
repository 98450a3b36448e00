/**
 * Placeholders for what truly varies from run to run. Ports are masked by value (the harness
 * knows every port it saw), so a payload that merely looks like a port is never hidden; other
 * masks are patterns a case declares, such as timestamps.
 *
 * @module
 */

/** One substitution applied to a transcript before it is compared. */
export interface Mask {
  /** What to replace; must have the `g` flag. */
  pattern: RegExp;
  /** The placeholder, e.g. `<TIME>`. */
  placeholder: string;
}

/** Masks each given port number, as a whole number, with `<PORT>`. */
export function portMasks(ports: Iterable<number>): Mask[] {
  return [...ports].sort((a, b) => b - a).map((port) => ({
    pattern: new RegExp(`(?<![0-9])${port}(?![0-9])`, "g"),
    placeholder: "<PORT>",
  }));
}

/** Local date and time as `YYYY/MM/DD HH:MM:SS` (Python's `%Y/%m/%d %H:%M:%S`) → `<TIME>`. */
export const TIMESTAMP_MASK: Mask = {
  pattern: /\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}/g,
  placeholder: "<TIME>",
};

/** Applies `masks` in order. */
export function applyMasks(text: string, masks: readonly Mask[]): string {
  return masks.reduce((masked, mask) => masked.replace(mask.pattern, mask.placeholder), text);
}
