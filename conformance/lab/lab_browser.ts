/**
 * The lab in a real browser: `deno task browser` runs these tests, each against `deno task lab
 * --port 0` (the task's own command line) in headless Chromium driven by puppeteer-core. The
 * browser is the system's (`/usr/bin/chromium`, or `$CHROMIUM`); nothing is downloaded. Named
 * `*_browser.ts` so that `deno task test` leaves them out: they need Chromium and
 * fonts-noto-cjk (`.ci/run` installs both), and fail with that hint where it is missing.
 *
 * `LAB_SCREENSHOT=docs/lab.png deno task browser` also saves the chat page after a run there
 * (the README's picture).
 *
 * @module
 */

import assert from "node:assert/strict";
import puppeteer, { type Browser, type Page } from "npm:puppeteer-core@25.19.0";
import { lessons } from "../cases/mod.ts";
import { withLabProcess } from "./_test_util.ts";

// What the functions run inside the page use of the DOM, declared here: the DOM's own types
// would replace Deno's (its WebSocket among them) for every module type-checked with this one.
/** An element, as far as these tests look at one. */
interface PageElement {
  dataset: Record<string, string | undefined>;
  title: string;
  hidden: boolean;
  textContent: string | null;
}
declare const document: {
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): { length: number };
  getElementById(id: string): PageElement;
};
declare const MutationObserver: new (callback: () => void) => {
  observe(target: PageElement, options: Record<string, boolean>): void;
};
declare function scrollTo(x: number, y: number): void;

/** The browser the tests drive. */
const CHROMIUM = Deno.env.get("CHROMIUM") ?? "/usr/bin/chromium";

/** Flags for a quiet, headless, offline-minded Chromium that keeps nothing between runs. */
const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** The bound of each test: its browser and lab are torn down when it passes. */
const TEST_BOUND_MS = 90_000;

/** What a test gets: a page of a fresh browser, and the lab's address. */
interface BrowserLab {
  /** A page, 1200 × 1400. */
  page: Page;
  /** `http://127.0.0.1:PORT`. */
  origin: string;
  /** The lab's secret. */
  secret: string;
  /** The URL of `path` on the lab, with the secret. */
  url(path: string): string;
}

/** Fails with an install hint if the browser is missing. */
async function requireChromium(): Promise<void> {
  try {
    await Deno.stat(CHROMIUM);
  } catch {
    throw new Error(
      `no Chromium at ${CHROMIUM}: apt-get install chromium fonts-noto-cjk (or set $CHROMIUM)`,
    );
  }
}

/**
 * Runs `test` against a lab started as `deno task lab --port 0`, in a fresh headless Chromium
 * with a user data folder of its own. Fails on any error the page throws. Everything is closed
 * and killed afterwards, and after {@linkcode TEST_BOUND_MS} at the latest.
 */
function browserTest(name: string, test: (lab: BrowserLab) => Promise<void>): void {
  Deno.test({
    name,
    // puppeteer keeps sockets and timers of its own past close().
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async () => {
      await requireChromium();
      await withLabProcess(async (_labProcess, { port, secret }) => {
        const profile = await Deno.makeTempDir({ prefix: "lab-chromium-" });
        let browser: Browser | undefined;
        const bound = setTimeout(() => browser?.close(), TEST_BOUND_MS);
        try {
          browser = await puppeteer.launch({
            executablePath: CHROMIUM,
            headless: true,
            userDataDir: profile,
            args: CHROMIUM_FLAGS,
          });
          const page = await browser.newPage();
          await page.setViewport({ width: 1200, height: 1400 });
          const pageErrors: string[] = [];
          page.on("pageerror", (error) => pageErrors.push(String(error)));
          const origin = `http://127.0.0.1:${port}`;
          const url = (path: string) => `${origin}${path}?token=${secret}`;
          await test({ page, origin, secret, url });
          assert.deepEqual(pageErrors, []);
        } finally {
          clearTimeout(bound);
          await browser?.close();
          await Deno.remove(profile, { recursive: true }).catch(() => {});
        }
      });
    },
  });
}

/** Opens a lesson's page and waits for its diagram to be rendered (if it has one). */
async function openLesson(lab: BrowserLab, id: string): Promise<void> {
  await lab.page.goto(lab.url(`/lessons/${id}`));
  await lab.page.waitForSelector("#run-button");
}

/** Picks radio `value` of the run form's `name` (delivery, reader, input). */
async function choose(page: Page, name: string, value: string): Promise<void> {
  await page.click(`input[name="${name}"][value="${value}"]`);
}

/** Clicks Run and waits until the run's verdict is shown; returns its status. */
async function runToVerdict(page: Page): Promise<string> {
  await page.waitForSelector("#run-button:not([disabled])");
  await page.click("#run-button");
  await page.waitForSelector("#verdict[data-status]:not([hidden])", { timeout: 30_000 });
  return await page.$eval(
    "#verdict",
    (verdict) => (verdict as unknown as PageElement).dataset.status ?? "",
  );
}

/** The byte counts of the arrows drawn so far, in order. */
async function arrowSizes(page: Page): Promise<number[]> {
  return await page.$$eval(
    ".arrow",
    (arrows) => arrows.map((arrow) => Number((arrow as unknown as PageElement).dataset.bytes)),
  );
}

/** What the live terminal of `label` shows. */
async function liveTerminal(page: Page, label: string): Promise<string> {
  return await page.$eval(
    `.live-terminal[data-label="${label}"] pre`,
    (pre) => pre.textContent ?? "",
  );
}

/** Waits until the live terminal of `label` shows `text`. */
async function waitForTerminal(page: Page, label: string, text: string): Promise<void> {
  await page.waitForFunction(
    (label, text) =>
      document.querySelector(`.live-terminal[data-label="${label}"] pre`)?.textContent?.includes(
        text,
      ) ?? false,
    { timeout: 20_000 },
    label,
    text,
  );
}

browserTest("/ lists every lesson and leads to the chat page", async (lab) => {
  await lab.page.goto(lab.url("/"));
  const ids = await lab.page.$$eval(
    "#lessons tr[data-lesson]",
    (rows) => rows.map((row) => (row as unknown as PageElement).dataset.lesson),
  );
  assert.deepEqual(ids, lessons.map((lesson) => lesson.id));
  await Promise.all([lab.page.waitForNavigation(), lab.page.click('tr[data-lesson="chat"] a')]);
  assert.equal(new URL(lab.page.url()).pathname, "/lessons/chat");
  assert.match(await lab.page.title(), /使用Socket实现聊天机器人/);
});

browserTest(
  "the chat page holds a rendered SVG diagram and the client's terminal session",
  async (lab) => {
    await openLesson(lab, "chat");
    await lab.page.waitForSelector("body[data-diagrams=rendered] pre.mermaid svg");
    const arrows = await lab.page.$$eval(
      "pre.mermaid svg .messageText",
      (texts) => texts.map((text) => text.textContent),
    );
    assert.equal(arrows.length, 8);
    assert.match(arrows[0] ?? "", /20 B/);
    const client = await lab.page.$eval(
      'pre.golden[data-golden="chat.client"]',
      (pre) => pre.textContent ?? "",
    );
    assert.match(
      client,
      /^\$ deno run --allow-net=127\.0\.0\.1 chat_client\.ts\n欢迎致电babyshen\n请输入要发送的内容>>>：我\n我好\n/,
    );
    const source = await lab.page.$eval("pre.source code", (code) => code.textContent ?? "");
    assert.match(source, /^#!\/usr\/bin\/env -S deno run/);
  },
);

browserTest(
  "Run draws 8 arrows of 20, 3, 6, 3, 6, 3, 6, 1 bytes as they cross, then passes",
  async (lab) => {
    await openLesson(lab, "chat");
    await lab.page.waitForSelector("body[data-diagrams=rendered]");
    // Note when each arrow and the verdict appear: drawn live, the arrows come in several
    // batches before the verdict, not all at once with it.
    await lab.page.evaluate(() => {
      const seen: { arrows: number; verdict: boolean }[] = [];
      (globalThis as unknown as { seen: typeof seen }).seen = seen;
      new MutationObserver(() => {
        seen.push({
          arrows: document.querySelectorAll(".arrow").length,
          verdict: !document.getElementById("verdict")!.hidden,
        });
      }).observe(document.getElementById("run")!, {
        childList: true,
        subtree: true,
        attributes: true,
      });
    });
    assert.equal(await runToVerdict(lab.page), "passed");
    assert.deepEqual(await arrowSizes(lab.page), [20, 3, 6, 3, 6, 3, 6, 1]);
    const seen = await lab.page.evaluate(() =>
      (globalThis as unknown as { seen: { arrows: number; verdict: boolean }[] }).seen
    );
    const before = new Set(
      seen.filter((each) => !each.verdict && each.arrows > 0).map((each) => each.arrows),
    );
    assert.ok(before.size >= 2, `arrows seen before the verdict: ${[...before]}`);
    assert.ok(before.has(8), "all 8 arrows were there before the verdict");
    const first = await lab.page.$eval(
      ".arrow",
      (arrow) => (arrow as unknown as PageElement).title,
    );
    assert.match(first, /server → client.*20 B[\s\S]*text: 欢迎致电babyshen\nhex: e6 ac a2/);
    await lab.page.click(".arrow:nth-child(2)");
    const detail = await lab.page.$eval(
      ".arrow:nth-child(2) .detail",
      (detail) => detail.textContent,
    );
    assert.equal(detail, "text: 我hex: e6 88 91");
    await waitForTerminal(lab.page, "client", "请输入要发送的内容>>>：他\n他好\n");
    const screenshot = Deno.env.get("LAB_SCREENSHOT");
    if (screenshot) {
      // The page from its top to the verdict's end: the arrows, both terminals, the verdict.
      await lab.page.evaluate(() => scrollTo(0, 0));
      const verdict = await (await lab.page.$("#verdict"))?.boundingBox();
      const height = Math.ceil((verdict?.y ?? 1100) + (verdict?.height ?? 0) + 16);
      await lab.page.screenshot({ path: screenshot, clip: { x: 0, y: 0, width: 1200, height } });
    }
  },
);

browserTest(
  "粘包: sticky under every byte alone and glued prints two different server outputs",
  async (lab) => {
    await openLesson(lab, "sticky");
    // The seed's reader takes one recv as the message.
    await choose(lab.page, "reader", "seed");
    await choose(lab.page, "delivery", "one-byte");
    await runToVerdict(lab.page);
    const oneByte = await liveTerminal(lab.page, "server");
    await choose(lab.page, "delivery", "glued");
    assert.equal(await runToVerdict(lab.page), "passed");
    const glued = await liveTerminal(lab.page, "server");
    assert.match(glued, /^listening on tcp:\/\/127\.0\.0\.1:\d+\nkinght love aym\n$/);
    assert.notEqual(oneByte.split("\n")[1], glued.split("\n")[1]);
    // The lesson's own reader reads to the end of the stream: the same either way.
    await choose(lab.page, "reader", "lesson");
    await choose(lab.page, "delivery", "one-byte");
    assert.equal(await runToVerdict(lab.page), "passed");
    assert.equal((await liveTerminal(lab.page, "server")).split("\n")[1], "kinght love aym");
  },
);

browserTest("framed prints the same byte by byte and glued", async (lab) => {
  await openLesson(lab, "framed");
  const outputs: string[] = [];
  for (const delivery of ["one-byte", "glued"]) {
    await choose(lab.page, "delivery", delivery);
    assert.equal(await runToVerdict(lab.page), "passed", delivery);
    outputs.push((await liveTerminal(lab.page, "server")).replace(/^listening on .*\n/, ""));
  }
  assert.equal(outputs[0], outputs[1]);
  assert.match(outputs[0], /^xin正在学习\n应该没有\n/);
});

browserTest("a line typed in chat comes back with 好", async (lab) => {
  await openLesson(lab, "chat");
  await choose(lab.page, "input", "typed");
  await lab.page.click("#run-button");
  await waitForTerminal(lab.page, "client", "请输入要发送的内容>>>：");
  // Before the learner types, only the welcome has crossed: the run waits, live.
  assert.deepEqual(await arrowSizes(lab.page), [20]);
  await lab.page.type("#typed-line", "你好");
  await lab.page.keyboard.press("Enter");
  await waitForTerminal(lab.page, "client", "你好\n你好好\n");
  assert.deepEqual(await arrowSizes(lab.page), [20, 6, 9]);
  await lab.page.click("#end-input");
  await lab.page.waitForSelector("#verdict[data-status=typed]:not([hidden])");
});

browserTest("the page keeps working after a run whose server was killed", async (lab) => {
  await openLesson(lab, "chat");
  await choose(lab.page, "input", "typed");
  await lab.page.click("#run-button");
  await waitForTerminal(lab.page, "client", "请输入要发送的内容>>>：");
  const title = await lab.page.$eval(
    '.live-terminal[data-label="server"] h3',
    (h3) => h3.textContent ?? "",
  );
  const pid = Number(/pid (\d+)/.exec(title)?.[1]);
  assert.ok(pid > 0, title);
  Deno.kill(pid, "SIGKILL");
  await lab.page.waitForSelector(
    '.live-terminal[data-label="server"][data-exit="killed by SIGKILL"]',
  );
  // The client finds its server gone when it next talks to it.
  await lab.page.type("#typed-line", "我");
  await lab.page.keyboard.press("Enter");
  await lab.page.waitForSelector("#verdict[data-status]:not([hidden])", { timeout: 30_000 });
  await lab.page.waitForSelector("#run-button:not([disabled])");
  // The next run, of the case's dialogue, goes through as if nothing had happened.
  await choose(lab.page, "input", "dialogue");
  assert.equal(await runToVerdict(lab.page), "passed");
  assert.deepEqual(await arrowSizes(lab.page), [20, 3, 6, 3, 6, 3, 6, 1]);
});
