/**
 * Lessons, part 2: TCP is a byte stream, so message boundaries are the program's job. Each
 * framing lesson runs as the seed has it, then with every byte delivered on its own and with
 * every message glued together, and must print the same.
 *
 * @module
 */

import { seedPython, utf8, vanishingAtEveryPoint } from "./_helpers.ts";
import type { ClientRole, ConformanceCase, Lesson } from "../harness/case.ts";

const S003 = "003_5d88270f3bd9af2f.txt";

/**
 * The same case under each re-chunking: as sent, one byte per write, all glued together.
 * `extra` adds mutations that only one re-chunking can catch.
 */
function everyChunking(
  base: ConformanceCase,
  extra: Partial<Record<"one-byte" | "glued", ConformanceCase["mutations"]>> = {},
): ConformanceCase[] {
  const golden = base.server?.golden ?? `${base.id}.server`;
  return [
    base,
    ...(["one-byte", "glued"] as const).map((shaping) => ({
      ...base,
      id: `${base.id}-${shaping}`,
      title: `${base.title} (${
        shaping === "one-byte" ? "every byte on its own" : "all glued together"
      })`,
      shaping,
      mutations: [...(base.mutations ?? []), ...(extra[shaping] ?? [])],
      server: { ...base.server!, golden },
      // The clients see the same too: share their goldens.
      clients: base.clients.map((phase) =>
        [phase].flat().map((role): ClientRole =>
          role.raw
            ? role
            : { ...role, golden: role.golden ?? `${base.id}.${role.role ?? "client"}` }
        )
      ),
    })),
  ];
}

/** 3 粘包. */
export const sticky: Lesson = {
  id: "sticky",
  title: "3 粘包",
  titleEn: "Sticky packets",
  seed: { file: S003, section: "3 粘包" },
  transport: "tcp",
  host: "127.0.0.1",
  port: 8001,
  scripts: ["sticky_server.ts", "sticky_client.ts"],
  cases: everyChunking({
    id: "sticky",
    title: "two sends, kinght love + aym, arrive as one: kinght love aym",
    server: { peer: { program: "sticky_server.ts" }, exitsByItself: true },
    clients: [{ peer: { program: "sticky_client.ts" }, golden: false }],
    bytes: { c2s: 15, s2c: 0 },
    mutations: [{
      program: "sticky_client.ts",
      from: `const PARTS = ["kinght love ", "aym"];`,
      to: `const PARTS = ["kinght love", "aym"];`,
      shows: "+kinght loveaym",
    }],
  }),
};

/** 3.1 解决粘包问题的思路. */
export const stickyLen: Lesson = {
  id: "sticky_len",
  title: "3.1 解决粘包问题的思路",
  titleEn: "Length as text",
  seed: { file: S003, section: "3.1 解决粘包问题的思路" },
  transport: "tcp",
  host: "127.0.0.1",
  port: 8001,
  scripts: ["sticky_len_server.ts", "sticky_len_client.ts"],
  cases: [
    ...everyChunking({
      id: "sticky_len",
      title: "12kinght love 3aym: each message read by its length",
      server: { peer: { program: "sticky_len_server.ts" }, exitsByItself: true },
      clients: [{ peer: { program: "sticky_len_client.ts" }, golden: false }],
      bytes: { c2s: 2 + 12 + 1 + 3, s2c: 0 },
      mutations: [{
        program: "sticky_len_server.ts",
        from: 'if (c >= "0" && c <= "9") digits += c;',
        to: 'if (c >= "0" && c <= "9" && digits === "") digits += c;',
        shows: "-aym",
      }],
    }),
    {
      id: "sticky_len-faithful",
      title: "--faithful: the seed's recv(4) takes 12ki and fails, in one line",
      server: {
        peer: { program: "sticky_len_server.ts", args: ["--faithful"] },
        exitsByItself: true,
        exitCode: 1,
        stderr: /^sticky_len_server\.ts: 粘包: recv\(4\) got "12ki", not a length/,
      },
      clients: [{ peer: { program: "sticky_len_client.ts" }, golden: false }],
      mutations: [{
        program: "sticky_len_server.ts",
        from: "const header = await readExactly(conn, 4);",
        to: "const header = await readExactly(conn, 2);",
        shows: "server exited with 0",
      }],
    },
  ],
};

/** 3.2 使用struct解决数字转字节. */
export const framed: Lesson = {
  id: "framed",
  title: "3.2 使用struct解决数字转字节",
  titleEn: "4-byte length headers with struct",
  seed: { file: S003, section: "3.2 使用struct解决数字转字节" },
  transport: "tcp",
  host: "127.0.0.1",
  port: 8001,
  scripts: ["framed_server.ts", "framed_client.ts"],
  cases: [
    ...everyChunking({
      id: "framed",
      title: "xin正在学习, 应该没有, then 对方断开连接",
      server: { peer: { program: "framed_server.ts" }, exitsByItself: true },
      clients: [{ peer: { program: "framed_client.ts" }, golden: false }],
      // Two 4-byte headers; xin正在学习 is 3 + 4 × 3 bytes, 应该没有 4 × 3.
      bytes: { c2s: 4 + 15 + 4 + 12, s2c: 0 },
      mutations: [{
        program: "framed_server.ts",
        from: "getInt32(0, true)",
        to: "getInt32(0, false)",
        shows: "is not accepted",
      }],
    }),
    ...everyChunking({
      id: "framed-long",
      title: "a 6000-byte message, far over 1024, between two short ones",
      server: { peer: { program: "framed_server.ts" }, exitsByItself: true },
      clients: [{
        peer: { program: "framed_client.ts", args: ["前", "长".repeat(2000), "后"] },
        golden: false,
      }],
      bytes: { c2s: 3 * 4 + 3 + 6000 + 3, s2c: 0 },
      mutations: [{
        program: "framed_server.ts",
        from: "const data = await readExactly(conn, length);",
        to: "const data = await readExactly(conn, Math.min(length, 1024));",
        shows: "-对方断开连接",
      }],
    }),
  ],
};

const MSG_PROMPT = ">>>";
const typedAt = (...lines: string[]) => lines.map((type) => ({ wait: MSG_PROMPT, type }));
const F_PNG = { fixture: "files/f.png" }; // 1795 bytes
/** Bytes of one frame holding `text`. */
const frame = (text: string) => 4 + utf8(text);
const MSG_TYPE = `{"msg_type": "msg"}`;
const fileType = (escapedName: string) => `{"msg_type": "file", "file_name": "${escapedName}"}`;

/** 3.3 案例：发送消息和文件上传. */
export const msgFile: Lesson = {
  id: "msg_file",
  title: "3.3 案例：发送消息和文件上传",
  titleEn: "Messages and files in one protocol",
  seed: { file: S003, section: "3.3 案例：发送消息和文件上传" },
  transport: "tcp",
  host: "127.0.0.1",
  port: 8001,
  scripts: ["msg_file_server.ts", "msg_file_client.ts"],
  cases: [
    ...everyChunking({
      id: "msg_file",
      title: "msg|你好呀, a bad line, file|f.png, Q",
      files: [{ at: "client", path: "f.png", content: F_PNG }],
      server: { peer: { program: "msg_file_server.ts" } },
      clients: [{
        peer: { program: "msg_file_client.ts" },
        dialogue: typedAt("msg|你好呀", "你好呀", "file|f.png", "Q"),
      }],
      bytes: {
        c2s: frame(MSG_TYPE) + frame("你好呀") + frame(fileType("f.png")) + 4 + 1795 +
          frame("close"),
        s2c: 0,
      },
      expectFiles: [{ at: "server", path: "file/f.png", content: F_PNG }],
      mutations: [
        {
          program: "msg_file_server.ts",
          from: "console.log(`接收到消息:${data}`);",
          to: "console.log(`消息:${data}`);",
          shows: "+消息:你好呀",
        },
        {
          program: "msg_file_server.ts",
          from: "if (file) await writeAll(file, buffer.subarray(0, n));",
          to: "if (file) await writeAll(file, buffer.subarray(0, n - 1));",
          shows: "server: file/f.png: ",
        },
      ],
    }),
    {
      id: "msg_file-names",
      title: "a Chinese file name; names that leave the folder are refused, their data dropped",
      files: [
        { at: "client", path: "测试 文件.png", content: F_PNG },
      ],
      server: { peer: { program: "msg_file_server.ts" } },
      clients: [
        {
          role: "client",
          peer: { program: "msg_file_client.ts" },
          dialogue: typedAt("file|测试 文件.png", "msg|after the file", "Q"),
        },
        {
          role: "evil",
          startsAfterServerShows: "客户端已关闭连接",
          raw: [
            { send: frameOf(fileType("../escape.png")) },
            { send: frameOf("stolen") },
            { send: frameOf(MSG_TYPE) },
            { send: frameOf("still in step") },
            { send: frameOf("close") },
          ],
        },
      ],
      expectFiles: [
        { at: "server", path: "file/测试 文件.png", content: F_PNG },
        { at: "server", path: "escape.png", absent: true },
      ],
      mutations: [{
        program: "msg_file_server.ts",
        from: "await recvFile(conn, problem ? null : `${folder}/${name}`);",
        to: "await recvFile(conn, `${folder}/${name}`);",
        // With the check gone, the runtime's --allow-write=./file still stops the write.
        shows: `Requires write access to "file/../escape.png`,
      }],
      reliability: {
        fault: "traversal: ../x",
        outcome: `one-line log "refused file name …", its data dropped; connection kept`,
      },
    },
    {
      id: "msg_file-vanishing",
      title: "a client that vanishes without close ends only its own conversation",
      server: { peer: { program: "msg_file_server.ts" } },
      clients: [
        {
          role: "vanishing",
          // Waits until the server lets go, so its lines come before the next client's.
          raw: [{ send: frameOf(MSG_TYPE) }, { send: frameOf("half a conversation") }, {
            vanish: true,
          }],
        },
        { peer: { program: "msg_file_client.ts" }, dialogue: typedAt("msg|我还在", "Q") },
      ],
      mutations: [{
        program: "msg_file_server.ts",
        from: `console.log("客户端已经断开");`,
        to: "",
        shows: "-客户端已经断开",
      }],
    },
    {
      id: "msg_file-python-client",
      title: "the seed's Python client against msg_file_server.ts",
      files: [{ at: "client", path: "f.png", content: F_PNG }],
      server: { peer: { program: "msg_file_server.ts" }, golden: "msg_file.server" },
      clients: [{
        peer: seedPython("msg_file_client.py"),
        dialogue: typedAt("msg|你好呀", "你好呀", "file|f.png", "Q"),
      }],
      bytes: {
        c2s: frame(MSG_TYPE) + frame("你好呀") + frame(fileType("f.png")) + 4 + 1795 +
          frame("close"),
        s2c: 0,
      },
      expectFiles: [{ at: "server", path: "file/f.png", content: F_PNG }],
      mutations: [{
        program: "msg_file_server.ts",
        from: `console.log("客户端已关闭连接");`,
        to: "",
        shows: "-客户端已关闭连接",
      }],
    },
  ],
};

/** A frame as raw bytes: 4-byte little-endian length, then the UTF-8 text. */
function frameOf(text: string): Uint8Array {
  const data = new TextEncoder().encode(text);
  const bytes = new Uint8Array(4 + data.length);
  new DataView(bytes.buffer).setInt32(0, data.length, true);
  bytes.set(data, 4);
  return bytes;
}

const USERS = { at: "server", path: "user", content: { fixture: "files/user" } };
const ACCOUNT = "请输入账号名:";
const PASSWORD = "请输入密码:";
const login = (name: string, password: string) => [
  { wait: ACCOUNT, type: name },
  { wait: PASSWORD, type: password },
];
/** The JSON the client sends, as Python's json.dumps writes it. */
const loginJson = (escapedName: string, hash: string) =>
  `{"username": "${escapedName}", "password": "${hash}"}`;
const ALICE_HASH = "362b44f2b38b3159826c187fcbc44943"; // md5("sdasdfagfawds" + "secret")

/** 案例3：远程登陆系统. */
export const loginLesson: Lesson = {
  id: "login",
  title: "案例3：远程登陆系统",
  titleEn: "Remote login",
  seed: { file: S003, section: "案例3：远程登陆系统" },
  transport: "tcp",
  host: "127.0.0.1",
  port: 8001,
  scripts: ["login_server.ts", "login_client.ts"],
  cases: [
    {
      id: "login",
      title: "alice, the first user in the file, logs in (the seed lets only the last one in)",
      files: [USERS],
      server: { peer: { program: "login_server.ts" } },
      clients: [{ peer: { program: "login_client.ts" }, dialogue: login("alice", "secret") }],
      bytes: { c2s: utf8(loginJson("alice", ALICE_HASH)), s2c: utf8("欢迎使用XX系统登陆成功") },
      mutations: [{
        program: "login_server.ts",
        from: `line.replace(/\\r$/, "")`,
        to: `(line + "\\n")`,
        shows: "-登陆成功",
      }],
    },
    {
      id: "login-chinese",
      title: "a Chinese account name, sent as \\u escapes like Python's json.dumps",
      files: [USERS],
      server: { peer: { program: "login_server.ts" } },
      clients: [{ peer: { program: "login_client.ts" }, dialogue: login("张三", "密码123") }],
      bytes: {
        c2s: utf8(loginJson("\\u5f20\\u4e09", "35336d9a5d10df25d7b6da2916b41042")),
        s2c: utf8("欢迎使用XX系统登陆成功"),
      },
      mutations: [{
        program: "login_client.ts",
        from:
          'return createHash("md5").update(encoder.encode(salt)).update(encoder.encode(origin))',
        to: 'return createHash("md5").update(encoder.encode(origin)).update(encoder.encode(salt))',
        shows: "+账号或密码错误",
      }],
    },
    {
      id: "login-crlf",
      title: "a users file with CRLF line endings and a final newline works the same",
      files: [{
        at: "server",
        path: "user",
        content: { text: `alice|${ALICE_HASH}\r\nbob|125d1b6876ef1905a676fd35ab6b5963\r\n` },
      }],
      server: { peer: { program: "login_server.ts" }, golden: "login.server" },
      clients: [{
        peer: { program: "login_client.ts" },
        dialogue: login("alice", "secret"),
        golden: "login.client",
      }],
      mutations: [{
        program: "login_server.ts",
        from: `line.replace(/\\r$/, "")`,
        to: "line",
        shows: "-登陆成功",
      }],
    },
    {
      id: "login-wrong",
      title: "a wrong password: 账号或密码错误, exit status 1",
      files: [USERS],
      server: { peer: { program: "login_server.ts", args: ["--fail-delay", "0.1"] } },
      clients: [{
        peer: { program: "login_client.ts" },
        dialogue: login("bob", "654321"),
        exitCode: 1,
      }],
      mutations: [{
        program: "login_server.ts",
        from: "if (a.length === b.length && timingSafeEqual(a, b)) found = true;",
        to: "found = true;",
        shows: "+登陆成功",
      }],
    },
    {
      id: "login-python-client",
      title: "the seed's Python client against login_server.ts",
      files: [USERS],
      server: { peer: { program: "login_server.ts" }, golden: "login.server" },
      clients: [{
        peer: seedPython("login_client.py"),
        dialogue: login("alice", "secret"),
        golden: "login.client",
      }],
      bytes: { c2s: utf8(loginJson("alice", ALICE_HASH)), s2c: utf8("欢迎使用XX系统登陆成功") },
      mutations: [{
        program: "login_server.ts",
        from: `const SUCCESS = "登陆成功";`,
        to: `const SUCCESS = "登录成功";`,
        shows: "+登录成功",
      }],
    },
    {
      id: "login-python-server",
      title:
        "login_client.ts against the seed's Python server: only bob, the last user, gets in there",
      files: [USERS],
      server: {
        peer: seedPython("login_server.py"),
      },
      clients: [
        {
          role: "alice",
          peer: { program: "login_client.ts" },
          dialogue: login("alice", "secret"),
          exitCode: 1,
        },
        { role: "bob", peer: { program: "login_client.ts" }, dialogue: login("bob", "123456") },
      ],
      mutations: [{
        program: "login_client.ts",
        from: 'const SALT = "sdasdfagfawds";',
        to: 'const SALT = "";',
        shows: "+账号或密码错误",
      }],
    },
  ],
};

const UPLOAD_PROMPT = "请输入需要上传的文件:";

/** 案例2：文件上传. */
export const uploadProgress: Lesson = {
  id: "upload_progress",
  title: "案例2：文件上传",
  titleEn: "File upload with progress",
  seed: { file: S003, section: "案例2：文件上传" },
  transport: "tcp",
  host: "127.0.0.1",
  port: 8001,
  scripts: ["upload_progress_server.ts", "upload_progress_client.ts"],
  cases: [
    ...everyChunking({
      id: "upload_progress",
      title: "f.png: 用户已连接, the seed's progress line, 传输完成",
      files: [{ at: "client", path: "f.png", content: F_PNG }],
      server: { peer: { program: "upload_progress_server.ts" } },
      clients: [{
        peer: { program: "upload_progress_client.ts" },
        dialogue: [{ wait: UPLOAD_PROMPT, type: "f.png" }],
      }],
      bytes: { c2s: utf8("f.png-1795") + 1795, s2c: 0 },
      expectFiles: [{ at: "server", path: "file/f.png", content: F_PNG }],
      mutations: [
        {
          program: "upload_progress_server.ts",
          from: "return Number.isInteger(x) ? `${x}.0` : String(x);",
          to: "return x.toFixed(2);",
          shows: "+用户已连接,传输文件名f.png-1.75kb",
        },
      ],
    }),
    {
      id: "upload_progress-names",
      title: "a name with dashes and a size, and a zero-byte file",
      files: [
        { at: "photo", path: "my-photo-2024.png", content: F_PNG },
        { at: "empty", path: "empty-0.txt", content: { bytes: [] } },
      ],
      server: { peer: { program: "upload_progress_server.ts" } },
      clients: [
        {
          role: "photo",
          peer: { program: "upload_progress_client.ts" },
          dialogue: [{ wait: UPLOAD_PROMPT, type: "my-photo-2024.png" }],
        },
        {
          role: "empty",
          peer: { program: "upload_progress_client.ts" },
          dialogue: [{ wait: UPLOAD_PROMPT, type: "empty-0.txt" }],
        },
      ],
      expectFiles: [
        { at: "server", path: "file/my-photo-2024.png", content: F_PNG },
        { at: "server", path: "file/empty-0.txt", content: { bytes: [] } },
      ],
      mutations: [{
        program: "upload_progress_server.ts",
        from:
          "for (let dash = start.lastIndexOf(0x2d); dash > 0; dash = start.lastIndexOf(0x2d, dash - 1)) {",
        to:
          "for (let dash = start.indexOf(0x2d); dash > 0; dash = start.indexOf(0x2d, dash + 1)) {",
        shows: "server: file/my-photo-2024.png is missing",
      }],
    },
    {
      id: "upload_progress-refused",
      title: "a name that leaves the folder, and a glued header the format cannot tell apart",
      server: { peer: { program: "upload_progress_server.ts" } },
      clients: [
        // Waits until the server lets go, so its lines come before the next client's.
        { role: "traversal", raw: [{ send: "../escape.txt-5hello" }, { vanish: true }] },
        // Size 3, data "12a": glued, the digits run on into the data, and the count disagrees.
        { role: "ambiguous", raw: [{ send: "n.txt-312a" }, { close: true }] },
      ],
      expectFiles: [
        { at: "server", path: "escape.txt", absent: true },
        { at: "server", path: "file/n.txt", absent: true },
      ],
      mutations: [{
        program: "upload_progress_server.ts",
        from: "temporary = problem ? null :",
        to: "temporary = false ? null :",
        // With the check gone, the runtime's --allow-write=./file still stops the write.
        shows: `Requires write access to "file/../escape.txt`,
      }],
      reliability: {
        fault: "traversal: ../x",
        outcome: 'one-line log "refused …", its data dropped; next client served',
      },
    },
    {
      id: "upload_progress-python-client",
      title: "the seed's Python client against upload_progress_server.ts",
      files: [{ at: "client", path: "f.png", content: F_PNG }],
      server: { peer: { program: "upload_progress_server.ts" }, golden: "upload_progress.server" },
      clients: [{
        peer: {
          command: [
            "python3",
            "-u",
            "{fixtures}/peers/upload_progress_client.py",
            "{host}",
            "{port}",
          ],
          requires: "python3",
        },
        dialogue: [{ wait: UPLOAD_PROMPT, type: "f.png" }],
        golden: "upload_progress.client",
      }],
      bytes: { c2s: utf8("f.png-1795") + 1795, s2c: 0 },
      expectFiles: [{ at: "server", path: "file/f.png", content: F_PNG }],
      mutations: [{
        program: "upload_progress_server.ts",
        from: "传输完成",
        to: "完成",
        shows: "+\rf.png完成",
      }],
    },
  ],
};

const SSH_PROMPT = ">>：";
const SSH_ACK = utf8("准备好接受了，loser可以发了");
const shell = (...commands: string[]) => commands.map((type) => ({ wait: SSH_PROMPT, type }));

/** 使用socket实现简单的SSH工具. */
export const ssh: Lesson = {
  id: "ssh",
  title: "使用socket实现简单的SSH工具",
  titleEn: "A tiny SSH: remote commands",
  seed: { file: "000_84409504fdc3648b.txt", section: "使用socket实现简单的SSH工具" },
  transport: "tcp",
  host: "localhost",
  port: 9999,
  scripts: ["ssh_server.ts", "ssh_client.ts"],
  cases: [
    {
      id: "ssh",
      title: "sizes in UTF-8 bytes, the ack before the output, cmd has no output...",
      server: { peer: { program: "ssh_server.ts" } },
      clients: [{
        peer: { program: "ssh_client.ts" },
        dialogue: shell("echo 你好", "true", "printf 123abc"),
      }],
      bytes: {
        c2s: utf8("echo 你好") + utf8("true") + utf8("printf 123abc") + 3 * SSH_ACK,
        s2c: utf8("7") + 7 + utf8("20") + 20 + utf8("6") + 6,
      },
      mutations: [
        {
          program: "ssh_server.ts",
          from: "await writeAll(conn, encoder.encode(String(bytes.length)));",
          to: "await writeAll(conn, encoder.encode(String(result.length)));",
          shows: "命令结果大小： 3",
        },
        {
          program: "ssh_server.ts",
          from: `const NO_OUTPUT = "cmd has no output...";`,
          to: `const NO_OUTPUT = "";`,
          shows: "-cmd has no output...",
        },
      ],
    },
    {
      id: "ssh-sleep-fix",
      title: "方式1, --sleep-fix on both sides: no ack, a pause between size and output",
      server: { peer: { program: "ssh_server.ts", args: ["--sleep-fix"] } },
      clients: [{
        peer: { program: "ssh_client.ts", args: ["--sleep-fix"] },
        dialogue: shell("echo hello"),
      }],
      bytes: { c2s: utf8("echo hello"), s2c: 1 + 6 },
      mutations: [{
        program: "ssh_client.ts",
        from: `if (!flags["sleep-fix"]) await writeAll(conn, encoder.encode(ACK));`,
        to: "await writeAll(conn, encoder.encode(ACK));",
        shows: "c2s 48",
      }],
    },
    {
      id: "ssh-limits",
      title: "a command past --timeout is stopped; output past --max-output is cut",
      server: {
        peer: { program: "ssh_server.ts", args: ["--timeout", "0.5", "--max-output", "10"] },
      },
      clients: [{
        peer: { program: "ssh_client.ts" },
        dialogue: shell("exec sleep 5", "printf 0123456789abcdef"),
      }],
      mutations: [{
        program: "ssh_server.ts",
        from: "if (size + next.value.length > maxOutput) {",
        to: "if (false) {",
        shows: "-(output cut at 10 bytes)",
      }],
    },
    {
      id: "ssh-token",
      title: "with --token, the right secret gets a shell and a wrong one is refused",
      server: { peer: { program: "ssh_server.ts", args: ["--token", "s3cret"] } },
      clients: [
        {
          role: "right",
          peer: { program: "ssh_client.ts", args: ["--token", "s3cret"] },
          dialogue: shell("echo in"),
        },
        {
          role: "wrong",
          peer: { program: "ssh_client.ts", args: ["--token", "guess"] },
          exitCode: 1,
          stderr: /^ssh_client\.ts: the server refused the token \(token refused\)$/,
          golden: false,
        },
      ],
      mutations: [{
        program: "ssh_server.ts",
        from: "if (offered !== options.token) {",
        to: "if (false) {",
        shows: "wrong exited with 0",
      }],
    },
    {
      id: "ssh-python-client",
      title: "the seed's Python client (with 方式2's ack) against ssh_server.ts",
      server: { peer: { program: "ssh_server.ts" }, golden: false },
      clients: [{
        peer: seedPython("ssh_client.py"),
        dialogue: shell("echo 你好", "true"),
        exitCode: 1,
        stderr: /EOFError/,
      }],
      bytes: { c2s: utf8("echo 你好") + utf8("true") + 2 * SSH_ACK, s2c: 1 + 7 + 2 + 20 },
      mutations: [{
        program: "ssh_server.ts",
        from: `const NO_OUTPUT = "cmd has no output...";`,
        to: `const NO_OUTPUT = "(none)";`,
        shows: "+(none)",
      }],
    },
    {
      id: "ssh-python-server",
      title: "ssh_client.ts against the seed's Python server (with 方式2's ack)",
      server: {
        peer: seedPython("ssh_server.py"),
      },
      clients: [{
        peer: { program: "ssh_client.ts" },
        dialogue: shell("echo 你好", "true", "printf 123abc"),
        golden: "ssh.client",
      }],
      mutations: [{
        program: "ssh_client.ts",
        from: `const ACK = "准备好接受了，loser可以发了";`,
        to: `const ACK = "ok";`,
        shows: "c2s",
      }],
      bytes: {
        c2s: utf8("echo 你好") + utf8("true") + utf8("printf 123abc") + 3 * SSH_ACK,
        s2c: utf8("7") + 7 + utf8("20") + 20 + utf8("6") + 6,
      },
    },
  ],
};

// --- Foreign peers for the framing lessons: the seed's own Python programs ---

sticky.cases.push({
  id: "sticky-python-client",
  title: "the seed's Python client's two sends arrive as one at sticky_server.ts",
  server: { peer: { program: "sticky_server.ts" }, exitsByItself: true, golden: "sticky.server" },
  clients: [{ peer: seedPython("sticky_client.py"), golden: false }],
  bytes: { c2s: 15, s2c: 0 },
  mutations: [{
    program: "sticky_server.ts",
    from: "console.log(data);",
    to: 'console.log(data.replaceAll(" ", "_"));',
    shows: "+kinght_love_aym",
  }],
});

stickyLen.cases.push({
  id: "sticky_len-python-client",
  title: "the seed's Python client against sticky_len_server.ts (without --faithful)",
  server: {
    peer: { program: "sticky_len_server.ts" },
    exitsByItself: true,
    golden: "sticky_len.server",
  },
  clients: [{ peer: seedPython("sticky_len_client.py"), golden: false }],
  bytes: { c2s: 18, s2c: 0 },
  mutations: [{
    program: "sticky_len_server.ts",
    from: "console.log(decoder.decode(await readBody(conn, length, carry)));",
    to: "console.log(JSON.stringify(decoder.decode(await readBody(conn, length, carry))));",
    shows: `+"aym"`,
  }],
});

framed.cases.push(
  {
    id: "framed-python-client",
    title: "the seed's Python client against framed_server.ts",
    server: { peer: { program: "framed_server.ts" }, exitsByItself: true, golden: "framed.server" },
    clients: [{ peer: seedPython("framed_client.py"), golden: false }],
    bytes: { c2s: 4 + 15 + 4 + 12, s2c: 0 },
    mutations: [{
      program: "framed_server.ts",
      from: `console.log("对方断开连接");`,
      to: "",
      shows: "-对方断开连接",
    }],
  },
  {
    id: "framed-python-server",
    title: "framed_client.ts against the seed's Python server",
    server: { peer: seedPython("framed_server.py"), exitsByItself: true, golden: "framed.server" },
    clients: [{ peer: { program: "framed_client.ts" }, golden: false }],
    bytes: { c2s: 4 + 15 + 4 + 12, s2c: 0 },
    mutations: [{
      program: "framed_client.ts",
      from: "setInt32(0, n, true)",
      to: "setInt32(0, n + 1, true)",
      shows: "-应该没有",
    }],
  },
);

// --- A client that vanishes at any point: the server keeps serving the next one ---

msgFile.cases.push({
  id: "msg_file-disconnects",
  title: "clients vanishing at every field of a message and a file: no file saved, next served",
  server: { peer: { program: "msg_file_server.ts" } },
  clients: [
    ...vanishingAtEveryPoint([
      { send: frameOf(MSG_TYPE) },
      { send: frameOf("你好") },
      { send: frameOf(fileType("a.txt")) },
      // The file last: every cut leaves it unfinished, so it must never appear.
      { send: frameOf("hello file") },
    ], 200),
    { peer: { program: "msg_file_client.ts" }, dialogue: typedAt("msg|我还在", "Q") },
  ],
  expectFiles: [{ at: "server", path: "file/a.txt", absent: true }],
  mutations: [{
    program: "msg_file_server.ts",
    from: "throw new Error(`the client closed after ${received} of ${length} bytes of a file`);",
    to: "break;",
    shows: "server: file/a.txt",
  }],
  reliability: {
    fault: "disconnect at every step",
    outcome: "connection let go, one line; an unfinished file never saved; next client served",
  },
});

uploadProgress.cases.push({
  id: "upload_progress-disconnects",
  title: "clients vanishing at every byte of a header and a file: nothing saved, next served",
  files: [{ at: "client", path: "f.png", content: F_PNG }],
  server: { peer: { program: "upload_progress_server.ts" } },
  clients: [
    ...vanishingAtEveryPoint([{ send: "a.bin-4" }, { send: Uint8Array.of(0, 1, 2, 3) }]),
    {
      peer: { program: "upload_progress_client.ts" },
      dialogue: [{ wait: UPLOAD_PROMPT, type: "f.png" }],
      golden: "upload_progress.client",
    },
  ],
  expectFiles: [
    { at: "server", path: "file/a.bin", absent: true },
    { at: "server", path: "file/f.png", content: F_PNG },
  ],
  mutations: [{
    program: "upload_progress_server.ts",
    from: "if (received !== size) {",
    to: "if (received > size) {",
    shows: "server: file/a.bin",
  }],
  reliability: {
    fault: "disconnect at every step",
    outcome: "connection let go, one line; an unfinished file never saved; next client served",
  },
});

loginLesson.cases.push({
  id: "login-disconnects",
  title: "clients vanishing at every byte of the login JSON; alice still logs in after them",
  files: [USERS],
  server: { peer: { program: "login_server.ts", args: ["--fail-delay", "0"] } },
  clients: [
    ...vanishingAtEveryPoint([
      { recv: "欢迎使用XX系统" },
      { send: loginJson("alice", ALICE_HASH) },
    ]),
    {
      peer: { program: "login_client.ts" },
      dialogue: login("alice", "secret"),
      golden: "login.client",
    },
  ],
  mutations: [{
    // The seed's way: whatever has come when the client leaves is taken as the JSON.
    program: "login_server.ts",
    from: "if (n === null) return null;",
    to: "if (n === null) return JSON.parse(new TextDecoder().decode(buffer.subarray(0, filled)));",
    shows: "+127.0.0.1:<PORT> null: 账号或密码错误",
  }],
  reliability: {
    fault: "disconnect at every step",
    outcome: "connection let go, one line; the next login works",
  },
});

ssh.cases.push({
  id: "ssh-disconnects",
  title: "clients vanishing at every byte of a command and of the ack; the next is served",
  server: { peer: { program: "ssh_server.ts" } },
  clients: [
    ...vanishingAtEveryPoint([
      { send: "echo hi" },
      { recv: "3" },
      { send: "准备好接受了，loser可以发了" },
      { recv: "hi\n" },
    ]),
    { peer: { program: "ssh_client.ts" }, dialogue: shell("echo 你好") },
  ],
  mutations: [{
    // A server that takes the end of the stream for an ack.
    program: "ssh_server.ts",
    from: "if (ack === null) {",
    to: `if (ack === "") {`,
    shows: "+ack from client: null",
  }],
});

// The single-client lessons end after their one client, as the seed's do; one that leaves
// in the middle of a message ends them with one line, not a stack trace.
framed.cases.push({
  id: "framed-disconnect",
  title: "a client leaving inside a message: one line on stderr, exit status 1",
  server: {
    peer: { program: "framed_server.ts" },
    exitsByItself: true,
    exitCode: 1,
    stderr: /^framed_server\.ts: the client closed inside a 15-byte message$/,
  },
  clients: [{
    role: "vanishing",
    raw: [{ send: frameOf("xin正在学习").subarray(0, 9) }, { vanish: true }],
  }],
  mutations: [{
    program: "framed_server.ts",
    from:
      "if (data === null) throw new Error(`the client closed inside a ${length}-byte message`);",
    to: "if (data === null) return;",
    shows: "exited with 0, expected 1",
  }],
});

stickyLen.cases.push({
  id: "sticky_len-disconnect",
  title: "a client leaving inside a message: one line on stderr, exit status 1",
  server: {
    peer: { program: "sticky_len_server.ts" },
    exitsByItself: true,
    exitCode: 1,
    stderr: /^sticky_len_server\.ts: the stream ended inside a 12-byte message$/,
  },
  clients: [{ role: "vanishing", raw: [{ send: "12kinght" }, { vanish: true }] }],
  mutations: [{
    // Whatever came is printed as if it were the message.
    program: "sticky_len_server.ts",
    from: "if (rest === null) throw new Error(`the stream ended inside a ${n}-byte message`);",
    to: "if (rest === null) return Uint8Array.from(first);",
    shows: "exited with 0, expected 1",
  }],
});

// The login request is JSON, which ends where its object closes: the server reads until then,
// however the bytes come. The welcome and the verdict are bare text read with one recv, as
// in the seed, so only the client's direction can be split (see the README's table).
loginLesson.cases.push({
  id: "login-one-byte-request",
  title: "the login JSON arriving one byte at a time is read whole",
  files: [USERS],
  server: { peer: { program: "login_server.ts" }, golden: "login.server" },
  clients: [{
    peer: { program: "login_client.ts" },
    dialogue: login("alice", "secret"),
    golden: "login.client",
  }],
  shaping: "one-byte-to-server",
  bytes: { c2s: utf8(loginJson("alice", ALICE_HASH)), s2c: utf8("欢迎使用XX系统登陆成功") },
  mutations: [{
    // The seed's way: one read taken as the whole request.
    program: "login_server.ts",
    from: "if (end < 0) continue;",
    to: 'if (end < 0) throw new Error("the request is not valid JSON");',
    shows: `-127.0.0.1:<PORT> "alice": 登陆成功`,
  }],
});
