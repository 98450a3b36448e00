/**
 * Peak resident memory of a process, for the benchmarks' figures (Linux only).
 *
 * @module
 */

/** Peak RSS of a live process in KiB, from /proc/PID/status (VmHWM); 0 once it is gone. */
export async function peakRss(pid: number): Promise<number> {
  try {
    const status = await Deno.readTextFile(`/proc/${pid}/status`);
    return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  } catch {
    return 0;
  }
}
