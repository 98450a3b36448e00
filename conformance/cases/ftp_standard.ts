/**
 * The FTP tool's second port (`ftp_server.ts --ftp-port 0`, issue #21): standard FTP for
 * clients nobody here wrote. `curl` lists, downloads, uploads (`-T`) and resumes (`-C -`);
 * Python's `ftplib` (`fixtures/peers/ftplib_client.py`) logs in, lists (LIST, MLSD, NLST),
 * gets and puts with REST, asks SIZE, XMD5 and HASH, sees an upload appear only once whole,
 * resumes one cut by ABOR, and is refused a data connection from another address; `lftp`
 * mirrors a folder and puts and gets Chinese names. Every file is checked by size and MD5
 * against its source. Then what no client should get: traversal, links leading out, active
 * mode, bad commands, an idle client and a crowd of 1,000. The session `ftp-standard` is drawn
 * on the FTP page beside the tutorial's. Cases whose peer is missing are skipped.
 *
 * The FTP port is the server's second listener (`listeners: 2`), so every client here says
 * `listener: 1`; the recording proxy stands on the control connection only (a client connects
 * its data connections straight to the port the server names).
 *
 * @module
 */

import type { ClientRole, ConformanceCase, ProcessClient, ServerRole } from "../harness/case.ts";
import type { FileContent } from "../harness/files.ts";
import type { Mask } from "../harness/mask.ts";
import type { RawStep } from "../harness/raw_peer.ts";
import { KEPT, NEXT } from "./_bad_input.ts";
import { CAPPED } from "./_concurrent.ts";
import { diskFullAfterFirstMiB, utf8 } from "./_helpers.ts";

const F_PNG: FileContent = { fixture: "files/f.png" }; // 1795 bytes
const MiB = 1 << 20;
const BIG: FileContent = { generated: 5 * MiB };
const PROGRAM = "ftp_server.ts";

/** `ftp_server.ts` with its standard FTP port on any free port (and `args`). */
function standardServer(...args: string[]): ServerRole {
  return {
    peer: { program: PROGRAM, args: ["--ftp-port", "0", ...args] },
    listeners: 2,
    mayChange: /^ftp_root(\/|$)/,
  };
}

/** A file in the server's root. */
const served = (path: string, content: FileContent) => ({
  at: "server",
  path: `ftp_root/${path}`,
  content,
});

/** `curl` on the FTP port, quiet but for errors; what it fetched is checked as files. */
function curl(role: string, ...args: string[]): ProcessClient {
  return {
    role,
    listener: 1,
    peer: { command: ["curl", "-sS", "--max-time", "20", ...args], requires: "curl" },
    golden: false,
  };
}

/** `fixtures/peers/ftplib_client.py SCENARIO` on the FTP port; its lines are its golden. */
function ftplib(role: string, scenario: string): ProcessClient {
  return {
    role,
    listener: 1,
    peer: {
      command: [
        "python3",
        "-u",
        "{fixtures}/peers/ftplib_client.py",
        "{host}",
        "{port}",
        scenario,
      ],
      requires: "python3",
    },
  };
}

/** `lftp` running `commands` on the FTP port, failing at the first command that fails. */
function lftp(role: string, commands: string): ProcessClient {
  const settings = [
    "set cmd:fail-exit yes",
    "set net:max-retries 2",
    "set net:timeout 10",
    "set net:reconnect-interval-base 1",
    // No TLS (the server offers none), and local names in UTF-8 whatever the locale.
    "set ftp:ssl-allow no",
    "set file:charset utf-8",
  ].join("; ");
  return {
    role,
    listener: 1,
    peer: {
      command: ["lftp", "-c", `${settings}; open -p {port} {host}; ${commands}; bye`],
      requires: "lftp",
    },
    golden: false,
  };
}

/** A raw client on the FTP port. */
const raw = (role: string, steps: RawStep[], copies?: number): ClientRole => ({
  role,
  listener: 1,
  raw: steps,
  copies,
});

const GREETING: RawStep = { recv: "220 欢迎登陆FTP系统\r\n" };
/** The greeting and an anonymous login. */
const LOGIN: RawStep[] = [
  GREETING,
  { send: "USER anonymous\r\n" },
  { recv: "331 anonymous: any password will do\r\n" },
  { send: "PASS guest\r\n" },
  { recv: "230 logged in as anonymous\r\n" },
];
const QUIT: RawStep[] = [{ send: "QUIT\r\n" }, { recv: "221 再见 (goodbye)\r\n" }];
/** A passive port (its number varies, so only its form is checked). */
const EPSV: RawStep[] = [
  { send: "EPSV\r\n" },
  { expect: /^229 Entering Extended Passive Mode \(\|\|\|\d{1,5}\|\)\r\n$/ },
];
/** A command and the one reply it must get. */
const said = (command: string, reply: string): RawStep[] => [
  { send: `${command}\r\n` },
  { recv: `${reply}\r\n` },
];
/** A whole session that shows the server still serves: log in, SIZE of hi.txt, quit. */
const STILL_SERVES: RawStep[] = [...LOGIN, ...said("SIZE hi.txt", "213 6"), ...QUIT];
const HI = served("hi.txt", { text: "hello\n" });

/**
 * What varies in an `ls -l` line from machine to machine and run to run: the time
 * (`Dec  5 05:32`, `Jan  1  2024`), a folder's size, which is the filesystem's (4096 on ext4,
 * less on tmpfs), and the permissions, which follow the umask the files were made under.
 */
const LS_VARIES: Mask[] = [
  { pattern: /[A-Z][a-z]{2} [ \d]\d (\d\d:\d\d| \d{4})/g, placeholder: "<TIME>" },
  { pattern: /^d\S+ 1 ftp ftp +\d+/gm, placeholder: (line) => line.replace(/\d+$/, "<SIZE>") },
  { pattern: /^([-d])[-rwx]{9} /gm, placeholder: (start) => `${start[0]}<MODE> ` },
];

/** The session the FTP page draws: curl lists the root and fetches a file, on one connection. */
const session: ConformanceCase = {
  id: "ftp-standard",
  title: "standard FTP: curl lists the root and gets a Chinese-named file, one control " +
    "connection for both",
  files: [served("你好", { text: "你好，世界\n" }), served("资料/中文 文件.txt", { text: "文\n" })],
  server: standardServer(),
  clients: [
    curl("curl", "-o", "listing", "ftp://{host}:{port}/", "-o", "你好", "ftp://{host}:{port}/你好"),
  ],
  bytes: {
    c2s: utf8(
      "USER anonymous\r\nPASS ftp@example.com\r\nPWD\r\nEPSV\r\nTYPE A\r\nLIST\r\n" +
        "EPSV\r\nTYPE I\r\nSIZE 你好\r\nRETR 你好\r\nQUIT\r\n",
    ),
    s2c: utf8(
      "220 欢迎登陆FTP系统\r\n331 anonymous: any password will do\r\n" +
        '230 logged in as anonymous\r\n257 "/" is the current folder\r\n' +
        "229 Entering Extended Passive Mode (|||00000|)\r\n" +
        "200 type A (files are sent as they are, as in binary)\r\n" +
        "150 listing /: 2 entries\r\n226 2 entries sent\r\n" +
        "229 Entering Extended Passive Mode (|||00000|)\r\n200 type I (binary)\r\n" +
        "213 16\r\n150 sending 你好: 16 bytes\r\n226 16 bytes sent\r\n221 再见 (goodbye)\r\n",
    ),
  },
  expectFiles: [
    { at: "curl", path: "你好", content: { text: "你好，世界\n" } },
    {
      at: "curl",
      path: "listing",
      // The listing as `ls -l` lines, whatever their times and the folder's size.
      matches: new RegExp(
        String
          .raw`^-[-r][-w]-[-rwx]{6} 1 ftp ftp {11}16 [A-Z][a-z]{2} [ \d]\d [ \d:]{5} 你好\r?\n` +
          String.raw`d[-r][-w]x[-rwx]{6} 1 ftp ftp +\d+ [A-Z][a-z]{2} [ \d]\d [ \d:]{5} 资料\r?\n$`,
      ),
    },
  ],
  mutations: [{
    // A server that words its passive reply otherwise: curl copes, the wire shows it.
    program: PROGRAM,
    from: "Entering Extended Passive Mode (|||",
    to: "Extended Passive Mode on (|||",
    shows: "bytes through the proxy",
  }],
};

/** Cases with curl: list, get, put, resume. */
const withCurl: ConformanceCase[] = [
  {
    id: "ftp-standard-curl-list",
    title: "curl lists the root (LIST) and a folder's names (NLST); a newline in a name is " +
      "shown escaped, not as a line of its own",
    files: [
      served("f.png", F_PNG),
      served("资料/中文 文件.txt", { text: "文\n" }),
      served("two\nlines.txt", { text: "x" }),
    ],
    server: standardServer(),
    clients: [
      { ...curl("lister", "ftp://{host}:{port}/"), golden: undefined },
      { ...curl("names", "-l", "ftp://{host}:{port}/资料/"), golden: undefined },
    ],
    masks: LS_VARIES,
    mutations: [{
      // Names listed raw: a newline in one forges a line of the listing.
      program: PROGRAM,
      from: "return `${lsLine(info, now)} ${printable(name)}`;",
      to: "return `${lsLine(info, now)} ${name}`;",
      shows: "+lines.txt",
    }],
    reliability: {
      fault: "a file name with a newline, listed by a standard client",
      outcome: "listed as `two\\u{a}lines.txt`, one line: no line of the listing can be forged",
      threat: "a name that forges a line of a listing or steers the client's terminal",
    },
  },
  {
    id: "ftp-standard-curl-get",
    title: "curl gets a PNG and a 5 MiB file: the same sizes and MD5s",
    files: [served("f.png", F_PNG), served("big.bin", BIG)],
    server: standardServer(),
    clients: [
      curl("curl", "-o", "f.png", "ftp://{host}:{port}/f.png"),
      curl("curl", "-o", "big.bin", "ftp://{host}:{port}/big.bin"),
    ],
    expectFiles: [
      { at: "curl", path: "f.png", content: F_PNG },
      { at: "curl", path: "big.bin", content: BIG },
    ],
    mutations: [{
      // One byte short of the file.
      program: PROGRAM,
      from: "(data) => sendFromFile(file, data, size - offset, null, () => {}),",
      to: "(data) => sendFromFile(file, data, size - offset - 1, null, () => {}),",
      shows: "curl exited with",
    }],
  },
  {
    id: "ftp-standard-curl-put",
    title: "curl -T puts a PNG and a 5 MiB file: they appear whole, with the same MD5s",
    files: [
      { at: "curl", path: "备份.png", content: F_PNG },
      { at: "curl", path: "big.bin", content: BIG },
    ],
    server: standardServer(),
    clients: [
      curl("curl", "-T", "备份.png", "ftp://{host}:{port}/"),
      curl("curl", "-T", "big.bin", "ftp://{host}:{port}/"),
    ],
    expectFiles: [
      { at: "server", path: "ftp_root/备份.png", content: F_PNG },
      { at: "server", path: "ftp_root/big.bin", content: BIG },
    ],
    mutations: [{
      // Every complete upload taken for one the disk cut short: refused, never renamed.
      program: PROGRAM,
      from: "if (stored !== offset + end.count) {",
      to: "if (stored === offset + end.count) {",
      shows: "server: ftp_root/big.bin is missing",
    }],
  },
  {
    id: "ftp-standard-curl-resume",
    title: "curl -C - resumes a download cut after 2 MiB of 5: REST, then only the rest",
    files: [
      served("big.bin", BIG),
      { at: "curl", path: "big.bin", content: { generatedPrefix: [5 * MiB, 2 * MiB] } },
    ],
    server: standardServer(),
    clients: [curl("curl", "-C", "-", "-o", "big.bin", "ftp://{host}:{port}/big.bin")],
    expectFiles: [{ at: "curl", path: "big.bin", content: BIG }],
    mutations: [{
      // REST taken and answered, then forgotten: the whole file comes again.
      program: PROGRAM,
      from: "const rest = session.rest;",
      to: "const rest = 0;",
      shows: "curl: big.bin",
    }],
  },
];

/** Cases with Python's ftplib. */
const withFtplib: ConformanceCase[] = [
  {
    id: "ftp-standard-ftplib",
    title: "Python's ftplib: login, FEAT, MLSD, LIST, NLST, CWD, SIZE, RETR with REST, STOR, " +
      "XMD5 and HASH equal to the files' MD5s",
    files: [
      served("f.png", F_PNG),
      served("资料/中文 文件.txt", { text: "文\n" }),
      { at: "ftplib", path: "f.png", content: F_PNG },
      { at: "ftplib", path: "上传 文件.bin", content: { generated: MiB + 1 } },
    ],
    server: standardServer(),
    clients: [ftplib("ftplib", "session")],
    expectFiles: [
      { at: "ftplib", path: "down.png", content: F_PNG },
      { at: "server", path: "ftp_root/上传 文件.bin", content: { generated: MiB + 1 } },
    ],
    mutations: [
      {
        // XMD5 answers another digest.
        program: PROGRAM,
        from: 'if (verb === "XMD5") await session.reply(250, md5);',
        to: 'if (verb === "XMD5") await session.reply(250, md5.slice(1));',
        shows: "matches: False",
      },
      {
        // REST ignored by RETR: the whole file again instead of its tail.
        program: PROGRAM,
        from: 'await ftpRetrieve(session, session.pathOf(arg).join("/"), rest);',
        to: 'await ftpRetrieve(session, session.pathOf(arg).join("/"), 0);',
        shows: "bytes: False",
      },
    ],
  },
  {
    id: "ftp-standard-ftplib-interrupted",
    title: "an upload seen from a second connection while it runs is not there; cut by ABOR it " +
      "is kept aside, then resumed with REST, and appears whole",
    files: [HI, { at: "ftplib", path: "big.bin", content: { generated: 3 * MiB } }],
    server: { ...standardServer(), golden: false },
    clients: [ftplib("ftplib", "interrupted")],
    expectFiles: [HI, { at: "server", path: "ftp_root/big.bin", content: { generated: 3 * MiB } }],
    mutations: [{
      // Written straight under its name: the half-sent file is there for all to see.
      program: PROGRAM,
      from: "return await openVerified(root, [PARTIAL_FOLDER, partialFile], options, name);",
      to: 'return await openVerified(root, name.split("/"), options, name);',
      shows: "during: SIZE big.bin: accepted",
    }],
    reliability: {
      fault: "an upload cut by ABOR halfway (standard FTP)",
      outcome: "nothing under its name while it runs or after the cut; the part kept under " +
        ".ftp-partial/, resumed by REST N and STOR, then renamed whole",
    },
  },
  {
    id: "ftp-standard-foreign-data",
    title: "a data connection from another address (127.0.0.2) is closed unanswered; the " +
      "client's own connection gets the file",
    files: [served("f.png", F_PNG), { at: "ftplib", path: "f.png", content: F_PNG }],
    server: { ...standardServer(), golden: false },
    clients: [ftplib("ftplib", "foreign-data")],
    mutations: [{
      // Any address may take the data connection: the first to connect gets the file.
      program: PROGRAM,
      from: "if (conn.remoteAddr.hostname === peer) {",
      to: "if (conn.remoteAddr.hostname !== null) {",
      shows: "from 127.0.0.2: 1795 bytes",
    }],
    reliability: {
      fault: "a connection to a passive data port from another address",
      outcome: "closed at once and logged; the port waits for the control connection's address",
      threat: "a third party racing the client to its passive port to steal or plant a file",
    },
  },
  {
    id: "ftp-standard-login",
    title: "--user alice:秘密: nothing before login; wrong guesses are answered 530 after " +
      "0.5 s, then 1 s; the right login gets in",
    server: { ...standardServer("--user", "alice:秘密"), golden: false },
    clients: [ftplib("ftplib", "login")],
    mutations: [
      {
        // A wrong password let in.
        program: PROGRAM,
        from: "if (rightUser && rightPassword) {",
        to: "if (rightUser) {",
        shows: "alice, wrong password: accepted",
      },
      {
        // No pause after a failure: guesses as fast as the network allows.
        program: PROGRAM,
        from: "const FIRST_LOGIN_PAUSE_MS = 500;",
        to: "const FIRST_LOGIN_PAUSE_MS = 0;",
        shows: "or more: False",
      },
    ],
    reliability: {
      fault: "wrong passwords (standard FTP with --user)",
      outcome: "530 after a pause doubling from 0.5 s per failure from that address (at most " +
        "30 s; attempts judged one at a time); compared in constant time",
      threat: "password guessing",
    },
  },
];

/** Cases with lftp. */
const withLftp: ConformanceCase[] = [{
  id: "ftp-standard-lftp",
  title: "lftp mirrors a folder with Chinese names and a subfolder, puts and gets Chinese names",
  files: [
    served("资料/中文 文件.txt", { text: "中文内容\n" }),
    served("资料/图/f.png", F_PNG),
    served("资料/big.bin", BIG),
    { at: "lftp", path: "上传 文件.png", content: F_PNG },
  ],
  server: { ...standardServer(), golden: false },
  clients: [
    lftp(
      "lftp",
      "mirror 资料 镜像; put '上传 文件.png'; get '资料/中文 文件.txt' -o '下载 文件.txt'",
    ),
  ],
  expectFiles: [
    { at: "lftp", path: "镜像/中文 文件.txt", content: { text: "中文内容\n" } },
    { at: "lftp", path: "镜像/图/f.png", content: F_PNG },
    { at: "lftp", path: "镜像/big.bin", content: BIG },
    { at: "lftp", path: "下载 文件.txt", content: { text: "中文内容\n" } },
    { at: "server", path: "ftp_root/上传 文件.png", content: F_PNG },
  ],
  mutations: [{
    // Folders listed as files: a mirror cannot go into them.
    program: PROGRAM,
    from: 'const type = info.isDirectory ? "dir" : "file";',
    to: 'const type = "file";',
    shows: "mirror: Access failed",
  }],
}];

/** What the FTP port refuses, bounds or survives. */
const refusals: ConformanceCase[] = [
  {
    id: "ftp-standard-traversal",
    title: "standard FTP: .. stops at the root, absolute paths start there, a backslash is " +
      "refused; nothing outside read",
    files: [
      HI,
      { at: "server", path: "secret.txt", content: { text: "outside the root\n" } },
    ],
    server: standardServer(),
    clients: [raw("raw", [
      ...LOGIN,
      ...said("CWD ../..", "250 now in /"),
      ...said("PWD", '257 "/" is the current folder'),
      ...said("SIZE ../secret.txt", "550 no such file: secret.txt"),
      ...said("MDTM /../../secret.txt", "550 no such file: secret.txt"),
      ...said("SIZE ..\\secret.txt", '550 refused "..\\\\secret.txt": it contains a backslash'),
      ...said("CWD /etc", "550 no such file or directory"),
      ...EPSV,
      ...said("RETR ../../secret.txt", "550 no such file: secret.txt"),
      ...said("SIZE hi.txt", "213 6"),
      ...QUIT,
    ])],
    expectFiles: [HI, {
      at: "server",
      path: "secret.txt",
      content: { text: "outside the root\n" },
    }],
    mutations: [{
      // ".." taken as a name: the client walks out of the root.
      program: PROGRAM,
      from: 'if (segment === "..") parts.pop();',
      to: 'if (segment === "..") parts.push("..");',
      shows: 'raw peer expected "250 now in /\\r\\n"',
    }],
    reliability: {
      fault: "traversal over standard FTP: CWD ../.., ../x, /../../x, ..\\x",
      outcome: '.. stops at the root ("/" to the client, as in a chroot), a backslash is ' +
        `refused; 550 for each; nothing outside read; ${KEPT}`,
    },
  },
  {
    id: "ftp-standard-symlinks",
    title: "standard FTP: a link to a file or a folder outside is refused for SIZE, CWD, LIST " +
      "and STOR; nothing outside read or written",
    files: [
      HI,
      { at: "server", path: "secret.txt", content: { text: "outside the root\n" } },
      { at: "server", path: "outside/x.txt", content: { text: "outside too\n" } },
      { at: "server", path: "ftp_root/link.txt", symlinkTo: "../secret.txt" },
      { at: "server", path: "ftp_root/outdir", symlinkTo: "../outside" },
    ],
    server: standardServer(),
    clients: [raw("raw", [
      ...LOGIN,
      ...said("SIZE link.txt", '550 refused "link.txt": it leads outside the served folder'),
      ...said("CWD outdir", '550 refused "outdir": outdir is a link'),
      ...EPSV,
      ...said("LIST outdir", '550 refused "outdir": outdir is a link'),
      ...EPSV,
      ...said(
        "STOR outdir/x.txt",
        '553 refused "outdir/x.txt": it leads outside the served folder',
      ),
      ...EPSV,
      ...said("STOR link.txt", '553 refused "link.txt": it is a link'),
      ...said("SIZE hi.txt", "213 6"),
      ...QUIT,
    ])],
    expectFiles: [
      HI,
      { at: "server", path: "secret.txt", content: { text: "outside the root\n" } },
      { at: "server", path: "outside/x.txt", content: { text: "outside too\n" } },
    ],
    mutations: [{
      // CWD that follows a link: the folder outside becomes the current one.
      program: PROGRAM,
      from: "return folderIds(root, parts, name);",
      to: "return String(Deno.statSync(join(root, ...parts)).ino);",
      shows: `raw peer expected "550 refused \\"outdir\\": outdir is a link`,
    }],
    reliability: {
      fault: "links leading out of the root, over standard FTP",
      outcome: "550 (553 for STOR) naming the link; nothing outside read or written; " + KEPT,
    },
  },
  {
    id: "ftp-standard-mlst",
    title: "MLST: the facts of one file or folder, looked up alone (not by reading its whole " +
      "folder); a link, the partials folder or a name under a file is no such thing",
    files: [
      HI,
      { at: "server", path: "secret.txt", content: { text: "outside the root\n" } },
      { at: "server", path: "ftp_root/link.txt", symlinkTo: "../secret.txt" },
    ],
    server: standardServer(),
    clients: [raw("raw", [
      ...LOGIN,
      { send: "MLST hi.txt\r\n" },
      {
        expect:
          /^250-facts of \/hi\.txt\r\n type=file;size=6;modify=\d{14};perm=rw; \/hi\.txt\r\n250 End\r\n$/,
      },
      ...said("MLST link.txt", "550 no such file or folder: link.txt"),
      ...said("MLST .ftp-partial", "550 no such file or folder: .ftp-partial"),
      ...said("MLST hi.txt/x", '550 refused "hi.txt/x": hi.txt is not a folder'),
      ...QUIT,
    ])],
    mutations: [{
      // Whatever lstat finds is described: the link too.
      program: PROGRAM,
      from: "return info?.isFile || info?.isDirectory ? info : null;",
      to: "return info;",
      shows: 'raw peer expected "550 no such file or folder: link.txt',
    }],
  },
  {
    id: "ftp-standard-active-refused",
    title: "PORT and EPRT (active mode: the server would connect out) are refused with 502; " +
      "the session goes on",
    files: [HI],
    server: standardServer(),
    clients: [raw("raw", [
      ...LOGIN,
      ...said("PORT 127,0,0,1,4,1", "502 active mode is not offered: use PASV or EPSV"),
      ...said("EPRT |1|127.0.0.1|1025|", "502 active mode is not offered: use PASV or EPSV"),
      ...said("SIZE hi.txt", "213 6"),
      ...QUIT,
    ])],
    mutations: [{
      // A server that takes an address to connect to: it could be made to connect anywhere.
      program: PROGRAM,
      from: 'throw new FtpRefusal(502, "active mode is not offered: use PASV or EPSV");',
      to: 'await session.reply(200, "PORT command successful");\n      return true;',
      shows: 'raw peer expected "502 active mode',
    }],
    reliability: {
      fault: "PORT or EPRT (active mode)",
      outcome: `502: the server never connects out; ${KEPT}`,
      threat: "FTP bounce: a server made to connect to a third party's port",
    },
  },
  {
    id: "ftp-standard-bad-commands",
    title: "standard FTP: commands before login, unknown, not offered, empty, not UTF-8, " +
      "without a name, of a type not offered: one 5xx line each; a line over 8192 bytes ends it",
    files: [HI],
    server: standardServer(),
    clients: [
      raw("raw", [
        GREETING,
        ...said("PWD", "530 log in with USER and PASS first"),
        ...said("PASS x", "503 USER first"),
        ...LOGIN.slice(1),
        ...said("BLAH", "500 unknown command BLAH"),
        ...said("DELE hi.txt", "502 DELE is not offered here"),
        ...said("", "500 empty command"),
        { send: new Uint8Array([...new TextEncoder().encode("RETR "), 0xff, 0xfe, 13, 10]) },
        { recv: "501 the command is not valid UTF-8\r\n" },
        ...said("RETR", "501 RETR needs a name"),
        ...said("TYPE X", "504 type X is not offered: I or A"),
        ...said("MODE B", "504 only MODE S"),
        ...said("REST -1", "501 REST takes a number of bytes"),
        ...said("RETR hi.txt", "425 use PASV or EPSV first"),
        ...said("SIZE hi.txt", "213 6"),
        // Exactly the buffer: the server has read all of it when it refuses (else the bytes
        // left unread make its close a reset, which may overtake the reply).
        { send: `NOOP ${"x".repeat(8192 - 5)}` },
        { recv: "421 line too long\r\n" },
        { awaitClose: true },
      ]),
      raw("next", STILL_SERVES),
    ],
    expectFiles: [HI],
    mutations: [{
      // Not-offered commands answered as unknown ones: the client cannot tell them apart.
      program: PROGRAM,
      from: "if (FTP_NOT_OFFERED.has(verb)) throw",
      to: "if (FTP_NOT_OFFERED.size === 0) throw",
      shows: 'raw peer expected "502 DELE',
    }],
    reliability: {
      fault: "bad commands over standard FTP (unknown, not offered, empty, not UTF-8, too long)",
      outcome: `one 5xx line each (500, 501, 502, 503, 504, 530), ${KEPT}; a line over 8192 ` +
        `bytes: 421, connection closed; ${NEXT}`,
    },
  },
  {
    id: "ftp-standard-idle",
    title: "standard FTP: a client silent past --idle-timeout is let go with one line on " +
      "stderr; next served",
    files: [HI],
    server: {
      ...standardServer("--idle-timeout", "1"),
      stderr: /^ftp_server\.ts: 127\.0\.0\.1:\d+ idle for 1 s: closed$/,
    },
    clients: [raw("idle", [...LOGIN, { awaitClose: true }]), raw("next", STILL_SERVES)],
    mutations: [{
      program: PROGRAM,
      from: `Number(flags["idle-timeout"])`,
      to: "0",
      shows: "the server never closed the connection",
    }],
    reliability: {
      fault: "idle client (standard FTP)",
      outcome: `closed after --idle-timeout (default 300 s), one line on stderr; ${NEXT}`,
    },
  },
  {
    id: "ftp-standard-slow-transfer",
    title: "an upload slower than --idle-timeout (3 s of 1 s) goes through: a transfer keeps " +
      "its control connection from counting as idle",
    server: { ...standardServer("--idle-timeout", "1", "--min-rate", "0"), golden: false },
    clients: [ftplib("ftplib", "slow-store")],
    expectFiles: [{
      at: "server",
      path: "ftp_root/slow.bin",
      content: { text: "x".repeat(30_000) },
    }],
    mutations: [{
      // Nothing keeps the control connection awake: it is closed mid-upload as idle.
      program: PROGRAM,
      from: "const timer = setInterval(touch, seconds * 250);",
      to: "const timer = setInterval(touch, seconds * 250_000);",
      shows: "ftplib exited with 1",
    }],
  },
  {
    id: "ftp-standard-disk-full",
    title: "a disk that fills up in the middle of a STOR: answered 451, nothing of it kept (it " +
      "would hold the space that ran out); the next upload is saved",
    files: [{ at: "ftplib", path: "big.bin", content: { generated: 3 * MiB } }],
    // The server's disk "fills up" after the first MiB of any upload.
    patches: [diskFullAfterFirstMiB(PROGRAM)],
    server: { ...standardServer(), golden: false },
    clients: [ftplib("ftplib", "disk-full")],
    expectFiles: [
      { at: "server", path: "ftp_root/big.bin", absent: true },
      { at: "server", path: "ftp_root/.ftp-partial", holdsNone: /./ },
      { at: "server", path: "ftp_root/small.txt", content: { text: "small\n" } },
    ],
    mutations: [{
      // The part written kept for resuming, as after a cut: on a full disk it keeps the space.
      program: PROGRAM,
      from: "dropPartial = offset === 0;",
      to: "dropPartial = false;",
      shows: "ftp_root/.ftp-partial holds",
    }],
  },
  {
    id: "ftp-standard-busy-list",
    title: "--max-transfers 1 held by a download nobody reads: a LIST waits --command-timeout " +
      "and is answered 450 busy (a listing is held whole while it is sent, as a file's buffers)",
    files: [served("big.bin", { generated: 64 * MiB })],
    server: {
      ...standardServer("--max-transfers", "1", "--command-timeout", "1", "--min-rate", "0"),
      golden: false,
    },
    clients: [ftplib("ftplib", "busy-list")],
    mutations: [{
      // A listing takes no slot: it is built and sent however many transfers run.
      program: PROGRAM,
      from: "const listingSlot = await transfers.take(limits.commandTimeout);",
      to: "const listingSlot = true;",
      shows: "+LIST: accepted",
    }],
  },
  {
    id: "ftp-standard-1000-connections",
    title: "1,000 idle FTP control connections at once, each greeted and held; one more " +
      "logs in and is served",
    crowd: true,
    files: [HI],
    server: { ...standardServer(), golden: false },
    clients: [
      raw("crowd", [GREETING, { leaveOpen: true }], 1000),
      raw("next", STILL_SERVES),
    ],
    timeoutMs: 60_000,
    mutations: [{ program: PROGRAM, ...CAPPED, shows: "raw peer expected" }],
    reliability: {
      fault: "1,000 concurrent FTP control connections",
      outcome: "all greeted and held (--max-connections, default 10,000, caps each port); " +
        `${NEXT} while they stay open`,
    },
  },
];

/** Every case of the standard FTP port, in the FTP lesson's list after the tutorial's. */
export const ftpStandard: ConformanceCase[] = [
  session,
  ...withCurl,
  ...withFtplib,
  ...withLftp,
  ...refusals,
];
