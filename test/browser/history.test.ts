// The route page's history and its tools (issue 21 item 6), in headless Chromium
// against the worker as deployed (src/index.ts in workerd) and recording origins
// whose v2 differs from v1 in one field: the range picker (plain links), the
// examples refreshed and opened in full with a redacted copy-as-curl, "Reset counts"
// with its confirmation (then the counts are gone), the routes page's verdict
// reasons; at a desktop's and a phone's width, and the reset with JavaScript off.
// Screenshots go to test-artifacts/history-*.png.
import { request as httpRequest } from "node:http";
import { describe, expect, it } from "vitest";
import type { BrowserContext, Page } from "playwright-core";
import { browserWorld, dashboardRoutes, eventually, HOST, signIn } from "../support/browser-world";
import { keepScreenshot } from "../support/screenshot";

const TOKEN = "history-test-secret";
const FIRST = 30;

const world = browserWorld("history.routes.yaml", TOKEN, dashboardRoutes);
let counter = 0;
const ROUTE_PAGE = () => `${world.worker.url}/__edge-mirror/route?name=${encodeURIComponent("api/users")}`;

/** A client's request through the worker with credentials and a query the page must never show. */
function get(path: string): Promise<string> {
  const id = `history-${++counter}`;
  return new Promise((resolve, reject) => {
    const headers = { host: HOST, "x-request-id": id, authorization: "Bearer client-secret-token", cookie: "sid=client-cookie-value", "content-type": "application/json" };
    const req = httpRequest({ host: "127.0.0.1", port: world.worker.port, path, headers }, (res) => {
      res.resume();
      res.on("end", () => resolve(id));
    });
    req.on("error", reject);
    req.end();
  });
}

const history = (page: Page) => page.locator(".history-sum").first().innerText();
const fits = async (page: Page, width: number) => expect(await page.evaluate<number>("document.documentElement.scrollWidth")).toBeLessThanOrEqual(width);

describe("the route page's history, examples and reset in a browser", () => {
  let context: BrowserContext;
  let page: Page;
  let last = "";

  it("real traffic: every request mirrored to v2", async () => {
    const ids: string[] = [];
    for (let i = 0; i < FIRST; i++) ids.push(await get("/compare/demo?token=query-secret"));
    await eventually(() => ids.every((id) => world.v2.records.some((r) => r.headers["x-request-id"] === id)));
    last = ids.at(-1)!;
  });

  it("the routes page gives the verdict's reason in words", async () => {
    context = await world.browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: world.worker.url });
    page = await signIn(context, world.worker, TOKEN);
    const verdict = page.locator("table.routes tbody tr").first().locator('td[data-label="Verdict"]');
    expect((await verdict.innerText()).replace(/\s+/g, " ")).toMatch(/^fail divergence above the 1 % limit \(at least \d+(\.\d+)? %\)$/);
  });

  it("the range picker: the last hour by minute, then the day and the week by hour, as plain links", async () => {
    await page.goto(ROUTE_PAGE());
    const picker = page.getByRole("navigation", { name: "Time range" });
    expect(await picker.locator('[aria-current="page"]').innerText()).toBe("Last hour");
    // v1 and v2 are the same local origin: the mean shift is a few ms either way
    expect(await history(page)).toMatch(new RegExp(`^In the last hour: ${FIRST} mirrored, ${FIRST} compared, 0 shadow errors, 0 skipped, ${FIRST} divergent \\(100 %\\), mean shift [+-]?\\d+(\\.\\d)? ms\\.$`));
    expect(await page.getByText("Shadows per minute: mirrored, compared, errors, skipped").count()).toBe(1);
    expect(await page.locator("table.trends").getByRole("rowheader").allInnerTexts()).toEqual(["/body/user/plan"]);
    await keepScreenshot(page, "history-route-hour");
    await picker.getByRole("link", { name: "Last week" }).click();
    await expect.poll(() => page.url()).toContain("&range=week");
    expect(await page.getByRole("navigation", { name: "Time range" }).locator('[aria-current="page"]').innerText()).toBe("Last week");
    expect(await history(page)).toMatch(new RegExp(`^In the last week: ${FIRST} mirrored, ${FIRST} compared`));
    expect(await page.getByText("Shadows per hour: mirrored, compared, errors, skipped").count()).toBe(1);
    await keepScreenshot(page, "history-route-week");
    await page.getByRole("navigation", { name: "Time range" }).getByRole("link", { name: "Last day" }).click();
    await expect.poll(() => page.url()).toContain("&range=day");
  });

  it("examples are the latest, and one opens in full with a redacted copy-as-curl", async () => {
    // More traffic after the first burst: the page shows the newest request's example.
    const more: string[] = [];
    for (let i = 0; i < 5; i++) more.push(await get("/compare/demo?token=query-secret"));
    await eventually(() => more.every((id) => world.v2.records.some((r) => r.headers["x-request-id"] === id)));
    await page.goto(ROUTE_PAGE());
    const first = page.getByRole("article").first();
    // the three latest requests (EXAMPLES_PER_PATH), newest first; none of the first burst
    const shown = async () => (await page.getByRole("article").allInnerTexts()).map((t) => t.match(/request id (history-\d+)/)?.[1]);
    expect(await shown()).toEqual(more.slice(-3).reverse());
    expect(await shown()).not.toContain(last);
    await first.getByRole("link", { name: "Full view and curl" }).click();
    await expect.poll(() => page.getByRole("heading", { level: 1 }).innerText()).toBe("Example: GET /compare/demo");
    const term = (name: string) => page.locator("dl.figures div", { has: page.getByText(name, { exact: true }) }).locator("dd").innerText();
    expect(await term("Status v1 / v2")).toBe("200 / 200");
    expect(await term("Request id")).toBe(more.at(-1));
    const curl = await page.locator("pre#curl").innerText();
    expect(curl).toBe(`curl -X GET 'http://${HOST}/compare/demo' \\\n  -H 'content-type: application/json'`);
    const html = await page.content();
    for (const secret of ["client-secret-token", "client-cookie-value", "query-secret"]) expect(html).not.toContain(secret);
    // every differing field, v1 left and v2 right
    const left = page.locator(".pair section.v1");
    const right = page.locator(".pair section.v2");
    expect(await left.locator("mark").allInnerTexts()).toEqual(['"free"']);
    expect(await right.locator("mark").allInnerTexts()).toEqual(['"Free"']);
    // the copy button (script) puts the very text on the clipboard
    await page.getByRole("button", { name: "Copy as curl" }).click();
    await expect.poll(() => page.getByRole("button", { name: /Copied|Select the text/ }).innerText()).toBe("Copied");
    expect(await page.evaluate<string>("navigator.clipboard.readText()")).toBe(curl);
    await keepScreenshot(page, "history-example");
  });

  it("at a phone's width the route page in each range, the example and the confirmation fit the screen", async () => {
    const phone = await world.browser.newContext({ viewport: { width: 390, height: 844 }, storageState: await context.storageState() });
    const small = await phone.newPage();
    for (const range of ["hour", "week"]) {
      await small.goto(`${ROUTE_PAGE()}&range=${range}`);
      await fits(small, 390);
      await keepScreenshot(small, `history-route-${range}-phone`);
    }
    await small.getByRole("article").first().getByRole("link", { name: "Full view and curl" }).click();
    await expect.poll(() => small.getByRole("heading", { level: 1 }).innerText()).toBe("Example: GET /compare/demo");
    await fits(small, 390);
    await keepScreenshot(small, "history-example-phone");
    await small.goto(`${world.worker.url}/__edge-mirror/reset?name=${encodeURIComponent("api/users")}`);
    await fits(small, 390);
    await keepScreenshot(small, "history-reset-phone");
    await phone.close();
  });

  it("Reset counts asks first (Cancel keeps them), then forgets them: with JavaScript off", async () => {
    const noScript = await world.browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 900 } });
    const p = await signIn(noScript, world.worker, TOKEN);
    await p.goto(ROUTE_PAGE());
    await p.getByRole("link", { name: "Reset counts" }).click();
    await expect.poll(() => p.getByRole("heading", { level: 1 }).innerText()).toBe("Reset the counts of api/users?");
    await keepScreenshot(p, "history-reset-confirm");
    await p.getByRole("link", { name: "Cancel" }).click();
    await expect.poll(() => history(p)).toMatch(new RegExp(`^In the last hour: ${FIRST + 5} mirrored`));
    await p.getByRole("link", { name: "Reset counts" }).click();
    await p.getByRole("button", { name: "Reset counts" }).click();
    await expect.poll(() => p.url()).toBe(ROUTE_PAGE());
    expect(await history(p)).toBe("In the last hour: 0 mirrored, 0 compared, 0 shadow errors, 0 skipped, 0 divergent (–), mean shift –.");
    const figure = (name: string) => p.locator("dl.figures div", { has: p.getByText(name, { exact: true }) }).locator("dd").innerText();
    expect(await figure("Compared")).toBe("0");
    expect(await p.getByText("No example kept yet.").count()).toBe(1);
    await keepScreenshot(p, "history-after-reset");
    await noScript.close();
    await context.close();
  });
});
