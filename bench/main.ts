#!/usr/bin/env -S deno run -A
/**
 * `deno task bench [ftp|load] [OPTIONS]`: the FTP benchmark (`ftp_bench.ts`: 1 GiB put and get
 * against an MD5 pass and a raw copy), the connection benchmark (`load_bench.ts`: the chat and
 * echo servers at 100 to 10,000 connections against a Deno and a Node echo), or, with no name,
 * both in turn with the same OPTIONS (e.g. `--write-docs`); `bench jail [--seconds 30]` runs
 * the symlink swap race against the FTP server's jail (`jail_race.ts`); `bench ls` and
 * `bench ls-big` time `ls` (`ls_round_trips.ts`, `ls_big_folder.ts`). Each runs as its own process, so
 * one's memory never counts in the other's figures.
 *
 * @module
 */

const BENCHES = {
  ftp: "ftp_bench.ts",
  load: "load_bench.ts",
  jail: "jail_race.ts",
  ls: "ls_round_trips.ts",
  "ls-big": "ls_big_folder.ts",
} as const;

const USAGE = `Usage: deno task bench [ftp|load|jail|ls|ls-big] [OPTIONS]

  ftp    1 GiB put and get through ftp_server.ts/ftp_client.ts against the Python reference of the
         same protocol, an MD5 pass and a raw copy (--size BYTES, --rounds N, --write-docs)
  load   the chat and echo servers at 100 to 10,000 connections against a Deno and a Node echo,
         driven by a compiled C generator (--connections 100,1000, --seconds S, --runs N,
         --only NAMES, --generator c|node, --write-docs)
  jail   the symlink swap race against the FTP server's jail (--seconds S)
  ls     ls round trips on one connection through ftp_server.ts against a Deno echo's
         (--count N, --rounds N)
  ls-big an ls of a folder of 100,000 files: how long, how long a new connection waits for
         its welcome meanwhile, and the server's memory (--files N, --rounds N, --server PATH)

With no name: ftp, then load, with the same OPTIONS. \`deno task bench NAME --help\` for one.`;
type Bench = keyof typeof BENCHES;

async function run(bench: Bench, args: string[]): Promise<number> {
  const script = new URL(BENCHES[bench], import.meta.url).pathname;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, ...args],
    stdin: "inherit",
  }).spawn();
  return (await child.status).code;
}

async function main(args: string[]): Promise<number> {
  const [first, ...rest] = args;
  if (first === "--help" || first === "-h") {
    console.log(USAGE);
    return 0;
  }
  if (first in BENCHES) return await run(first as Bench, rest);
  if (first !== undefined && !first.startsWith("-")) {
    console.error(
      `bench: no benchmark named ${
        JSON.stringify(first)
      }: ftp, load, jail, ls or ls-big (see --help)`,
    );
    return 2;
  }
  for (const bench of ["ftp", "load"] as const) {
    const code = await run(bench, args);
    if (code !== 0) return code;
  }
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
