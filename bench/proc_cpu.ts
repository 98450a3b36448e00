/**
 * CPU time a process has used so far, for the benchmarks' figures (Linux only).
 *
 * @module
 */

/** Clock ticks per second in /proc: USER_HZ, 100 on every Linux architecture Deno runs on. */
const USER_HZ = 100;

/** User and system CPU seconds. */
export interface CpuTime {
  /** Seconds spent running the program's own code (and the runtime's). */
  user: number;
  /** Seconds spent in the kernel on its behalf: copies, page faults, socket work. */
  sys: number;
}

/** CPU time of a live process from /proc/PID/stat; null once it is gone. */
export async function cpuTime(pid: number): Promise<CpuTime | null> {
  try {
    const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
    // Field 2, the command name, may hold spaces and parentheses: count from the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime and stime are fields 14 and 15; the split starts at field 3.
    return { user: Number(fields[11]) / USER_HZ, sys: Number(fields[12]) / USER_HZ };
  } catch {
    return null;
  }
}
