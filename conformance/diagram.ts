/**
 * Mermaid sequence diagrams drawn from a recording proxy's chunk log: one participant per client
 * connection and one for the server, one arrow per message with its byte count and the start of
 * its text.
 *
 * The proxy's chunking depends on timing, so the log is normalised before it is drawn, to give
 * the same diagram run after run: the consecutive chunks of one connection in one direction
 * merge into one message (never for UDP datagrams), each message's preview comes from the bytes
 * known however they were chunked, and each connection's messages are drawn together. Clients
 * that run one after another are drawn in the order they began, which is the order things
 * happened; connections that overlap (one client opening several at once) are sorted by what
 * they carried, since their accept and send order vary.
 *
 * @module
 */

import { type ChunkRecord, type Direction, KEPT_BYTES } from "./harness/chunk_log.ts";

/** Who takes part in a diagram. */
export interface DiagramCast {
  /** The server's name, e.g. `chat_server.ts`. */
  server: string;
  /**
   * For each listener of the server (announcement order), the names of the clients that connect
   * to it, in the order they connect, e.g. `[["chat_client.ts"]]`.
   */
  clients: string[][];
}

/** How the traffic is to be read. */
export interface DiagramOptions {
  /** Every chunk is a UDP datagram: never merge two into one message. */
  datagrams?: boolean;
  /**
   * Draw each connection as one message each way: everything it sent, then everything it got
   * back (the other way round if the server spoke first). For clients that send without waiting
   * for replies, whose two directions interleave differently from run to run.
   */
  oneMessageEachWay?: boolean;
}

/** One arrow of a diagram: consecutive chunks of one connection in one direction. */
export interface Message {
  /** Index of the listener whose proxy logged it. */
  listener: number;
  /** The connection's index on that listener, in accept order. */
  conn: number;
  /** Direction of travel. */
  dir: Direction;
  /** Size in bytes. */
  size: number;
  /**
   * The first bytes of the message, `min(size, KEPT_BYTES)` of them: the log keeps only each
   * chunk's head, and this much is known whichever way the bytes were chunked.
   */
  head: Uint8Array;
  /** When its first chunk was delivered, in ms since its proxy started. */
  t: number;
}

/** How many characters of a message's text its arrow shows. */
export const PREVIEW_CHARS = 24;

/** How many bytes of a binary message its arrow shows in hex. */
export const PREVIEW_HEX_BYTES = 8;

/** Merges the log of one listener into messages, connection by connection, in log order. */
function mergeChunks(
  log: readonly ChunkRecord[],
  listener: number,
  datagrams: boolean,
): Message[] {
  const messages: Message[] = [];
  // The message being built on each connection, and whether its known head is complete so far.
  const open = new Map<number, { message: Message; parts: Uint8Array[]; exact: boolean }>();
  const close = (conn: number) => {
    const building = open.get(conn);
    if (!building) return;
    const joined = new Uint8Array(building.parts.reduce((n, part) => n + part.length, 0));
    let at = 0;
    for (const part of building.parts) {
      joined.set(part, at);
      at += part.length;
    }
    building.message.head = joined.slice(0, Math.min(building.message.size, KEPT_BYTES));
    open.delete(conn);
  };
  for (const record of log) {
    const building = open.get(record.conn);
    if (building && building.message.dir === record.dir && !datagrams) {
      building.message.size += record.size;
      if (building.exact) building.parts.push(record.head);
      building.exact &&= record.head.length === record.size;
      continue;
    }
    close(record.conn);
    const message: Message = {
      listener,
      conn: record.conn,
      dir: record.dir,
      size: record.size,
      head: record.head,
      t: record.t,
    };
    messages.push(message);
    open.set(record.conn, {
      message,
      parts: [record.head],
      exact: record.head.length === record.size,
    });
  }
  for (const conn of [...open.keys()]) close(conn);
  return messages;
}

/** One client connection's messages, in the order they were delivered. */
export interface Connection {
  /** Index of the listener it reached. */
  listener: number;
  /** Its index on that listener, in accept order. */
  conn: number;
  /** Its messages; never empty. */
  messages: Message[];
}

/** The connections in `traffic` (one chunk log per listener), each with its messages. */
export function connectionsOf(
  traffic: readonly (readonly ChunkRecord[])[],
  options: DiagramOptions = {},
): Connection[] {
  const connections: Connection[] = [];
  traffic.forEach((log, listener) => {
    const byConn = new Map<number, ChunkRecord[]>();
    for (const record of log) byConn.set(record.conn, [...byConn.get(record.conn) ?? [], record]);
    for (const [conn, records] of byConn) {
      // Stable: what went the way that began the conversation, then what came back.
      const first = records[0].dir;
      const ordered = options.oneMessageEachWay
        ? [...records].sort((a, b) => Number(a.dir !== first) - Number(b.dir !== first))
        : records;
      const messages = mergeChunks(ordered, listener, options.datagrams ?? false);
      connections.push({ listener, conn, messages });
    }
  });
  return connections;
}

/** ASCII punctuation that Mermaid shows as it is in a message or a participant's name. */
const PLAIN_PUNCTUATION = new Set([..." .,-_()[]!?'/=+*@~"]);

/**
 * `text` with every character Mermaid could read as syntax (`;`, `#`, `:`, quotes, `<`, `>`,
 * `&`, `%`, `$`, braces, backslashes…) written as an entity code such as `#59;`, which GitHub
 * renders as the character itself. Letters, digits, spaces and non-ASCII text stay as they are.
 */
export function escapeMermaid(text: string): string {
  let out = "";
  for (const char of text) {
    const code = char.codePointAt(0)!;
    const plain = /[A-Za-z0-9]/.test(char) || PLAIN_PUNCTUATION.has(char) ||
      (code > 0x9f && code !== 0x2028 && code !== 0x2029);
    out += plain ? char : `#${code};`;
  }
  return out;
}

/** True for control characters (C0, DEL, C1) and the Unicode line and paragraph separators. */
function isControl(char: string): boolean {
  const code = char.codePointAt(0)!;
  return code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029;
}

/** Control characters as escapes (`\n`, `\x00`), so a preview stays on one line. */
function visible(text: string): string {
  const named: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };
  return [...text].map((char) =>
    !isControl(char)
      ? char
      : named[char] ?? `\\x${char.codePointAt(0)!.toString(16).padStart(2, "0")}`
  ).join("");
}

/** The bytes in hex, `89 50 4e 47 …`, at most {@linkcode PREVIEW_HEX_BYTES} of them. */
function hexPreview(bytes: Uint8Array, more: boolean): string {
  const shown = [...bytes.subarray(0, PREVIEW_HEX_BYTES)]
    .map((byte) => byte.toString(16).padStart(2, "0")).join(" ");
  return shown + (more || bytes.length > PREVIEW_HEX_BYTES ? " …" : "");
}

/** True if `chars` look like text: at most half of them control characters besides spacing. */
function textLike(chars: string[]): boolean {
  const controls = chars.filter((char) => isControl(char) && !"\n\r\t".includes(char)).length;
  return chars.length > 0 && controls * 2 <= chars.length;
}

/**
 * A short description of a message's bytes, before escaping: its size and the start of its text
 * in quotes (`3 B “我”`); text followed by bytes that are not UTF-8 as
 * `1805 B “f.png-1795” + binary 89 50 4e 47 …`; anything else as `1024 B binary 89 50 4e 47 …`.
 * `…` marks what is not shown.
 */
export function describeMessage(message: Pick<Message, "size" | "head">): string {
  const { size, head } = message;
  // Streaming: a head cut inside a character decodes without that character's first bytes.
  const decoded = new TextDecoder("utf-8", { ignoreBOM: true })
    .decode(head, { stream: head.length < size });
  const bad = decoded.indexOf("\uFFFD");
  const chars = [...(bad < 0 ? decoded : decoded.slice(0, bad))];
  if (!textLike(chars)) return `${size} B binary ${hexPreview(head, head.length < size)}`;
  const shown = `“${visible(chars.slice(0, PREVIEW_CHARS).join(""))}`;
  if (chars.length > PREVIEW_CHARS) return `${size} B ${shown}…”${bad < 0 ? "" : " + binary"}`;
  if (bad < 0) return `${size} B ${shown}${head.length < size ? "…" : ""}”`;
  const rest = head.subarray(new TextEncoder().encode(chars.join("")).length);
  return `${size} B ${shown}” + binary ${hexPreview(rest, head.length < size)}`;
}

/** A connection as it will be drawn: its participant's name and its messages. */
interface Lane {
  /** The participant's name. */
  name: string;
  /** The connection it draws. */
  connection: Connection;
}

/**
 * The connections in drawing order, named. Where a listener's connections map one to one onto
 * the cast's clients (each client made one), each is its client and they are drawn in the order
 * they began. Otherwise they are one client's (or several clients') connections opened at once,
 * whose accept and send order vary from run to run: they are drawn together, sorted by what they
 * carried, and numbered in that order.
 */
function lanesOf(connections: Connection[], cast: DiagramCast): Lane[] {
  const start = (each: Connection) => each.messages[0].t;
  const units: { t: number; listener: number; lanes: Lane[] }[] = [];
  const listeners = [...new Set(connections.map((each) => each.listener))].sort((a, b) => a - b);
  for (const listener of listeners) {
    const clients = cast.clients[listener] ?? [];
    const own = connections.filter((each) => each.listener === listener);
    if (own.length === clients.length) {
      for (const connection of own) {
        units.push({
          t: start(connection),
          listener,
          lanes: [{ name: clients[connection.conn], connection }],
        });
      }
      continue;
    }
    const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, "0"));
    const story = (each: Connection) =>
      each.messages.map((m) => `${m.dir} ${hex(m.head).join("")} ${m.size}`).join(" ");
    const sorted = [...own].sort((a, b) =>
      story(a) < story(b) ? -1 : story(a) > story(b) ? 1 : a.conn - b.conn
    );
    const base = clients.length === 1 ? clients[0] : "client";
    units.push({
      t: Math.min(...own.map(start)),
      listener,
      lanes: sorted.map((connection, k) => ({ name: `${base} connection ${k + 1}`, connection })),
    });
  }
  units.sort((a, b) => a.t - b.t || a.listener - b.listener);
  const lanes = units.flatMap((unit) => unit.lanes);
  if (listeners.length > 1) {
    for (const lane of lanes) lane.name += ` @ listener ${lane.connection.listener + 1}`;
  }
  // Clients of the same name (one script run twice) are told apart by number.
  const total = new Map<string, number>();
  for (const { name } of lanes) total.set(name, (total.get(name) ?? 0) + 1);
  const counter = new Map<string, number>();
  for (const lane of lanes) {
    if (total.get(lane.name) === 1) continue;
    const n = (counter.get(lane.name) ?? 0) + 1;
    counter.set(lane.name, n);
    lane.name += ` (${n})`;
  }
  return lanes;
}

/**
 * The Mermaid `sequenceDiagram` of `traffic` (one chunk log per listener of the server): the
 * clients' connections and then the server as participants, one arrow per message (solid from a
 * client, dashed from the server), each connection's messages together. Ends with a newline;
 * `undefined` if nothing was sent.
 */
export function sequenceDiagram(
  traffic: readonly (readonly ChunkRecord[])[],
  cast: DiagramCast,
  options: DiagramOptions = {},
): string | undefined {
  const lanes = lanesOf(connectionsOf(traffic, options), cast);
  if (lanes.length === 0) return undefined;
  const lines = [
    "sequenceDiagram",
    ...lanes.map((lane, index) => `  participant c${index + 1} as ${escapeMermaid(lane.name)}`),
    `  participant server as ${escapeMermaid(cast.server)}`,
  ];
  lanes.forEach((lane, index) => {
    for (const message of lane.connection.messages) {
      const arrow = message.dir === "c2s" ? `c${index + 1}->>server` : `server-->>c${index + 1}`;
      lines.push(`  ${arrow}: ${escapeMermaid(describeMessage(message))}`);
    }
  });
  return lines.join("\n") + "\n";
}
