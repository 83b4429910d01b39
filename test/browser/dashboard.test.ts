// The dashboard as a person uses it, in headless Chromium: real traffic through the
// worker as deployed (src/index.ts, its Durable Objects, workerd on a socket) to
// recording origins whose v2 differs from v1 in one field and shares a noisy one;
// then sign in, read the routes table's real figures, open the route, find the
// divergent field marked and the example pair the right way round, pause the route
// and watch the next requests reach v1 only, resume, and do the same with JavaScript
// off. Every page is kept under test-artifacts/; docs/dashboard.png is refreshed when
// the page changes.
import { request as httpRequest } from "node:http";
import { describe, expect, it } from "vitest";
import type { BrowserContext, Page } from "playwright-core";
import { browserWorld, dashboardRoutes, eventually, HOST, signIn } from "../support/browser-world";
import { keepScreenshot, refreshReadmeScreenshot } from "../support/screenshot";

const TOKEN = "browser-test-secret";
const COMPARED_REQUESTS = 40;

const world = browserWorld("dashboard.routes.yaml", TOKEN, (v1, v2) => dashboardRoutes(v1, v2, { catalog: true }));
let counter = 0;

/** A client's GET through the worker; resolves with the request id once the answer is read. */
function get(path: string): Promise<{ id: string; status: number; origin: string | undefined }> {
  const id = `browser-${++counter}`;
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port: world.worker.port, path, headers: { host: HOST, "x-request-id": id } }, (res) => {
      res.resume();
      res.on("end", () => resolve({ id, status: res.statusCode ?? 0, origin: res.headers["x-origin"] as string | undefined }));
    });
    req.on("error", reject);
    req.end();
  });
}

const shadowsOf = (id: string) => world.v2.records.filter((r) => r.headers["x-request-id"] === id);
const primariesOf = (id: string) => world.v1.records.filter((r) => r.headers["x-request-id"] === id && r.headers["x-edge-mirror-noise"] === undefined);

/** The routes table's row of a route, as the cells' texts by column header. */
async function row(page: Page, route: string): Promise<Record<string, string>> {
  const headers = await page.locator("table.routes thead th").allInnerTexts();
  const cells = page.locator("table.routes tbody tr", { has: page.getByRole("link", { name: route, exact: true }) }).locator("th, td");
  const texts = await cells.allInnerTexts();
  return Object.fromEntries(headers.map((h, i) => [h.replace(/\s+/g, " ").trim(), (texts[i] ?? "").replace(/\s+/g, " ").trim()]));
}

describe("the dashboard in a browser", () => {
  let context: BrowserContext;
  let page: Page;

  it("real traffic: every request answered by v1, every one mirrored to v2", async () => {
    const sent: { id: string; status: number; origin: string | undefined }[] = [];
    for (let i = 0; i < COMPARED_REQUESTS; i++) sent.push(await get("/compare/demo"));
    for (let i = 0; i < 5; i++) sent.push(await get(`/catalog/${i}`));
    expect(sent.every((s) => s.status === 200 && s.origin === "v1")).toBe(true);
    await eventually(() => sent.every((s) => shadowsOf(s.id).length === 1));
  });

  it("signing in: the login form, then the routes table with the run's own figures", async () => {
    context = await world.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const login = await context.newPage();
    await login.goto(`${world.worker.url}/__edge-mirror/`);
    await expect.poll(() => login.getByRole("heading", { level: 1 }).innerText()).toBe("Sign in");
    await keepScreenshot(login, "dashboard-login");
    await login.close();

    page = await signIn(context, world.worker, TOKEN);
    await expect.poll(() => page.getByRole("heading", { level: 1 }).innerText()).toBe("Mirroring");
    const users = await row(page, "api/users");
    expect(users["Mirrored / compared"]).toBe(`${COMPARED_REQUESTS} / ${COMPARED_REQUESTS}`);
    expect(users["Divergence (95 %)"]).toMatch(/^100 % 9\d(\.\d+)? %–100 %$/);
    expect(users["Verdict"]).toMatch(/^fail divergence above the 1 % limit \(at least 9\d(\.\d+)? %\)$/);
    expect(users["In force"]).toBe("100 %");
    expect(users["p50 / p99"]).toMatch(/^v1 [\d.]+ ms \/ [\d.]+ ms v2 [\d.]+ ms \/ [\d.]+ ms$/);
    expect(users["Status mix"]).toBe("v1 200 100 % v2 200 100 %");
    const catalog = await row(page, "api/catalog");
    expect(catalog["Verdict"]).toBe("not compared");
    expect(await page.getByText("Mirroring network-wide: on").count()).toBe(1);
    await keepScreenshot(page, "dashboard-routes");
    await refreshReadmeScreenshot(page);
  });

  it("a route's page: the divergent field highlighted, noise told apart, v1 on the left and v2 on the right", async () => {
    await page.getByRole("link", { name: "api/users", exact: true }).click();
    await expect.poll(() => page.getByRole("heading", { level: 1 }).innerText()).toBe("api/users");
    const field = (path: string) => page.locator("tr", { has: page.getByRole("rowheader", { name: path, exact: true }) }).locator("td").last().innerText();
    expect(await field("/body/user/plan")).toBe("divergent");
    expect(await field("/body/servedAt")).toBe("noise");
    expect(await field("/body/nonce")).toBe("noise");

    const example = page.getByRole("article").first();
    const left = example.locator(".pair section.v1");
    const right = example.locator(".pair section.v2");
    expect(await left.getByRole("heading").innerText()).toBe("v1 (primary, answered the client)");
    expect(await right.getByRole("heading").innerText()).toBe("v2 (mirror)");
    const [l, r] = [await left.boundingBox(), await right.boundingBox()];
    expect(l!.x + l!.width).toBeLessThanOrEqual(r!.x);
    // v1's origin says "free", v2's "Free" (devkit/compare-answers.ts /compare/demo)
    expect(await left.locator("mark").allInnerTexts()).toEqual(['"free"']);
    expect(await right.locator("mark").allInnerTexts()).toEqual(['"Free"']);
    const highlight = (await left.locator("mark").evaluate("(el) => getComputedStyle(el).backgroundColor")) as string;
    expect(highlight).not.toBe("rgba(0, 0, 0, 0)");
    // the history's three charts (shadows, divergence, shift), the latency chart, one field's sparkline
    expect(await page.locator('svg[role="img"]').count()).toBe(5);
    await keepScreenshot(page, "dashboard-route");
  });

  it("pause: the next requests reach v1 only; the change is in the history with who made it; resume mirrors again", async () => {
    await page.getByRole("link", { name: "All routes" }).click();
    await page.getByRole("button", { name: "Pause mirroring of api/users" }).click();
    await expect.poll(async () => (await row(page, "api/users"))["In force"]).toBe("0 % of 100 %");
    expect((await row(page, "api/users"))["Switch"]).toBe("Resume paused");
    expect(await page.locator("#history-heading + div tbody tr").first().innerText()).toMatch(/UTC\s+alice\s+api\/users\s+paused/);
    await keepScreenshot(page, "dashboard-paused");

    const paused: { id: string; origin: string | undefined }[] = [];
    for (let i = 0; i < 10; i++) paused.push(await get("/compare/demo"));
    const other = await get("/catalog/x");
    await eventually(() => shadowsOf(other.id).length === 1);
    // A shadow would have been sent right after its response; give stragglers time anyway.
    await new Promise((r) => setTimeout(r, 500));
    for (const p of paused) {
      expect(p.origin).toBe("v1");
      expect(primariesOf(p.id)).toHaveLength(1);
      expect(shadowsOf(p.id)).toHaveLength(0);
    }

    await page.getByRole("button", { name: "Resume mirroring of api/users" }).click();
    await expect.poll(async () => (await row(page, "api/users"))["In force"]).toBe("100 %");
    const resumed: { id: string }[] = [];
    for (let i = 0; i < 5; i++) resumed.push(await get("/compare/demo"));
    await eventually(() => resumed.every((s) => shadowsOf(s.id).length === 1));
  });

  it("at a phone's width the page fits the screen, the table becoming one card per route", async () => {
    const phone = await world.browser.newContext({ viewport: { width: 390, height: 844 }, storageState: await context.storageState() });
    const small = await phone.newPage();
    await small.goto(`${world.worker.url}/__edge-mirror/`);
    expect(await small.evaluate<number>("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
    expect(await small.getByRole("button", { name: "Pause mirroring of api/users" }).isVisible()).toBe(true);
    await keepScreenshot(small, "dashboard-routes-phone");
    await small.goto(`${world.worker.url}/__edge-mirror/route?name=${encodeURIComponent("api/users")}`);
    expect(await small.evaluate<number>("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
    await keepScreenshot(small, "dashboard-route-phone");
    await phone.close();
  });

  it("with JavaScript off: sign in, pause all mirroring, resume", async () => {
    const noScript = await world.browser.newContext({ javaScriptEnabled: false });
    const p = await signIn(noScript, world.worker, TOKEN);
    await p.getByRole("button", { name: "Pause all mirroring" }).click();
    await expect.poll(() => p.getByText("Mirroring network-wide: paused").count()).toBe(1);
    const sent = await get("/catalog/no-js");
    await new Promise((r) => setTimeout(r, 300));
    expect(primariesOf(sent.id)).toHaveLength(1);
    expect(shadowsOf(sent.id)).toHaveLength(0);
    await p.getByRole("button", { name: "Resume all mirroring" }).click();
    await expect.poll(() => p.getByText("Mirroring network-wide: on").count()).toBe(1);
    const again = await get("/catalog/no-js-2");
    await eventually(() => shadowsOf(again.id).length === 1);
    await noScript.close();
    await context.close();
  });
});
