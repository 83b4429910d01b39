// `npm run replay` end to end, as a user runs it (a child process), against real
// loopback targets: the verdict and exit codes (0 pass, 1 fail, 2 usage or
// connection problems, 3 inconclusive), Diffy's noise from a --baseline
// (opendiffy/diffy: a field that v1 changes against itself is noise), what the
// target receives, pacing by --speed, the captures API and --save, and GoReplay's
// format both ways (buger/goreplay docs/Saving-and-Replaying-from-file.md).
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { CaptureRecord } from "../../src/tools/replay-record";

// Each test starts the CLI (tsx) once or a few times: about a second each on a busy machine.
vi.setConfig({ testTimeout: 30_000 });

const TOKEN = "replay-test-token";
const dir = mkdtempSync(join(tmpdir(), "edge-mirror-replay-"));
const ROUTES = join(dir, "routes.yaml");
const CAPTURED_AT = "2026-12-07T08:00:00.000Z";

/** v1's answer for user `id`: what capture stored, and what a live v1 answers (a new servedAt each time). */
function user(id: number, servedAt = CAPTURED_AT, plan = "pro"): string {
  return JSON.stringify({ id, name: `user ${id}`, plan, servedAt });
}

/** A capture of `n` GET /users/<i> requests, `spacingMs` apart, each with v1's answer. */
function records(n: number, spacingMs = 10): CaptureRecord[] {
  const start = Date.parse(CAPTURED_AT);
  return Array.from({ length: n }, (_, i) => {
    const body = user(i);
    return {
      v: 1,
      id: `req-${i}`,
      time: new Date(start + i * spacingMs).toISOString(),
      route: "api/users",
      request: { method: "GET", url: `https://api.example.com/users/${i}?x=${i}`, headers: [["accept", "application/json"]], bodyBytes: 0, bodyTruncated: false },
      response: { status: 200, headers: [["content-type", "application/json"]], body, bodyEncoding: "utf8", bodyBytes: body.length, bodyTruncated: false },
      timing: { headersMs: 12, endMs: 15 },
      where: { colo: "AMS", country: "NL", httpProtocol: "HTTP/2" },
    } satisfies CaptureRecord;
  });
}

function ndjson(rs: CaptureRecord[]): string {
  return rs.map((r) => JSON.stringify(r)).join("\n") + "\n";
}

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

const servers: Server[] = [];
async function serve(handler: (req: Received) => { status?: number; type?: string; body: string }, log?: Received[]): Promise<string> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const received = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString() };
      log?.push(received);
      const { status = 200, type = "application/json", body } = handler(received);
      res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body) }).end(body);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

const idOf = (url: string) => Number(/\/users\/(\d+)/.exec(url)?.[1] ?? -1);
/** v1 as it runs now: the same users, a fresh time stamp each answer. */
let liveV1 = "";
/** v2 with a bug: every user's plan changed. */
let brokenV2 = "";
/** v2 that is fine: only its time stamps differ from the capture. */
let timestampV2 = "";
/** a target that records what it receives and answers as captured */
let recorder = "";
/** v2 that answers as captured, 40 ms after it is asked */
let slowV2 = "";
/** the routes file with a latency-shift limit on api/users (20 ms) */
const ROUTES_SHIFT = join(dir, "routes-shift.yaml");
const received: Received[] = [];
/** the worker's captures API (a stand-in serving the record format) */
let api = "";
const apiQueries: { authorization?: string; query: string }[] = [];
let closedUrl = "";

beforeAll(async () => {
  let answers = 0;
  liveV1 = await serve((r) => ({ body: user(idOf(r.url), new Date(Date.now() + answers++).toISOString()) }));
  brokenV2 = await serve((r) => ({ body: user(idOf(r.url), CAPTURED_AT, "free") }));
  timestampV2 = await serve((r) => ({ body: user(idOf(r.url), new Date(Date.now() + 1234).toISOString()) }));
  recorder = await serve((r) => ({ body: user(idOf(r.url)) }), received);
  const slow = createServer((req, res) => {
    const body = user(idOf(req.url ?? ""));
    req.resume();
    req.on("end", () => setTimeout(() => res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) }).end(body), 40));
  });
  servers.push(slow);
  await new Promise<void>((resolve) => slow.listen(0, "127.0.0.1", resolve));
  slowV2 = `http://127.0.0.1:${(slow.address() as { port: number }).port}`;
  const captured = records(40);
  captured.push({ ...captured[0]!, id: "post-1", request: { ...captured[0]!.request, method: "POST", url: "https://api.example.com/users/1", body: '{"plan":"pro"}', bodyEncoding: "utf8", bodyBytes: 14 } });
  const server = createServer((req, res) => {
    const u = new URL(req.url ?? "/", "http://x");
    apiQueries.push({ authorization: req.headers.authorization, query: u.search });
    if (u.pathname !== "/__edge-mirror/api/captures") return void res.writeHead(404).end("not found\n");
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return void res.writeHead(401).end("unauthorized\n");
    const limit = Number(u.searchParams.get("limit") ?? Infinity);
    const rows = captured.filter((r) => r.route === u.searchParams.get("route")).slice(0, limit);
    res.writeHead(200, { "content-type": "application/x-ndjson" }).end(ndjson(rows));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  api = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
  closedUrl = `http://127.0.0.1:${(closed.address() as { port: number }).port}`;
  await new Promise<void>((resolve) => closed.close(() => resolve()));

  writeFileSync(
    ROUTES,
    `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: api}
spec:
  hosts: [api.example.com]
  http:
  - name: users
    route: [{destination: {host: users-v1}}]
    mirror: {host: users-v2}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: users}
spec:
  hosts: [users-v1, users-v2]
  location: MESH_EXTERNAL
  resolution: STATIC
  ports: [{number: 80, name: http, protocol: HTTP}]
  endpoints: [{address: 127.0.0.1}]
---
apiVersion: edge-mirror.dev/v1alpha1
kind: MirrorPolicy
metadata: {name: users}
spec:
  targetRef: {virtualService: api, route: users}
  compare:
    gate: {maxDivergencePercent: 10, minCompared: 20}
`,
  );
  writeFileSync(ROUTES_SHIFT, readFileSync(ROUTES, "utf8").replace("gate: {maxDivergencePercent: 10, minCompared: 20}", "gate: {maxDivergencePercent: 10, minCompared: 20, maxLatencyShiftMs: 20}"));
  writeFileSync(join(dir, "captures.ndjson"), ndjson(records(40)));
  writeFileSync(join(dir, "captures.ndjson.gz"), gzipSync(ndjson(records(40))));
});
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

function replay(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "src/tools/replay.ts", "--routes", ROUTES, ...args],
      { encoding: "utf8", env: { ...process.env, EDGE_MIRROR_ADMIN_TOKEN: "", ...env }, maxBuffer: 1 << 24 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr, ms: performance.now() - started }),
    );
  });
}

interface JsonReport {
  verdict: string;
  exitCode: number;
  run: { sent: number; answered: number; noise: string; droppedHeaders: Record<string, number>; durationMs: number; v1: string };
  report: { compared: number; divergent: number; noiseSamples: number; fields: { path: string; status: string; kind: string }[]; skipped: Record<string, number>; statuses: { v1: Record<string, number>; v2: Record<string, number> } };
}

const FILE = () => join(dir, "captures.ndjson");

describe("the verdict (issue 20's done-when)", () => {
  it("a target that differs in one JSON field: that path is divergent, the verdict fail, exit 1", async () => {
    const r = await replay(["--file", FILE(), "--target", brokenV2, "--speed", "max", "--json"]);
    expect(r.stderr).not.toContain("internal error");
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as JsonReport;
    expect(out.verdict).toBe("fail");
    expect(out.report.compared).toBe(40);
    expect(out.report.divergent).toBe(40);
    expect(out.report.fields).toEqual([{ path: "/body/plan", kind: "value", divergent: 40, noise: 0, status: "divergent" }]);
  });

  it("the text report names the field, an example, statuses, latency of both, and the gate's line", async () => {
    const r = await replay(["--file", FILE(), "--target", brokenV2, "--speed", "max"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/divergent +\/body\/plan \(value\): 40 of 40 differ/);
    expect(r.stdout).toMatch(/GET \/users\/\d+ \[req-\d+\]: \/body\/plan "pro" → "free"/);
    expect(r.stdout).toContain("statuses: v1 200 ×40; v2 200 ×40");
    expect(r.stdout).toMatch(/latency \(ms\): v1 p50 [\d.]+ p99 [\d.]+ \(as captured at the edge; v2's p99 is judged only with --baseline\); v2 p50 [\d.]+/);
    expect(r.stdout).toContain("noise: none: without --baseline only the route's ignore applies");
    expect(r.stdout).toMatch(/^FAIL +api\/users → http:\/\/127\.0\.0\.1:\d+: 40 of 40 compared diverge/m);
    expect(r.stdout).toMatch(/gate: fail/);
  });

  it("a target identical but for time stamps, with --baseline: the time stamp is noise, never a fail (Diffy)", async () => {
    const r = await replay(["--file", FILE(), "--target", timestampV2, "--baseline", liveV1, "--speed", "max", "--json"]);
    expect(r.code === 0 || r.code === 3).toBe(true);
    const out = JSON.parse(r.stdout) as JsonReport;
    expect(out.verdict).not.toBe("fail");
    expect(out.report.noiseSamples).toBe(40);
    expect(out.report.fields).toEqual([expect.objectContaining({ path: "/body/servedAt", status: "noise" })]);
    expect(out.report.divergent).toBe(0);
    // 0 of 40 divergent: Wilson's upper bound 8.8 % ≤ the route's 10 %, 40 ≥ minCompared 20.
    expect(out.verdict).toBe("pass");
    expect(r.code).toBe(0);
  });

  it("the same target without --baseline fails on the time stamp: only ignore applies, and the report says so", async () => {
    const r = await replay(["--file", FILE(), "--target", timestampV2, "--speed", "max", "--json"]);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as JsonReport;
    expect(out.run.noise).toContain("without --baseline only the route's ignore applies");
    expect(out.report.fields[0]).toMatchObject({ path: "/body/servedAt", status: "divergent" });
  });

  it("--min-compared overrides the route's gate, as npm run gate does", async () => {
    const r = await replay(["--file", FILE(), "--target", recorder, "--speed", "max", "--min-compared", "100", "--json"]);
    expect(r.code).toBe(3);
    expect((JSON.parse(r.stdout) as JsonReport).verdict).toBe("inconclusive");
  });

  it("--out writes the JSON report and the gzipped file reads the same", async () => {
    const out = join(dir, "report.json");
    const r = await replay(["--file", `${FILE()}.gz`, "--target", recorder, "--speed", "max", "--out", out]);
    expect(r.code).toBe(0);
    const written = JSON.parse(readFileSync(out, "utf8")) as JsonReport;
    expect(written).toMatchObject({ verdict: "pass", exitCode: 0, report: { compared: 40, divergent: 0 } });
  });
});

// Issue 21's paired latency shift in a replay: v2's time minus v1's, per request, is a pair
// only when both were timed here at once (--baseline). Without a baseline v1's time is the
// one captured at the edge: --max-latency-shift is refused and the route's limit not judged.
describe("--max-latency-shift and the route's maxLatencyShiftMs", () => {
  interface ShiftReport extends JsonReport {
    run: JsonReport["run"] & { latencyShift: string };
    judged: { gate: { maxLatencyShiftMs?: number }; reason: string };
    report: JsonReport["report"] & { latencyShiftMs: { estimate: number | null; low: number | null; high: number | null; n: number } };
  }

  it("without --baseline, --max-latency-shift is refused (exit 2), saying why", async () => {
    const r = await replay(["--file", FILE(), "--target", slowV2, "--speed", "max", "--max-latency-shift", "20"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--max-latency-shift needs --baseline <v1 URL>: without it v1's time is the one captured at the edge");
  });

  it("without --baseline, the route's maxLatencyShiftMs is not judged, said on stderr; no shift in the report", async () => {
    const r = await replay(["--file", FILE(), "--target", slowV2, "--speed", "max", "--json", "--routes", ROUTES_SHIFT]);
    expect(r.stderr).toContain("api/users's maxLatencyShiftMs (20 ms) is not judged");
    const out = JSON.parse(r.stdout) as ShiftReport;
    expect(out.report.compared).toBe(40);
    expect(out.report.latencyShiftMs).toEqual({ estimate: null, low: null, high: null, n: 0 });
    expect(out.judged.gate.maxLatencyShiftMs).toBeUndefined();
    expect(out.run.latencyShift).toContain("not measured: needs --baseline");
    // Judged by divergence alone: 0 of 40 pass the route's gate (with a limit it would be inconclusive: nothing paired).
    expect(out.verdict).toBe("pass");
    expect(r.code).toBe(0);
  });

  // --ignore-flags: v2's p99 flag (over twice v1's and 50 ms more) may also fire for a v2 40 ms
  // late on a busy machine; only the shift is judged here.
  it("with --baseline, v2 40 ms slower than the live v1: --max-latency-shift 10 fails (exit 1), 200 passes (exit 0)", async () => {
    const failed = await replay(["--file", FILE(), "--target", slowV2, "--baseline", liveV1, "--speed", "max", "--json", "--ignore-flags", "--max-latency-shift", "10"]);
    expect(failed.code).toBe(1);
    const out = JSON.parse(failed.stdout) as ShiftReport;
    expect(out.verdict).toBe("fail");
    expect(out.report.divergent).toBe(0);
    expect(out.report.latencyShiftMs.n).toBe(40);
    expect(out.report.latencyShiftMs.low!).toBeGreaterThan(30);
    expect(out.judged.gate.maxLatencyShiftMs).toBe(10);
    expect(out.run.latencyShift).toBe("paired: v2 − the baseline, both timed here at once, 40 of 40 compared requests");
    const passed = await replay(["--file", FILE(), "--target", slowV2, "--baseline", liveV1, "--speed", "max", "--json", "--ignore-flags", "--max-latency-shift", "200"]);
    expect(passed.code).toBe(0);
    expect((JSON.parse(passed.stdout) as ShiftReport).verdict).toBe("pass");
  });

  it("with --baseline, the route's own 20 ms limit judges the shift; the text report gives it", async () => {
    const r = await replay(["--file", FILE(), "--target", slowV2, "--baseline", liveV1, "--speed", "max", "--routes", ROUTES_SHIFT]);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain("is not judged");
    expect(r.stdout).toMatch(/latency shift [\d.]+ ms \(95 % CI [\d.]+–[\d.]+ ms, n 40, limit 20 ms\)/);
  });

  it("--max-latency-shift must be a number of ms from 0 to 600000", async () => {
    const r = await replay(["--file", FILE(), "--target", slowV2, "--baseline", liveV1, "--max-latency-shift", "700000"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--max-latency-shift \"700000\" is not a number from 0 to 600000");
  });
});

describe("what the target receives", () => {
  it("a client's own x-request-id is sent as captured; a GoReplay record (no route) gets none added", async () => {
    const rs = records(2);
    rs[0]!.request.headers.push(["x-request-id", "client-chose-this"]);
    rs[1]!.route = "";
    const file = join(dir, "request-ids.ndjson");
    writeFileSync(file, ndjson(rs));
    received.length = 0;
    const r = await replay(["--file", file, "--route", "api/users", "--target", `${recorder}`, "--speed", "max", "--concurrency", "1", "--json"]);
    expect(r.code).toBe(3);
    expect(received.map((x) => x.headers["x-request-id"])).toEqual(["client-chose-this", undefined]);
  });

  it("method, path and query, headers, X-Edge-Mirror-Replay; the captured Host as X-Forwarded-Host; redacted headers left out, said once", async () => {
    const rs = records(3);
    rs[1]!.request.headers.push(["authorization", "[redacted]"], ["cookie", "[redacted]"], ["x-tenant", "acme"], ["expect", "100-continue"], ["connection", "x-hop"], ["x-hop", "1"], ["host", "api.example.com"], ["content-length", "99"]);
    rs[2]!.request.headers.push(["authorization", "[redacted]"]);
    const file = join(dir, "secrets.ndjson");
    writeFileSync(file, ndjson(rs));
    received.length = 0;
    const r = await replay(["--file", file, "--target", `${recorder}`, "--speed", "max", "--concurrency", "1", "--run-id", "run-42", "--json"]);
    expect(r.code).toBe(3); // 3 compared < minCompared 20
    expect(received.map((x) => `${x.method} ${x.url}`)).toEqual(["GET /users/0?x=0", "GET /users/1?x=1", "GET /users/2?x=2"]);
    for (const x of received) {
      expect(x.headers["x-edge-mirror-replay"]).toBe("run-42");
      expect(x.headers["x-forwarded-host"]).toBe("api.example.com");
      expect(x.headers.accept).toBe("application/json");
      expect(x.headers.authorization).toBeUndefined();
      expect(x.headers.cookie).toBeUndefined();
    }
    expect(received[1]!.headers["x-tenant"]).toBe("acme");
    // v1 got the worker's x-request-id (src/proxy/headers.ts), which capture keeps as the record's id, not as a header.
    expect(received.map((x) => x.headers["x-request-id"])).toEqual(["req-0", "req-1", "req-2"]);
    // hop-by-hop and framing headers are the replay's own (RFC 9110 §7.6.1); Host is the target's
    expect(received[1]!.headers.expect).toBeUndefined();
    expect(received[1]!.headers.connection).not.toBe("x-hop");
    expect(received[1]!.headers["x-hop"]).toBeUndefined();
    expect(received[1]!.headers.host).toBe(new URL(recorder).host);
    expect(received[1]!.headers["content-length"]).toBeUndefined();
    expect(r.stderr.match(/authorization was redacted at capture/g)).toHaveLength(1);
    expect(r.stderr.match(/cookie was redacted at capture/g)).toHaveLength(1);
    expect((JSON.parse(r.stdout) as JsonReport).run.droppedHeaders).toEqual({ authorization: 2, cookie: 1 });
  });

  it("only GET, HEAD and OPTIONS unless --methods names others; then the body goes too", async () => {
    const rs = records(2);
    rs.push({ ...rs[0]!, id: "post", request: { ...rs[0]!.request, method: "POST", url: "https://api.example.com/users/5", body: '{"plan":"pro"}', bodyEncoding: "utf8", bodyBytes: 14 } });
    const file = join(dir, "post.ndjson");
    writeFileSync(file, ndjson(rs));
    received.length = 0;
    let r = await replay(["--file", file, "--target", recorder, "--speed", "max", "--json"]);
    expect(received.map((x) => x.method)).toEqual(["GET", "GET"]);
    expect((JSON.parse(r.stdout) as JsonReport).report.skipped).toEqual({ method_not_replayed: 1 });
    received.length = 0;
    r = await replay(["--file", file, "--target", recorder, "--speed", "max", "--methods", "GET,POST", "--concurrency", "1", "--json"]);
    expect(received.map((x) => `${x.method} ${x.url} ${x.body}`)).toEqual(["GET /users/0?x=0 ", "GET /users/1?x=1 ", 'POST /users/5 {"plan":"pro"}']);
    expect(received[2]!.headers["content-length"]).toBe("14");
  });
});

describe("pacing", () => {
  it("--speed 2 replays a capture that spanned 2 s in about 1 s", async () => {
    const file = join(dir, "two-seconds.ndjson");
    writeFileSync(file, ndjson(records(11, 200))); // 0, 200, …, 2000 ms
    const r = await replay(["--file", file, "--target", recorder, "--speed", "2", "--json"]);
    const out = JSON.parse(r.stdout) as JsonReport;
    expect(out.run.sent).toBe(11);
    expect(out.run.durationMs).toBeGreaterThanOrEqual(990);
    expect(out.run.durationMs).toBeLessThan(1600);
    expect(r.stderr).not.toContain("at this pace the replay takes about");
    const slow = join(dir, "three-minutes.ndjson");
    writeFileSync(slow, ndjson([records(1)[0]!, { ...records(1)[0]!, time: "2026-12-07T08:03:00.000Z" }]));
    expect((await replay(["--file", slow, "--target", recorder, "--speed", "1000"])).stderr).not.toContain("at this pace");
    // At --speed 1 it would take 3 minutes: said before it starts (the child is stopped once it has said it).
    const child = spawn(process.execPath, ["--import", "tsx", "src/tools/replay.ts", "--routes", ROUTES, "--file", slow, "--target", recorder]);
    let stderr = "";
    await new Promise<void>((resolve) => {
      child.stderr.on("data", (d: Buffer) => {
        stderr += d.toString();
        if (stderr.includes("\n")) resolve();
      });
      child.on("exit", () => resolve());
    });
    child.kill();
    expect(stderr).toContain("edge-mirror replay: at this pace the replay takes about 3 min (--speed max or --rate N sends faster)");
  });

  it("--rate 20 sends 11 requests in about 0.5 s", async () => {
    const file = join(dir, "two-seconds.ndjson");
    const r = await replay(["--file", file, "--target", recorder, "--rate", "20/s", "--json"]);
    const out = JSON.parse(r.stdout) as JsonReport;
    expect(out.run.durationMs).toBeGreaterThanOrEqual(490);
    expect(out.run.durationMs).toBeLessThan(1100);
  });

  it("off a terminal, progress is a line per tenth of the run, on stderr", async () => {
    const r = await replay(["--file", FILE(), "--target", recorder, "--speed", "max"]);
    const lines = r.stderr.split("\n").filter((l) => l.startsWith("replay: "));
    expect(lines).toHaveLength(10);
    expect(lines.at(-1)).toMatch(/^replay: 40\/40 done \(100 %\), [\d.]+\/s, 00:00 left$/);
  });
});

describe("the captures API", () => {
  it("reads the route's records with the bearer token from the environment, --limit passed on; --save writes them", async () => {
    const saved = join(dir, "saved.ndjson.gz");
    apiQueries.length = 0;
    received.length = 0;
    const r = await replay(["--url", `${api}/some/path`, "--route", "api/users", "--target", recorder, "--speed", "max", "--limit", "30", "--from", "2026-12-07T07:00:00Z", "--save", saved, "--json"], { EDGE_MIRROR_ADMIN_TOKEN: TOKEN });
    // 0 of 30 divergent: Wilson's upper bound 11.4 % is above the route's 10 %: inconclusive.
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout) as JsonReport).toMatchObject({ verdict: "inconclusive", report: { compared: 30, divergent: 0 } });
    expect(apiQueries).toEqual([{ authorization: `Bearer ${TOKEN}`, query: "?route=api%2Fusers&from=2026-12-07T07%3A00%3A00.000Z&limit=30" }]);
    expect(received).toHaveLength(30);
    const again = await replay(["--file", saved, "--target", recorder, "--speed", "max", "--json"]);
    expect((JSON.parse(again.stdout) as JsonReport).run.sent).toBe(30);
  });

  it("a refused token, an unreachable worker, an unreachable target: exit 2 with the reason", async () => {
    let r = await replay(["--url", api, "--route", "api/users", "--target", recorder, "--token", "wrong"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("refused the token (401)");
    r = await replay(["--url", closedUrl, "--route", "api/users", "--target", recorder, "--token", TOKEN]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("cannot reach");
    r = await replay(["--file", FILE(), "--target", closedUrl, "--speed", "max", "--limit", "3"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/answered none of the 3 requests sent \(connect_failed\)/);
  });

  it("usage problems: exit 2 with the usage", async () => {
    for (const args of [["--target", recorder], ["--file", FILE()], ["--file", FILE(), "--target", recorder, "--speed", "2", "--rate", "3"], ["--url", api, "--target", recorder, "--token", TOKEN]]) {
      const r = await replay(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toContain("usage: npm run replay --");
    }
    const help = await replay(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: npm run replay -- /);
    const r = await replay(["--file", join(dir, "nope.ndjson"), "--target", recorder]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no such file");
  });
});

describe("GoReplay's format, both ways", () => {
  it("export --format gor writes GoReplay payloads: `1 <id> <ns> -1`, the raw request, the separator; `2 …` with the answer", async () => {
    const gor = join(dir, "one.gor");
    writeFileSync(join(dir, "one.ndjson"), ndjson(records(1)));
    const r = await replay(["export", "--format", "gor", "--file", join(dir, "one.ndjson"), "--out", gor]);
    expect(r.code).toBe(0);
    const body = user(0);
    expect(readFileSync(gor, "utf8")).toBe(
      // The request as v1 got it: the worker's x-request-id (the record's id) included.
      `1 req-0 1796630400000000000 -1\nGET /users/0?x=0 HTTP/1.1\r\nHost: api.example.com\r\naccept: application/json\r\nx-request-id: req-0\r\n\r\n\n🐵🙈🙉\n` +
        `2 req-0 1796630400012000000 15000000\nHTTP/1.1 200 OK\r\ncontent-type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}\n🐵🙈🙉\n`,
    );
  });

  it("an exported file replays as the same requests, compared with its type-2 answers", async () => {
    const rs = records(20);
    rs[3]!.request.headers.push(["x-tenant", "acme"]);
    rs.push({ ...rs[0]!, id: "post", time: "2026-12-07T08:00:01.000Z", request: { ...rs[0]!.request, method: "POST", url: "https://api.example.com/users/0", body: '{"plan":"pro"}', bodyEncoding: "utf8", bodyBytes: 14 } });
    const source = join(dir, "roundtrip.ndjson");
    writeFileSync(source, ndjson(rs));
    const gor = join(dir, "roundtrip.gor");
    expect((await replay(["export", "--format", "gor", "--file", source, "--out", gor])).code).toBe(0);
    const sent = async (file: string) => {
      received.length = 0;
      const r = await replay(["--file", file, "--target", recorder, "--speed", "max", "--concurrency", "1", "--methods", "GET,POST", "--run-id", "same", "--json"]);
      const out = JSON.parse(r.stdout) as JsonReport;
      return { out, requests: received.map(({ method, url, headers, body }) => ({ method, url, body, headers: { ...headers, host: undefined } })) };
    };
    const fromNdjson = await sent(source);
    const fromGor = await sent(gor);
    expect(fromGor.requests).toHaveLength(21);
    expect(fromGor.requests).toEqual(fromNdjson.requests);
    expect(fromGor.out.report).toMatchObject({ compared: 21, divergent: 0 });
    expect(fromGor.out.run.v1).toBe("capture");
  });

  it("a file written by hand as GoReplay's documentation shows it replays; without type 2 it needs --baseline to compare", async () => {
    // docs/Saving-and-Replaying-from-file.md's example: requests with a 3-field header, CRLF heads.
    const file = join(dir, "handwritten.gor");
    writeFileSync(
      file,
      "1 d7123dasd913jfd21312dasdhas31 127345969\nGET /users/1 HTTP/1.1\r\n\r\n\n🐵🙈🙉\n" +
        "1 d7123dasd913jfd21312dasdhas32 127345979\nPOST /upload HTTP/1.1\r\nContent-Length: 7\r\nHost: www.w3.org\r\n\r\na=1&b=2\n🐵🙈🙉\n",
    );
    received.length = 0;
    let r = await replay(["--file", file, "--target", recorder, "--methods", "GET,POST", "--speed", "max", "--concurrency", "1", "--json"]);
    expect(received.map((x) => `${x.method} ${x.url} ${x.body}`)).toEqual(["GET /users/1 ", "POST /upload a=1&b=2"]);
    expect(received[1]!.headers["x-forwarded-host"]).toBe("www.w3.org");
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("pass --baseline <v1 URL> to compare");
    expect((JSON.parse(r.stdout) as JsonReport).report.skipped).toEqual({ no_v1_answer: 2 });
    r = await replay(["--file", file, "--target", timestampV2, "--baseline", liveV1, "--speed", "max", "--json"]);
    const out = JSON.parse(r.stdout) as JsonReport;
    expect(out.run.v1).toBe("baseline");
    // the baseline twice is the noise: its servedAt changes between calls
    expect(out.report).toMatchObject({ compared: 1, noiseSamples: 1 });
    expect(out.report.fields).toEqual([expect.objectContaining({ path: "/body/servedAt", status: "noise" })]);
  });

  it("the middleware documentation's request and original answer (type 2, LF-only heads, hand-written): compared", async () => {
    // docs/Middleware.md's example payloads, with ids made to match and a JSON body.
    const file = join(dir, "middleware.gor");
    const body = user(7);
    writeFileSync(
      file,
      "1 932079936fa4306fc308d67588178d17d823647c 1439818823587396305\nGET /users/7 HTTP/1.1\nHost: 127.0.0.1\n\n\n🐵🙈🙉\n" +
        `2 932079936fa4306fc308d67588178d17d823647c 1439818823587996305 2782013\nHTTP/1.1 200 OK\nDate: Mon, 17 Aug 2015 13:40:23 GMT\nContent-Length: ${body.length}\nContent-Type: application/json\n\n${body}\n🐵🙈🙉\n`,
    );
    let r = await replay(["--file", file, "--target", recorder, "--speed", "max", "--json"]);
    let out = JSON.parse(r.stdout) as JsonReport;
    expect(out.report).toMatchObject({ compared: 1, divergent: 0 });
    r = await replay(["--file", file, "--target", brokenV2, "--speed", "max", "--json"]);
    out = JSON.parse(r.stdout) as JsonReport;
    expect(r.code).toBe(1);
    expect(out.report.fields).toEqual([expect.objectContaining({ path: "/body/plan", status: "divergent" })]);
  });
});
