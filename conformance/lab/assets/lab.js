// The socket lab's page behaviour: render the sequence diagram with Mermaid (served by the lab),
// and run the lesson live over a WebSocket, drawing each event as it arrives: an arrow per
// chunk, each terminal's output, the verdict. Plain script, no build step: the lab serves this
// file as it is. Every piece of text from a run goes into the page as text, never as HTML.
"use strict";

const lessonMain = document.getElementById("lesson");

/** Renders every `pre.mermaid` as an SVG diagram, then marks the body for tests. */
async function renderDiagrams() {
  const diagrams = document.querySelectorAll("pre.mermaid");
  if (diagrams.length === 0 || !globalThis.mermaid) return;
  globalThis.mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });
  try {
    await globalThis.mermaid.run({ nodes: diagrams });
    document.body.dataset.diagrams = "rendered";
  } catch (error) {
    document.body.dataset.diagrams = "failed";
    console.error(error);
  }
}

/** An element with a class and text (never HTML). */
function element(tag, className, text) {
  const made = document.createElement(tag);
  if (className) made.className = className;
  if (text !== undefined) made.textContent = text;
  return made;
}

/** The live run section: its controls, and what the current run has drawn. */
class LiveRun {
  constructor(root) {
    this.lesson = root.dataset.lesson;
    this.token = root.dataset.token;
    this.controls = document.getElementById("controls");
    this.runButton = document.getElementById("run-button");
    this.stopButton = document.getElementById("stop-button");
    this.status = document.getElementById("run-status");
    this.arrows = document.getElementById("arrows");
    this.terminals = document.getElementById("live-terminals");
    this.verdict = document.getElementById("verdict");
    this.typing = document.getElementById("typing");
    this.typedLine = document.getElementById("typed-line");
    this.socket = undefined;
    this.panes = new Map();
    this.runButton.addEventListener("click", () => this.start());
    this.stopButton.addEventListener("click", () => this.stop());
    this.typing.addEventListener("submit", (event) => {
      event.preventDefault();
      this.send({ type: "line", text: this.typedLine.value });
      this.typedLine.value = "";
    });
    document.getElementById("end-input").addEventListener("click", () => this.endInput());
    this.typedLine.addEventListener("keydown", (event) => {
      if (event.ctrlKey && event.key === "d") {
        event.preventDefault();
        this.endInput();
      }
    });
  }

  /** The learner's choice, from the form. */
  choice() {
    const form = new FormData(this.controls);
    return {
      delivery: form.get("delivery") ?? "as-sent",
      reader: form.get("reader") ?? "lesson",
      input: form.get("input") ?? "dialogue",
    };
  }

  /** Starts a run: clears the last one's drawing and opens the run's WebSocket. */
  start() {
    if (this.socket) return;
    const choice = this.choice();
    const url = new URL(`/lessons/${encodeURIComponent(this.lesson)}/run`, location.href);
    url.protocol = "ws:";
    url.search = new URLSearchParams({ token: this.token, ...choice }).toString();
    this.clear();
    this.setState("connecting", "Starting…");
    const socket = new WebSocket(url);
    this.socket = socket;
    this.ended = false;
    socket.addEventListener("message", (message) => this.handle(JSON.parse(message.data)));
    socket.addEventListener("close", () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.typing.hidden = true;
      if (!this.ended) this.setState("idle", "The run ended without a verdict (stopped).");
      this.runButton.disabled = false;
      this.stopButton.disabled = true;
    });
    this.runButton.disabled = true;
    this.stopButton.disabled = false;
    this.typing.hidden = choice.input !== "typed";
    if (choice.input === "typed") this.typedLine.focus();
  }

  /** Stops the run: closing its socket makes the lab kill every process of it. */
  stop() {
    this.socket?.close();
  }

  /** Sends a message to the run, if one is going. */
  send(message) {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  /** Ends the client's input, as Ctrl-D in a terminal. */
  endInput() {
    this.send({ type: "end" });
    this.typing.hidden = true;
  }

  /** Removes what the last run drew. */
  clear() {
    this.arrows.replaceChildren();
    this.terminals.replaceChildren();
    this.panes.clear();
    this.verdict.hidden = true;
    this.verdict.replaceChildren();
    this.verdict.className = "";
    delete this.verdict.dataset.status;
  }

  /** Shows the run's state in its status line and on the section (tests read it). */
  setState(state, text) {
    document.getElementById("run").dataset.state = state;
    this.status.textContent = text;
  }

  /** The terminal pane of a process (`server`, `client`, a role), made on first use. */
  pane(label) {
    let pane = this.panes.get(label);
    if (pane) return pane;
    const box = element("div", "live-terminal");
    box.dataset.label = label;
    const title = element("h3", "", label);
    const screen = element("pre", "terminal");
    box.append(title, screen);
    this.terminals.append(box);
    pane = { box, title, screen };
    this.panes.set(label, pane);
    return pane;
  }

  /** Draws one event of the run. */
  handle(event) {
    switch (event.type) {
      case "start":
        this.setState("running", `Running ${event.caseId}…`);
        break;
      case "busy":
        this.ended = true;
        this.setState("busy", event.message);
        break;
      case "error":
        this.ended = true;
        this.setState("error", event.message);
        break;
      case "spawn":
        this.pane(event.label).title.textContent = `${event.label} (pid ${event.pid})`;
        break;
      case "output": {
        const pane = this.pane(event.label);
        pane.screen.append(element("span", event.stream === "stderr" ? "stderr" : "", event.text));
        pane.screen.scrollTop = pane.screen.scrollHeight;
        break;
      }
      case "typed":
        this.pane(event.label).screen.append(element("span", "typed", `${event.line}\n`));
        break;
      case "exit": {
        const pane = this.pane(event.label);
        const how = event.signal ? `killed by ${event.signal}` : `exit ${event.code}`;
        pane.box.dataset.exit = how;
        pane.title.append(element("span", "exit", ` · ${how}`));
        break;
      }
      case "chunk":
        this.arrow(event);
        break;
      case "verdict":
        this.ended = true;
        this.showVerdict(event);
        break;
    }
  }

  /** One chunk as an arrow between the client and server lanes. */
  arrow(chunk) {
    const item = element("li", `arrow ${chunk.dir}`);
    item.dataset.bytes = String(chunk.size);
    item.dataset.dir = chunk.dir;
    item.tabIndex = 0;
    const more = chunk.truncated ? "…" : "";
    const where = chunk.listener > 0 ? `#${chunk.conn}@${chunk.listener + 1}` : `#${chunk.conn}`;
    const label = `${where} · ${chunk.size} B · ${chunk.t.toFixed(1)} ms`;
    item.title = `${chunk.dir === "c2s" ? "client → server" : "server → client"}, ${label}\n` +
      `text: ${chunk.text}${more}\nhex: ${chunk.hex}${more}`;
    const line = element("span", "line");
    line.append(element("span", "label", label));
    const preview = element("span", "preview", chunk.text + more);
    const detail = element("div", "detail");
    detail.append(
      element("div", "", `text: ${chunk.text}${more}`),
      element("div", "hex", `hex: ${chunk.hex}${more}`),
    );
    detail.hidden = true;
    item.append(line, preview, detail);
    item.addEventListener("click", () => (detail.hidden = !detail.hidden));
    this.arrows.append(item);
  }

  /** The run's verdict: passed or failed, the byte counts, and each problem found. */
  showVerdict(event) {
    const headline = {
      passed: "Passed: the terminals match the seed's transcript and the byte counts match.",
      failed: "Failed against the seed's transcript or byte counts:",
      typed: "Your own lines: nothing to compare with the seed's transcript.",
      stopped: "Stopped.",
    }[event.status];
    this.verdict.className = event.status;
    this.verdict.dataset.status = event.status;
    this.verdict.append(element("p", "headline", headline));
    const { expected, actual } = event.bytes;
    const counts = expected
      ? `bytes client → server ${actual.c2s} (expected ${expected.c2s}), ` +
        `server → client ${actual.s2c} (expected ${expected.s2c})`
      : `bytes client → server ${actual.c2s}, server → client ${actual.s2c}`;
    this.verdict.append(element("p", "bytes", `${counts} · ${Math.round(event.ms)} ms`));
    for (const failure of event.failures) this.verdict.append(element("pre", "failure", failure));
    for (const note of event.notes) this.verdict.append(element("p", "note", note));
    this.verdict.hidden = false;
    this.setState("done", `Done: ${event.status}.`);
  }
}

if (lessonMain) {
  globalThis.lab = new LiveRun(lessonMain);
  renderDiagrams();
}
