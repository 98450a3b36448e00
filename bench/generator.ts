/**
 * The connection benchmark's two load generators and how to run either. `load_gen.c` is compiled
 * once per bench run into a temporary folder and is the default; `load_gen.mjs`, run by Node,
 * takes over when asked for or when no C compiler builds the other. Both take the same flags
 * and print the same JSON ({@linkcode LoadResult}).
 *
 * @module
 */

/** Which generator drives the connections. */
export type GeneratorKind = "c" | "node";

/** A generator ready to run. */
export interface Generator {
  /** Which one it is: the C one may have fallen back to Node. */
  kind: GeneratorKind;
  /** The program and its arguments before the load flags of {@linkcode loadArgs}. */
  command: string[];
  /** How the report names it, e.g. `load_gen.c (cc -O2, one thread)`. */
  label: string;
  /** Removes what was built for it, if anything. */
  dispose(): Promise<void>;
}

/** What load_gen.c and load_gen.mjs print. */
export interface LoadResult {
  /** `c` or `node`; absent from output older than load_gen.c. */
  generator?: GeneratorKind;
  connections: number;
  /** Connections connected, greeted and answered once before the timing began. */
  open: number;
  /** Open connections with a round trip in the measured window. */
  served: number;
  rampSeconds: number;
  seconds: number;
  roundTrips: number;
  roundTripsPerSecond: number;
  p50Ms: number | null;
  p99Ms: number | null;
  /**
   * The generator's own CPU time (user + system) in the window per second of it: 1 is one core
   * fully busy, where the generator itself may be what limits the round trips.
   */
  cpuBusy: number;
  /**
   * The same for the server, all its threads, when the generator was given its pid (null when
   * not, absent from older output): near 1 for a one-threaded server, the server is the limit.
   */
  serverCpuBusy?: number | null;
  /** Fewest round trips of one open connection in the window. */
  minRoundTrips: number;
  /** Most round trips of one open connection in the window. */
  maxRoundTrips: number;
  errors: number;
  errorKinds: { connect: number; closed: number; wrongReply: number };
  errorSamples: Record<string, string>;
}

/** One generator run: where to connect and what the conversation is. */
export interface LoadSpec {
  host?: string;
  port: number;
  connections: number;
  seconds: number;
  warmup: number;
  /** The UTF-8 message every connection sends. */
  message: string;
  /** `echo`: the reply is the message; `chat`: the message plus `好`. */
  reply: "echo" | "chat";
  /** What the server sends first on every connection; empty when it does not greet. */
  greeting: string;
  /** The server's process, whose CPU time in the window is reported (`serverCpuBusy`). */
  serverPid?: number;
}

/** The flags both generators take for `spec`. */
export function loadArgs(spec: LoadSpec): string[] {
  return [
    "--host",
    spec.host ?? "127.0.0.1",
    "--port",
    String(spec.port),
    "--connections",
    String(spec.connections),
    "--seconds",
    String(spec.seconds),
    "--warmup",
    String(spec.warmup),
    "--message",
    spec.message,
    "--reply",
    spec.reply,
    "--greeting",
    spec.greeting,
    ...(spec.serverPid === undefined ? [] : ["--server-pid", String(spec.serverPid)]),
  ];
}

const here = new URL(".", import.meta.url).pathname;
/** The C generator's source. */
export const C_SOURCE = `${here}load_gen.c`;
/** The Node generator. */
export const NODE_SCRIPT = `${here}load_gen.mjs`;

/** The compiler command: `$CC` split at spaces (e.g. `ccache gcc`), else `cc`. */
export function defaultCompiler(): string[] {
  const cc = Deno.env.get("CC")?.trim();
  return cc ? cc.split(/\s+/) : ["cc"];
}

/**
 * Compiles load_gen.c with `compiler -O2` into a new temporary folder. Resolves with the
 * executable and its folder, or with why it could not (the folder is then already removed).
 */
export async function buildCGenerator(
  compiler: string[] = defaultCompiler(),
): Promise<{ path: string; dir: string } | { error: string }> {
  const dir = await Deno.makeTempDir({ prefix: "load_gen_" });
  const path = `${dir}/load_gen`;
  const [program, ...flags] = compiler;
  try {
    const output = await new Deno.Command(program, {
      args: [...flags, "-O2", "-o", path, C_SOURCE],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (output.success) return { path, dir };
    const stderr = new TextDecoder().decode(output.stderr).trim().split("\n")[0];
    await Deno.remove(dir, { recursive: true });
    return { error: `${compiler.join(" ")} exited with ${output.code}: ${stderr || "no message"}` };
  } catch (error) {
    await Deno.remove(dir, { recursive: true });
    const reason = error instanceof Deno.errors.NotFound ? "not found" : (error as Error).message;
    return { error: `${compiler.join(" ")}: ${reason}` };
  }
}

/** The Node generator. */
export function nodeGenerator(): Generator {
  return {
    kind: "node",
    command: ["node", NODE_SCRIPT],
    label: "`load_gen.mjs` (Node)",
    dispose: () => Promise.resolve(),
  };
}

/**
 * The generator of `kind`. For `c`, builds it; if that fails, writes one line through `log`
 * (stderr by default) saying so and returns the Node generator instead.
 */
export async function prepareGenerator(
  kind: GeneratorKind,
  options: { compiler?: string[]; log?: (line: string) => void } = {},
): Promise<Generator> {
  if (kind === "node") return nodeGenerator();
  const compiler = options.compiler ?? defaultCompiler();
  const built = await buildCGenerator(compiler);
  if ("error" in built) {
    (options.log ?? console.error)(
      `load_gen.c could not be built (${built.error}); using the Node generator, load_gen.mjs`,
    );
    return nodeGenerator();
  }
  return {
    kind: "c",
    command: [built.path],
    label: `\`load_gen.c\` (${compiler.join(" ")} -O2, one thread)`,
    dispose: () => Deno.remove(built.dir, { recursive: true }),
  };
}

/**
 * The Node echo's round trips/s at 100 connections below which a run is marked generator-bound:
 * under it, the generator rather than the servers may be what the figures measure.
 */
export const HEADROOM_FLOOR = 150_000;

/** A `cpuBusy` figure as a percentage of one core. */
export const percentOfCore = (busy: number): string => `${Math.round(busy * 100)} %`;

/**
 * The sentence that says which generator ran and how much headroom it had: `nodeEchoAt100` is
 * what `echo_node.mjs` made at 100 connections in the same run (undefined if not measured).
 * Under {@linkcode HEADROOM_FLOOR} round trips/s it marks the run generator-bound, and says
 * which of the two was busier when the server's CPU was measured: a Node echo using a whole
 * core while the generator has room is held down by the core, not by the generator.
 */
export function headroomNote(
  generator: Generator,
  nodeEchoAt100: Pick<LoadResult, "roundTripsPerSecond" | "cpuBusy" | "serverCpuBusy"> | undefined,
): string {
  const ran = `Generator ${generator.label}.`;
  if (nodeEchoAt100 === undefined) {
    return `${ran} Headroom not measured: the run did not include \`echo_node.mjs\` at 100 ` +
      "connections.";
  }
  const server = nodeEchoAt100.serverCpuBusy;
  const made = `Headroom: \`echo_node.mjs\` at 100 connections made ` +
    `${nodeEchoAt100.roundTripsPerSecond.toLocaleString("en-US")} round trips/s, the generator ` +
    `busy ${percentOfCore(nodeEchoAt100.cpuBusy)} of one core` +
    (typeof server === "number" ? ` and the echo ${percentOfCore(server)}` : "");
  if (nodeEchoAt100.roundTripsPerSecond >= HEADROOM_FLOOR) return `${ran} ${made}.`;
  const marked = `${ran} ${made}; under ${HEADROOM_FLOOR.toLocaleString("en-US")}, so the run ` +
    "is marked **generator-bound**";
  if (typeof server === "number" && server >= 0.9 && nodeEchoAt100.cpuBusy < 0.9) {
    return `${marked}: the echo used a whole core while the generator had room, so this ` +
      "machine's core rather than the generator held the echo down.";
  }
  return `${marked} (its figures may measure the generator rather than the servers).`;
}
