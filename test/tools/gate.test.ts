// `npm run gate`: exit codes 0 pass, 1 fail, 2 usage or connection problems, 3
// inconclusive, against a stand-in for the worker's report endpoint (the real
// worker is gated in test/edge/compare-persistence.test.ts), and what it decides.
import { execFile } from "node:child_process";
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { routeReport, type RouteReport } from "../../src/compare/report";
import { addCompared, addShadow, emptyTally, type Tally } from "../../src/compare/tally";
import { gateLines, judge } from "../../src/tools/gate-judge";

const TOKEN = "gate-test-token";

/** A route's report after `compared` requests of which `divergent` differed at /body/plan. */
function route(name: string, compared: number, divergent: number, extra: (t: Tally) => void = () => {}): RouteReport {
  const t = emptyTally();
  for (let i = 0; i < compared; i++) {
    addShadow(t, {});
    const differences = i < divergent ? [{ path: "/body/plan", kind: "value" as const }] : [];
    addCompared(t, {
      outcome: { v1Status: 200, v2Status: 200, differences, reported: differences.map((d) => d.path), example: [] },
      v1Ms: 5,
      v2Ms: 5,
      example: { requestId: `r${i}`, method: "GET", path: "/", at: i },
    });
  }
  extra(t);
  return routeReport({ virtualService: "api", route: name, mirror: "api/v2" }, t, { gate: { maxDivergencePercent: 1, minCompared: 200 }, ignore: [] });
}

/** 500 compared requests, v2 answering about 50 ms after v1 (v1 100–106 ms, v2 150–154 ms): no p99 flag, a clear shift. */
function lagging(): RouteReport {
  const t = emptyTally();
  for (let i = 0; i < 500; i++) {
    addShadow(t, {});
    addCompared(t, {
      outcome: { v1Status: 200, v2Status: 200, differences: [], reported: [], example: [] },
      v1Ms: 100 + (i % 7),
      v2Ms: 150 + (i % 5),
      example: { requestId: `r${i}`, method: "GET", path: "/", at: i },
    });
  }
  return routeReport({ virtualService: "api", route: "lagging", mirror: "api/v2" }, t, { gate: { maxDivergencePercent: 1, minCompared: 200 }, ignore: [] });
}

const ROUTES: Record<string, RouteReport> = {
  "api/healthy": route("healthy", 500, 0),
  "api/broken": route("broken", 60, 50),
  "api/young": route("young", 20, 0),
  "api/slow": route("slow", 500, 0, (t) => {
    t.latency.v2 = { ...t.latency.v1 };
    t.latency.v2["40"] = 20; // 20 of 500 at ~1 s: v2's p99 far above v1's
  }),
  "api/lagging": lagging(),
};

let server: Server;
let url = "";
/** A server that answers 404 to everything, as a worker without EDGE_MIRROR_ADMIN_TOKEN does under /__edge-mirror/. */
let bare: Server;
let bareUrl = "";
/** A port nothing listens on any more. */
let closedUrl = "";
const seen: { authorization?: string; route: string | null }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const u = new URL(req.url ?? "/", "http://x");
    seen.push({ authorization: req.headers.authorization, route: u.searchParams.get("route") });
    if (u.pathname !== "/__edge-mirror/api/report") return void res.writeHead(404).end("not found\n");
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return void res.writeHead(401).end("unauthorized\n");
    const only = u.searchParams.get("route");
    const routes = only === null ? Object.values(ROUTES) : ROUTES[only] ? [ROUTES[only]!] : undefined;
    if (!routes) return void res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: `no compared route named "${only}"` }));
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ generatedAt: new Date().toISOString(), routes }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  bare = createServer((_, res) => void res.writeHead(404, { "content-type": "text/plain" }).end("not found\n"));
  await new Promise<void>((resolve) => bare.listen(0, "127.0.0.1", resolve));
  bareUrl = `http://127.0.0.1:${(bare.address() as { port: number }).port}`;
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
  closedUrl = `http://127.0.0.1:${(closed.address() as { port: number }).port}`;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await new Promise<void>((resolve) => bare.close(() => resolve()));
});

function gate(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", "src/tools/gate.ts", ...args], { encoding: "utf8", env: { ...process.env, EDGE_MIRROR_ADMIN_TOKEN: "", ...env } }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
}

// Each case starts the CLI (node + tsx) up to three times: on a shared, loaded machine that takes
// more than vitest's default 5 s, which says nothing about the gate.
describe("npm run gate: exit codes", { timeout: 30_000 }, () => {
  it("0 when the route passes, with one line saying why", async () => {
    const { code, stdout, stderr } = await gate(["--url", url, "--token", TOKEN, "--route", "api/healthy"]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout).toMatch(/^PASS +api\/healthy → api\/v2: 0 of 500 compared diverge \(0 %, 95 % CI 0–0\.7\d* %, limit 1 %\)/);
    expect(stdout).toContain("gate: pass (1 pass, 0 fail, 0 inconclusive)");
    expect(seen.at(-1)).toEqual({ authorization: `Bearer ${TOKEN}`, route: "api/healthy" });
  });

  it("1 when a route fails, naming the divergent field; any fail fails the run", async () => {
    const one = await gate(["--url", url, "--token", TOKEN, "--route", "api/broken"]);
    expect(one.code).toBe(1);
    expect(one.stdout).toContain("FAIL         api/broken → api/v2: 50 of 60 compared diverge");
    expect(one.stdout).toContain("divergent: /body/plan");
    expect((await gate(["--url", url, "--token", TOKEN])).code).toBe(1);
  });

  it("1 when v2's p99 is flagged, unless --ignore-flags", async () => {
    const flagged = await gate(["--url", url, "--token", TOKEN, "--route", "api/slow"]);
    expect(flagged.code).toBe(1);
    expect(flagged.stdout).toContain("v2's p99 is");
    expect((await gate(["--url", url, "--token", TOKEN, "--route", "api/slow", "--ignore-flags"])).code).toBe(0);
  });

  it("3 when there is not enough evidence; --min-compared and --max-divergence override the route's gate", async () => {
    const young = await gate(["--url", url, "--token", TOKEN, "--route", "api/young"]);
    expect(young.code).toBe(3);
    expect(young.stdout).toContain("20 of the 200 compared requests needed");
    expect((await gate(["--url", url, "--token", TOKEN, "--route", "api/young", "--min-compared", "10", "--max-divergence", "20"])).code).toBe(0);
    expect((await gate(["--url", url, "--token", TOKEN, "--route", "api/healthy", "--min-compared", "1000"])).code).toBe(3);
  });

  it("--max-latency-shift judges v2's paired latency shift: 1 above the limit, 0 at or below it", async () => {
    const plain = await gate(["--url", url, "--token", TOKEN, "--route", "api/lagging"]);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/latency shift 49(\.\d+)? ms \(95 % CI 4\d(\.\d+)?–\d+(\.\d+)? ms, n 500\)/);
    const slow = await gate(["--url", url, "--token", TOKEN, "--route", "api/lagging", "--max-latency-shift", "20"]);
    expect(slow.code).toBe(1);
    expect(slow.stdout).toContain("v2 slower by more than 20 ms even at the shift interval's low end");
    expect((await gate(["--url", url, "--token", TOKEN, "--route", "api/lagging", "--max-latency-shift", "100"])).code).toBe(0);
    const bad = await gate(["--url", url, "--token", TOKEN, "--max-latency-shift", "-5"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--max-latency-shift");
  });

  it("takes the token from EDGE_MIRROR_ADMIN_TOKEN", async () => {
    expect((await gate(["--url", url, "--route", "api/healthy"], { EDGE_MIRROR_ADMIN_TOKEN: TOKEN })).code).toBe(0);
  });

  it.each([
    ["no --url", ["--token", TOKEN], "missing --url"],
    ["no token", ["--url", "URL"], "no token"],
    ["a URL that is not http(s)", ["--url", "ftp://x", "--token", TOKEN], "use http:// or https://"],
    ["a bad percentage", ["--url", "URL", "--token", TOKEN, "--max-divergence", "150"], "is not a percentage"],
    ["a route without a slash", ["--url", "URL", "--token", TOKEN, "--route", "users"], "is not <virtualService>/<route>"],
    ["a wrong token", ["--url", "URL", "--token", "nope"], "refused the token (401)"],
    ["an unknown route", ["--url", "URL", "--token", TOKEN, "--route", "api/nope"], 'no compared route named "api/nope"'],
    ["a worker without the admin paths (no secret set)", ["--url", "BARE/some/path", "--token", TOKEN], "/__edge-mirror/ does not exist: set the secret EDGE_MIRROR_ADMIN_TOKEN"],
    ["nothing listening", ["--url", "CLOSED", "--token", TOKEN], "ECONNREFUSED"],
  ])("2 for %s, without a stack trace", async (_, args, message) => {
    const { code, stdout, stderr } = await gate(args.map((a) => a.replace("URL", url).replace("BARE", bareUrl).replace("CLOSED", closedUrl)));
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toContain(message);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it.each([
    ["nothing listening", ["--url", "CLOSED"], "ECONNREFUSED"],
    ["a wrong token", ["--url", "URL", "--token", "nope"], "refused the token (401)"],
    ["a worker without the admin paths", ["--url", "BARE"], "/__edge-mirror/ does not exist"],
  ])("--json and %s: {verdict: error, exitCode: 2} on stdout, the reason on stderr too", async (_, args, reason) => {
    const { code, stdout, stderr } = await gate([...args.map((a) => a.replace("URL", url).replace("BARE", bareUrl).replace("CLOSED", closedUrl)), ...(args.includes("--token") ? [] : ["--token", TOKEN]), "--json"]);
    expect(code).toBe(2);
    const out = JSON.parse(stdout) as { verdict: string; exitCode: number; error: string; routes: unknown[] };
    expect(out).toEqual({ verdict: "error", exitCode: 2, error: expect.stringContaining(reason), routes: [] });
    expect(stderr).toContain(reason);
  });

  it("--json: one object with the verdict, the exit code and every route", async () => {
    const { code, stdout } = await gate(["--url", url, "--token", TOKEN, "--json"]);
    expect(code).toBe(1);
    const out = JSON.parse(stdout) as { verdict: string; exitCode: number; routes: { route: string; verdict: string; divergentFields: string[] }[] };
    expect(out.verdict).toBe("fail");
    expect(out.exitCode).toBe(1);
    expect(out.routes.map((r) => [r.route, r.verdict])).toEqual([
      ["healthy", "pass"],
      ["broken", "fail"],
      ["young", "inconclusive"],
      ["slow", "fail"],
      ["lagging", "pass"],
    ]);
    expect(out.routes[1]!.divergentFields).toEqual(["/body/plan"]);
  });
});

describe("judge (the gate's decision, pure)", () => {
  it("recomputes the verdict with the overrides, by the same Wilson rule as the worker", () => {
    expect(judge([ROUTES["api/broken"]!]).verdict).toBe("fail");
    expect(judge([ROUTES["api/young"]!]).verdict).toBe("inconclusive");
    expect(judge([ROUTES["api/young"]!], { minCompared: 10, maxDivergencePercent: 20 }).verdict).toBe("pass");
    expect(judge([]).verdict).toBe("inconclusive");
  });

  it("judges the latency shift with the worker's rule (routeVerdict): the route's own limit, or the override", () => {
    const r = ROUTES["api/lagging"]!;
    expect(r.latencyShiftMs.n).toBe(500);
    expect(judge([r], { maxLatencyShiftMs: 20 }).routes[0]).toMatchObject({ verdict: "fail", gate: { maxLatencyShiftMs: 20 }, latencyShiftMs: r.latencyShiftMs });
    expect(judge([{ ...r, gate: { ...r.gate, maxLatencyShiftMs: 20 } }]).verdict).toBe("fail");
    expect(judge([{ ...r, gate: { ...r.gate, maxLatencyShiftMs: 20 } }], { maxLatencyShiftMs: 100 }).verdict).toBe("pass");
    // A report from a worker without the shift: judged inconclusive on latency, not passed.
    const { latencyShiftMs: _, ...old } = r;
    expect(judge([old as RouteReport], { maxLatencyShiftMs: 100 }).verdict).toBe("inconclusive");
  });
});

describe("judge per endpoint (issue 21 item 2: a route fails when any endpoint fails)", () => {
  /** The dilution case: 20 divergent requests to GET /orders/{id}, 2,400 agreeing ones to GET /users/{id}. */
  function diluted(): RouteReport {
    const t = emptyTally();
    const add = (n: number, path: string, differences: { path: string; kind: "value" }[]) => {
      for (let i = 0; i < n; i++) {
        addShadow(t, {});
        addCompared(t, { outcome: { v1Status: 200, v2Status: 200, differences, reported: differences.map((d) => d.path), example: [] }, v1Ms: 5, v2Ms: 5, example: { requestId: `r${i}`, method: "GET", path: `${path}/${i}`, at: i } });
      }
    };
    add(20, "/orders", [{ path: "/body/total", kind: "value" }]);
    add(2400, "/users", []);
    return routeReport({ virtualService: "api", route: "diluted", mirror: "api/v2" }, t, { gate: { maxDivergencePercent: 1, minCompared: 200 }, ignore: [] });
  }

  it("fails the diluted route and names the failing endpoint in its reason, its line and --json's failingEndpoints", () => {
    const result = judge([diluted()]);
    expect(result.verdict).toBe("fail");
    const r = result.routes[0]!;
    expect(r.failingEndpoints).toEqual(["GET /orders/{id}"]);
    expect(r.reason).toMatch(/^endpoint GET \/orders\/\{id\} \(100 % of 20\) failing/);
    expect(gateLines(result)[0]).toContain("endpoint GET /orders/{id} (100 % of 20) failing");
  });

  it("recomputes the endpoints' verdicts under the overrides: a 100 % limit passes the same traffic", () => {
    expect(judge([diluted()], { maxDivergencePercent: 100 })).toMatchObject({ verdict: "pass", routes: [{ failingEndpoints: [] }] });
  });

  it("a report from a worker without endpoints is judged as before", () => {
    const { endpoints: _, ...old } = ROUTES["api/healthy"]!;
    expect(judge([old as RouteReport]).verdict).toBe("pass");
  });
});

