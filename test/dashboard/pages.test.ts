// The dashboard's pages as pure renders of a view: what a person must find on them
// (the figures, the verdict, the switch and its history, v1 left and v2 right, the
// divergent field marked, secrets shown as redacted), the accessibility basics, and
// that whatever an origin answered is escaped.
import { describe, expect, it } from "vitest";
import { RoutesPage } from "../../src/dashboard/routes-page";
import { RoutePage } from "../../src/dashboard/route-page";
import { LoginPage } from "../../src/dashboard/login-page";
import { dashboardView, verdictReasons } from "../../src/dashboard/view-model";
import { curlOf, ExamplePage } from "../../src/dashboard/example-page";
import { ResetPage } from "../../src/dashboard/reset-page";
import type { RouteTable } from "../../src/routing/table";
import { testRoute } from "../support/test-route";
import { compared, fixtureView, NOW } from "./fixture";

const routesPage = (view = fixtureView()) => String(RoutesPage({ view, nonce: "n0nce" }));
const routePage = (view = fixtureView(), route = "api/users") => String(RoutePage({ view, route, nonce: "n0nce" }));
/** The text of a page without its tags, whitespace collapsed: what a reader sees. */
const visible = (html: string) => html.replace(/<wbr\/?>/g, "").replace(/<style[\s\S]*?<\/style>|<script[\s\S]*?<\/script>/g, "").replace(/<[^>]+>/g, " ").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&").replace(/\s+/g, " ");

describe("the routes page", () => {
  const html = routesPage();
  const text = visible(html);

  it("has one row per mirror with the figures the issue lists", () => {
    expect(text).toContain("api/users api-origin/v1 → api-origin/v2 100 % 1,240 / 1,180 50 % 47.15 %–52.85 % fail divergence above the 1 % limit (at least 47.15 %) v1 13.5 ms / 45.3 ms v2 19 ms / 181 ms");
    expect(text).toContain("v1 200 99.6 % · 404 0.4 % v2 200 99.2 % · 503 0.8 %");
    expect(text).toContain("connect_failed 3 error timeout 1 error body_too_large 12 skipped");
    expect(text).toContain("httpbin/http[0] httpbin/v1 90 % httpbin/v3 10 % → httpbin/v2 0 % of 50 %");
    expect(text).toContain("not compared");
    expect(html).toContain('<span class="badge fail">fail</span>');
  });

  it("links each route to its page", () => {
    expect(html).toContain('href="/__edge-mirror/route?name=api%2Fusers"');
    expect(html).toContain('href="/__edge-mirror/route?name=httpbin%2Fhttp%5B0%5D"');
  });

  it("shows the switch: on, a global pause, a cap form, a resume for the paused route, and the history with who and when", () => {
    expect(text).toContain("Mirroring network-wide: on");
    expect(html).toMatch(/<form method="post" action="\/__edge-mirror\/mirroring" class="inline"><input type="hidden" name="percentCap" value="0"\/><input type="hidden" name="back" value="\/__edge-mirror\/"\/><button type="submit" class="stop">Pause all mirroring<\/button><\/form>/);
    expect(html).toContain('aria-label="Resume mirroring of httpbin/http[0]"');
    expect(html).toContain('aria-label="Pause mirroring of api/users"');
    expect(text).toContain("2026-11-25 14:20:00 UTC alice httpbin/http[0] paused");
    expect(text).toContain("2026-11-25 13:30:00 UTC bob every route cap removed");
  });

  it("says paused when the global cap is 0, and offers to resume", () => {
    const paused = visible(routesPage(fixtureView({ switch: { percentCap: 0, routes: {}, changes: [] } })));
    expect(paused).toContain("Mirroring network-wide: paused");
    expect(paused).toContain("Resume all mirroring");
  });

  it("accessibility basics: one h1, a language, column and row headers, a labelled input, a named scroll region", () => {
    expect(html.match(/<h1[ >]/g)).toHaveLength(1);
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1"/>');
    expect(html.match(/<th scope="col"/g)!.length).toBeGreaterThanOrEqual(10);
    expect(html.match(/<th scope="row"/g)).toHaveLength(2);
    expect(html).toContain('<label for="global-cap">Cap every mirror at</label>');
    expect(html).toContain('id="global-cap"');
    expect(html).toContain('role="region" aria-labelledby="routes-heading" tabindex="0"');
  });

  it("the inline style and script carry the response's nonce", () => {
    expect(html).toContain('<style nonce="n0nce">');
    expect(html).toContain('<script nonce="n0nce">');
  });
});

describe("a route's page", () => {
  const html = routePage();
  const text = visible(html);

  it("shows the example pair with v1 on the left and v2 on the right, each labelled", () => {
    const v1 = html.indexOf("<h4>v1 (primary, answered the client)</h4>");
    const v2 = html.indexOf("<h4>v2 (mirror)</h4>");
    expect(v1).toBeGreaterThan(0);
    expect(v2).toBeGreaterThan(v1);
    const left = html.slice(v1, v2);
    const right = html.slice(v2);
    expect(left).toContain("<mark>&quot;pro&quot;</mark>");
    expect(right).toContain("<mark>&quot;free&quot;</mark>");
    expect(left).not.toContain("free");
  });

  it("marks only the divergent fields; noise is shown but not marked; a field absent on one side says so", () => {
    expect(html.match(/<mark>/g)).toHaveLength(2);
    expect(text).toContain("/body/servedAt value, noise");
    expect(text).toContain("/body/user/plan value, divergent");
    expect(text).toContain("(absent)");
  });

  it("shows redacted values as redacted", () => {
    expect(html).toContain('<span class="redacted">&quot;[redacted]&quot; (redacted: never leaves the worker)</span>');
  });

  it("has the field tree, the flags, and the charts as labelled SVG", () => {
    expect(text).toContain("/body/user/plan value 590 0 divergent");
    expect(text).toContain("/body/servedAt value 1,180 118 noise");
    expect(text).toContain("v2's p99 is 181 ms, v1's 45 ms");
    const charts = html.match(/<svg viewBox="0 0 480 220" role="img" aria-label="[^"]+"/g);
    // the last hour (the default range): shadows, divergence and shift per minute, then latency
    expect(charts).toHaveLength(4);
    expect(charts![0]).toContain("Shadows per minute: 12 buckets");
    expect(charts![1]).toContain("Divergence over time: 12 time buckets");
    expect(charts![2]).toContain("Mean latency shift per minute: 12 buckets");
    expect(charts![3]).toContain("v1 p50 13.5 ms, p99 45.3 ms; v2 p50 19 ms, p99 181 ms");
    expect(html.match(/<circle /g)).toHaveLength(4 * 12 + 12 + 12);
    expect(html.match(/<rect x=/g)).toHaveLength(20);
  });

  it("has the Where card (issue 21 item 3): colo, country and protocol tables with divergence and shift, escaped", () => {
    const card = html.slice(html.indexOf('<section class="where"'));
    expect(card.indexOf("<h3")).toBeGreaterThan(0);
    for (const caption of ["By Cloudflare colo", "By country", "By HTTP protocol"]) expect(card).toContain(`>${caption}</caption>`);
    const cardText = visible(card.slice(0, card.indexOf("</section>")));
    expect(cardText).toContain("LHR 700 84.29 % 81.4–86.8 +49 ms 45 – 54");
    expect(cardText).toContain("SJC 480 0 % 0–0.8 +0.5 ms 0 – 1");
    expect(cardText).toContain("HTTP/3 1,180 50 % 47.2–52.9 -3 ms -4 – -2");
    expect(cardText).toContain("&lt;b&gt;US&lt;/b&gt; 480 0 % 0–0.8 –");
    expect(card).not.toContain("<b>US");
    expect(html.match(/<section class="where"/g)).toHaveLength(1);
  });

  it("the Where card says when nothing was split yet (or the report predates it)", () => {
    const view = fixtureView();
    const { where: _, ...older } = compared;
    view.rows[0]!.report = older as typeof compared;
    expect(visible(routePage(view))).toContain("Nothing compared yet by colo, country or protocol.");
  });

  it("shows the range picked (issue 21 item 6): hour by minute, day and week by hour, with per-field trends", () => {
    expect(text).toContain("In the last hour: 1,248 mirrored, 1,200 compared, 3 shadow errors, 12 skipped, 460 divergent (38.33 %), mean shift +5 ms.");
    expect(html).toContain('<a href="/__edge-mirror/route?name=api%2Fusers&amp;range=hour" aria-current="page">Last hour</a>');
    const day = visible(String(RoutePage({ view: fixtureView(), route: "api/users", nonce: "n", range: "day" })));
    // 24 of the fixture's 30 hours are within the day
    expect(day).toContain("In the last day: 984 mirrored, 960 compared, 0 shadow errors, 24 skipped, 200 divergent (20.83 %), mean shift +2.1 ms.");
    const week = String(RoutePage({ view: fixtureView(), route: "api/users", nonce: "n", range: "week" }));
    expect(week).toContain("Shadows per hour: 30 buckets");
    expect(week).toContain('aria-label="/body/user/plan: 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20"');
    expect(week).toContain(`<td class="n">200</td>`);
  });

  it("links each example to its full view, and offers Reset counts", () => {
    expect(html).toContain(`href="/__edge-mirror/example?name=api%2Fusers&amp;mirror=api-origin%2Fv2&amp;request=0873de25-1c1e-4b6e-9a3e-5a1c0f3b2d10&amp;at=${NOW - 2 * 60_000}"`);
    expect(html).toContain('href="/__edge-mirror/reset?name=api%2Fusers"');
  });

  it("has the per-endpoint table (issue 21 item 2): endpoint, compared, divergence and interval, shift, verdict, failing first", () => {
    const html = routePage();
    const text = visible(html);
    expect(html).toContain('<h3 id="m-api-origin-v2-endpoints">Endpoints</h3>');
    expect(text).toContain("GET /users/{id} 1,100 53.64 % 50.7–56.6 +5 ms fail");
    expect(text).toContain("GET /users/me 80 0 % 0–4.6 0 ms inconclusive");
    expect(text.indexOf("GET /users/{id} 1,100")).toBeLessThan(text.indexOf("GET /users/me 80"));
    expect(text).toContain("Divergent: with its 95 % interval (percent). Shift: v2 − v1 per request (Hodges–Lehmann). Any failing endpoint fails the route; one with fewer than 200 compared requests cannot hold a pass back.");
    // A report from a worker older than endpoints: no table, no error.
    const { endpoints: _, ...old } = compared;
    const view = fixtureView();
    const older = { ...view, rows: view.rows.map((r) => (r.report ? { ...r, report: old as typeof compared } : r)) };
    expect(routePage(older)).not.toContain("Endpoints</h3>");
  });

  it("a mirror without comparison says how to turn it on", () => {
    expect(visible(routePage(fixtureView(), "httpbin/http[0]"))).toContain("This mirror's answers are not compared: add a compare block");
  });

  it("escapes whatever an origin answered", () => {
    const hostile = { ...compared, examples: [{ ...compared.examples[0]!, differences: [{ path: "/body/x", kind: "value" as const, v1: '"<img src=x onerror=alert(1)>"', v2: "</style><script>alert(2)</script>" }] }] };
    const view = fixtureView();
    view.rows[0]!.report = hostile;
    const page = routePage(view);
    expect(page).not.toContain("<img src=x");
    expect(page).not.toContain("<script>alert(2)");
    expect(page).toContain("&lt;img src=x onerror=alert(1)&gt;");
  });
});

describe("the login page", () => {
  it("labels its one input and says why a sign-in failed", () => {
    const html = String(LoginPage({ nonce: "n", failed: true, next: "/__edge-mirror/route?name=a%2Fb" }));
    expect(html).toContain('<label for="token">Admin token</label>');
    expect(html).toContain('role="alert"');
    expect(html).toContain('name="next" value="/__edge-mirror/route?name=a%2Fb"');
    expect(html).not.toContain("<script");
  });
});

describe("dashboardView", () => {
  const v1 = { cluster: { name: "svc/v1", origins: ["http://v1"] }, weight: 1 };
  const table: RouteTable = {
    version: 1,
    source: "test",
    virtualHosts: [
      {
        name: "api",
        routes: [
          testRoute("api/users", { destinations: [v1], totalWeight: 1, mirrors: [{ cluster: { name: "svc/v2", origins: ["http://v2"] }, perMillion: 500_000 }, { cluster: { name: "svc/v3", origins: ["http://v3"] }, perMillion: 1_000_000 }] }),
          testRoute("api/plain", { destinations: [v1], totalWeight: 1 }),
        ],
      },
    ],
    hosts: { exact: {}, wildcards: [] },
  };

  it("one row per mirror of each mirrored route, with the percentage in force after both caps, and its report", () => {
    const report = { generatedAt: new Date(NOW).toISOString(), routes: [{ ...compared, virtualService: "api", route: "users", mirror: "svc/v3" }] };
    const view = dashboardView(table, report, { percentCap: 40, routes: { "api/users": 30 }, changes: [] }, { perMillion: 200_000 }, "alice", NOW);
    expect(view.rows.map((r) => [r.route, r.mirror, r.configuredPercent, r.inForcePercent, r.routeCap, r.report?.mirror])).toEqual([
      ["api/users", "svc/v2", 50, 20, 30, undefined],
      ["api/users", "svc/v3", 100, 20, 30, "svc/v3"],
    ]);
  });

  it("without caps the percentage in force is routes.yaml's", () => {
    const view = dashboardView(table, { generatedAt: new Date(NOW).toISOString(), routes: [] }, { routes: {}, changes: [] }, { perMillion: 1_000_000 }, "alice", NOW);
    expect(view.rows.map((r) => r.inForcePercent)).toEqual([50, 100]);
  });
});

describe("captures on the dashboard (MirrorPolicy capture, issue 20)", () => {
  const counts = { virtualService: "api", route: "users", percent: 1, maxBodyBytes: 65536, ttlDays: 7, captured: 1234, dropped: { too_large: 2, bucket_error: 0, memory_budget: 5 } };
  const view = fixtureView({ captures: [{ route: "api/users", percent: 1, counts }, { route: "api/orders", percent: 0.5 }] });

  it("the front page lists every captured route with what it captured and dropped, by reason", () => {
    const text = visible(routesPage(view));
    expect(text).toContain("Captures");
    expect(text).toContain("api/users 1 % 1,234 too_large 2, memory_budget 5");
    expect(text).toContain("api/orders 0.5 % – –");
  });

  it("a route's page shows its own captures only", () => {
    const text = visible(routePage(view, "api/users"));
    expect(text).toContain("too_large 2, memory_budget 5");
    expect(text).not.toContain("api/orders");
  });

  it("no captured route: no Captures section", () => {
    expect(visible(routesPage(fixtureView()))).not.toContain("Captures");
  });

  it("dashboardView lists the table's captured routes and matches the report's counts to them", () => {
    const table: RouteTable = {
      version: 1,
      source: "t",
      hosts: { exact: {}, wildcards: [] },
      virtualHosts: [{ name: "api", routes: [testRoute("api/users", { shadow: { ...testRoute("x").shadow, capture: { perMillion: 10_000, maxBodyBytes: 1, redact: [], ttlDays: 7 } } }), testRoute("api/plain")] }],
    };
    const v = dashboardView(table, { generatedAt: "", routes: [], captures: [counts] }, { routes: {}, changes: [] }, { perMillion: 1_000_000 }, "alice", NOW);
    expect(v.captures).toEqual([{ route: "api/users", percent: 1, counts }]);
  });
});

describe("one example in full (issue 21 item 6)", () => {
  const example = { ...compared.examples[0]!, v1Status: 200, v2Status: 503, origin: "https://api.test", contentType: "application/json", traceId: "4bf92f3577b34da6a3ce929d0e0e4736" };
  const row = fixtureView().rows[0]!;
  const html = String(ExamplePage({ row, example, nonce: "n", who: "alice" }));
  const text = visible(html);

  it("gives the request: method, path, both status codes, request id, trace id, time", () => {
    expect(text).toContain("Example: GET /users/7");
    expect(text).toContain("Status v1 / v2 200 / 503");
    expect(text).toContain("Request id 0873de25-1c1e-4b6e-9a3e-5a1c0f3b2d10");
    expect(text).toContain("Trace id 4bf92f3577b34da6a3ce929d0e0e4736");
    expect(text).toContain("When 2026-11-25 14:28:00 UTC");
  });

  it("shows every differing field, v1 left and v2 right, redacted values as such", () => {
    for (const d of example.differences) expect(html).toContain(d.path.split("/").at(-1)!);
    expect(html.indexOf("v1 (primary, answered the client)")).toBeLessThan(html.indexOf("v2 (mirror)"));
    expect(html).toContain("(redacted: never leaves the worker)");
  });

  it("copy-as-curl: method, origin, path, Content-Type; never a query, credential or body", () => {
    expect(curlOf(example)).toBe("curl -X GET 'https://api.test/users/7' \\\n  -H 'content-type: application/json'");
    expect(html).toContain('<pre id="curl"');
    expect(html).toContain('<button type="button" data-copy="curl" hidden="">');
    expect(text).toContain("Authorization and Cookie among them");
    // a quote in a stored value cannot end the shell word
    expect(curlOf({ ...example, path: "/a'b", contentType: undefined })).toBe("curl -X GET 'https://api.test/a'\\''b'");
  });
});

describe("the reset's confirmation", () => {
  it("is a same-origin POST form naming the route, with a way back", () => {
    const html = String(ResetPage({ route: "api/users", nonce: "n", who: "alice" }));
    expect(html).toContain('<form method="post" action="/__edge-mirror/reset" class="row"><input type="hidden" name="route" value="api/users"/>');
    expect(html).toContain('href="/__edge-mirror/route?name=api%2Fusers">Cancel</a>');
  });
});

describe("verdict reasons in words (issue 21 item 6)", () => {
  const gate = { maxDivergencePercent: 1, minCompared: 200 };
  const base = { compared: 0, divergent: 0, confidenceInterval: { low: 0, high: 100 }, gate, latencyShiftMs: { estimate: null, low: null, high: null, n: 0 } };
  it("names the limit, the requests still needed, or the straddle", () => {
    expect(verdictReasons({ ...base, compared: 60, divergent: 50, confidenceInterval: { low: 71.6, high: 90.7 }, verdict: "fail" })).toEqual(["divergence above the 1 % limit (at least 71.6 %)"]);
    expect(verdictReasons({ ...base, compared: 400, confidenceInterval: { low: 0, high: 0.95 }, verdict: "pass" })).toEqual(["divergence within the 1 % limit (at most 0.95 %)"]);
    expect(verdictReasons({ ...base, compared: 2, confidenceInterval: { low: 0, high: 65.8 }, verdict: "inconclusive" })).toEqual(["divergence 0 %–65.8 % straddles the 1 % limit; 2 of 200 needed"]);
    expect(verdictReasons({ ...base, compared: 150, gate: { ...gate, maxDivergencePercent: 5 }, confidenceInterval: { low: 0, high: 2.5 }, verdict: "inconclusive" })).toEqual(["150 of 200 compared requests needed"]);
  });
  it("names the failing endpoint when an endpoint fails the route (the dilution case: the route's own divergence straddles the limit)", () => {
    const endpoint = (name: string, compared: number, divergent: number, verdict: "pass" | "fail" | "inconclusive", low: number, high: number) => ({
      endpoint: name, compared, divergent, noiseSamples: 0, divergencePercent: compared ? (100 * divergent) / compared : null,
      confidenceInterval: { low, high }, latencyShiftMs: base.latencyShiftMs, verdict, fields: [], fieldsOmitted: 0,
    });
    const diluted = { ...base, compared: 2420, divergent: 20, confidenceInterval: { low: 0.54, high: 1.27 }, verdict: "fail" as const };
    const orders = endpoint("GET /orders/{id}", 20, 20, "fail", 83.9, 100);
    const users = endpoint("GET /users", 2400, 0, "pass", 0, 0.16);
    expect(verdictReasons({ ...diluted, endpoints: [orders, users] })).toEqual(["endpoint GET /orders/{id} fails (100 % of 20)"]);
    expect(verdictReasons({ ...diluted, endpoints: [orders, { ...orders, endpoint: "GET /carts/{id}" }, users] })).toEqual(["endpoint GET /orders/{id} fails (100 % of 20) and 1 more endpoint"]);
    // a route that would pass waits on an endpoint with enough requests that is not decided
    const held = { ...base, compared: 2600, divergent: 3, confidenceInterval: { low: 0.04, high: 0.34 }, verdict: "inconclusive" as const };
    expect(verdictReasons({ ...held, endpoints: [endpoint("GET /orders/{id}", 200, 3, "inconclusive", 0.51, 4.3), users] })).toEqual(["endpoint GET /orders/{id} is not decided yet (0.51 %–4.3 %)"]);
  });
  it("and the latency shift's limit when the gate has one", () => {
    const g = { ...gate, maxLatencyShiftMs: 20 };
    expect(verdictReasons({ ...base, gate: g, compared: 400, confidenceInterval: { low: 0, high: 0.95 }, latencyShiftMs: { estimate: 50, low: 49, high: 51, n: 400 }, verdict: "fail" })).toEqual(["latency shift above 20 ms (at least 49 ms)"]);
    expect(verdictReasons({ ...base, gate: g, compared: 400, confidenceInterval: { low: 0, high: 0.95 }, latencyShiftMs: { estimate: 1, low: 0, high: 2, n: 400 }, verdict: "pass" })).toEqual([
      "divergence within the 1 % limit (at most 0.95 %)",
      "latency shift within 20 ms (at most 2 ms)",
    ]);
  });
});
