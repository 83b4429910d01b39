// The route page's history and its tools (issue 21 item 6), in headless Chromium
// against the worker as deployed (src/index.ts in workerd) and recording origins
// whose v2 differs from v1 in one field: the range picker (plain links), the
// examples refreshed and opened in full with a redacted copy-as-curl, "Reset counts"
// with its confirmation (then the counts are gone), the routes page's verdict
// reasons; at a desktop's and a phone's width, and the reset with JavaScript off.
// Screenshots go to test-artifacts/history-*.png.
import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { compileOrThrow } from "../../src/config/compile";
import { startOrigin, type Origin } from "../../devkit/origin";
import { startWorker, type WorkerStack } from "../support/worker-stack";
import { chromiumLaunch } from "../../devkit/chromium";
import { keepScreenshot } from "../support/screenshot";

const TOKEN = "history-test-secret";
const HOST = "api.test";
const FIRST = 30;

const routes = (v1: number, v2: number) => `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: api}
spec:
  hosts: [${HOST}]
  http:
  - name: users
    match: [{uri: {prefix: /compare/demo}}]
    route: [{destination: {host: api-origin, subset: v1}}]
    mirror: {host: api-origin, subset: v2}
---
apiVersion: edge-mirror.dev/v1alpha1
kind: MirrorPolicy
metadata: {name: users-compare}
spec:
  targetRef: {virtualService: api, route: users}
  compare:
    # Every compared request also gets a second v1 call, so the time stamp and nonce are
    # known as noise whatever the draw (at the default 10 %, 30 requests draw no noise
    # sample 4 % of the time, and those fields would count as divergent).
    noisePercent: 100
    gate: {maxDivergencePercent: 1, minCompared: 20}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: api-origin}
spec:
  host: api-origin
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: api-origin}
spec:
  hosts: [api-origin]
  resolution: STATIC
  ports: [{number: 80, name: http, protocol: HTTP}]
  endpoints:
  - {address: 127.0.0.1, ports: {http: ${v1}}, labels: {version: v1}}
  - {address: 127.0.0.1, ports: {http: ${v2}}, labels: {version: v2}}
`;

let v1: Origin;
let v2: Origin;
let worker: WorkerStack;
let browser: Browser;
let counter = 0;
const ROUTE_PAGE = () => `${worker.url}/__edge-mirror/route?name=${encodeURIComponent("api/users")}`;

beforeAll(async () => {
  const launch = await chromiumLaunch();
  v1 = await startOrigin({ name: "v1" });
  v2 = await startOrigin({ name: "v2" });
  worker = await startWorker(compileOrThrow(routes(v1.port, v2.port), "history.routes.yaml"), { EDGE_MIRROR_ADMIN_TOKEN: `alice:${TOKEN}` });
  browser = await chromium.launch(launch);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await worker?.close();
  await Promise.all([v1?.close(), v2?.close()]);
});

/** A client's request through the worker with credentials and a query the page must never show. */
function get(path: string): Promise<string> {
  const id = `history-${++counter}`;
  return new Promise((resolve, reject) => {
    const headers = { host: HOST, "x-request-id": id, authorization: "Bearer client-secret-token", cookie: "sid=client-cookie-value", "content-type": "application/json" };
    const req = httpRequest({ host: "127.0.0.1", port: worker.port, path, headers }, (res) => {
      res.resume();
      res.on("end", () => resolve(id));
    });
    req.on("error", reject);
    req.end();
  });
}

async function eventually(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
  expect(check()).toBe(true);
}

async function signIn(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${worker.url}/__edge-mirror/`);
  await page.getByLabel("Admin token").fill(TOKEN);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect.poll(() => page.url()).toBe(`${worker.url}/__edge-mirror/`);
  return page;
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
    await eventually(() => ids.every((id) => v2.records.some((r) => r.headers["x-request-id"] === id)));
    last = ids.at(-1)!;
  });

  it("the routes page gives the verdict's reason in words", async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: worker.url });
    page = await signIn(context);
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
    await eventually(() => more.every((id) => v2.records.some((r) => r.headers["x-request-id"] === id)));
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
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, storageState: await context.storageState() });
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
    await small.goto(`${worker.url}/__edge-mirror/reset?name=${encodeURIComponent("api/users")}`);
    await fits(small, 390);
    await keepScreenshot(small, "history-reset-phone");
    await phone.close();
  });

  it("Reset counts asks first (Cancel keeps them), then forgets them: with JavaScript off", async () => {
    const noScript = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 900 } });
    const p = await signIn(noScript);
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
