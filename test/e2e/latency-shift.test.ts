// Issue 21's "Done when" for the paired latency shift, through `wrangler dev` with real
// origins (one wrangler dev start): v2 answering 50 ms later than v1 → the interval of
// `latencyShiftMs` contains the true shift and excludes 0; `maxLatencyShiftMs: 20` fails the
// route and 100 passes it, in the report and through `npm run gate`; identical timing → the
// interval contains the true shift, and 0 once v2's measured later dispatch is taken off.
//
// The truth comes from the origins, not from the 50 ms asked for: each records, to a
// fraction of a ms on one clock (both run in this process), when a request's head arrived
// and when it handed the answer's head to the socket (devkit/origin.ts). The worker times
// both legs from one start (Date.now() before the primary's fetch and before the shadow's:
// the same value, the clock moving only at I/O) to the I/O event that delivered each
// answer's head, so the shift it measures is v2's head-sent time minus v1's, plus the
// difference of the two answers' trips back (loopback, alike), read on a clock that
// moves in whole ms. docs/latency-and-metrics.md, "Measured through wrangler dev" and
// "Where the extra milliseconds come from", has the figures.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, it } from "vitest";
import { freePort, killGroupNow } from "../../devkit/loopback";
import { runCommand } from "../../devkit/run-command";
import { startOrigin, type Origin } from "../../devkit/origin";
import { DESTINATION_RULE, serviceEntry } from "../../devkit/seed-routes";
import type { Report } from "../../src/admin/compare-report";
import type { RouteReport } from "../../src/compare/report";
import { describeTruth, holdsTruth, legTimes, truth, CLOCK_RESOLUTION_MS, type LegTimes } from "../support/latency-truth";
import { ROOT, WRANGLER, startWranglerDev, waitReady, workerEvent, type WorkerEvent, type WranglerDev } from "../../devkit/wrangler-dev";

const TSX = join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");
const TOKEN = "e2e-latency-token";
const N = 30;
const HOST = "lat.test";

const route = (name: string, prefix: string) => `  - {name: ${name}, match: [{uri: {prefix: ${prefix}}}], route: [{destination: {host: httpbin, subset: v1}}], mirror: {host: httpbin, subset: v2}}\n`;
const policy = (name: string, limit: number) => `---
apiVersion: edge-mirror.dev/v1alpha1
kind: MirrorPolicy
metadata: {name: lat-${name}}
spec:
  targetRef: {virtualService: lat, route: ${name}}
  compare: {noisePercent: 0, gate: {maxDivergencePercent: 20, minCompared: 10, maxLatencyShiftMs: ${limit}}}
`;
const ROUTES = (v1Port: number, v2Port: number) =>
  [
    `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: lat}\nspec:\n  hosts: [${HOST}]\n  http:\n` +
      route("late-strict", "/compare/late-strict/") +
      route("late-loose", "/compare/late-loose/") +
      route("timed", "/compare/timed"),
    DESTINATION_RULE,
    serviceEntry(v1Port, v2Port),
  ].join("---\n") +
  policy("late-strict", 20) +
  policy("late-loose", 100) +
  policy("timed", 5);

let v1: Origin;
let v2: Origin;
let tempDir = "";
let wrangler: WranglerDev | undefined;
let port = 0;
const output: string[] = [];

process.on("exit", () => killGroupNow(wrangler?.child.pid));


function send(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, path, method: "GET", agent: false, headers: { host: HOST, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.setTimeout(15_000, () => req.destroy(new Error(`no answer within 15 s (${path})`)));
    req.on("error", reject);
    req.end();
  });
}

/**
 * The worker's log lines by request id, parsed once as wrangler prints them. Waiting is
 * event-driven, not polling: the origins share this process's event loop, and a loop
 * busy re-reading every line delays v2's request there (measured: 1–3 ms of "dispatch").
 */
const requestLines = new Map<string, WorkerEvent>();
const waiting = new Map<string, (line: WorkerEvent) => void>();

function onLine(text: string): void {
  output.push(text);
  if (!text.startsWith('{"event":"request"')) return;
  const line = workerEvent(text);
  if (!line || typeof line.requestId !== "string") return;
  requestLines.set(line.requestId, line);
  waiting.get(line.requestId)?.(line);
}

function requestLine(id: string): Promise<WorkerEvent> {
  const seen = requestLines.get(id);
  if (seen) return Promise.resolve(seen);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no log line for ${id} within 10 s:\n${output.slice(-20).join("\n")}`)), 10_000);
    waiting.set(id, (line) => {
      clearTimeout(timer);
      waiting.delete(id);
      resolve(line);
    });
  });
}

/** Sends n requests one after another, each once the previous one's shadow was compared (its log line written). */
async function run(path: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = `lat-${path.split("/")[2]}-${i}-${Date.now()}`;
    const res = await send(path, { "x-request-id": id });
    assert.equal(res.status, 200, res.body);
    const line = await requestLine(id);
    assert.equal((line.shadows as { compared?: boolean }[])[0]?.compared, true, JSON.stringify(line));
    ids.push(id);
  }
  return ids;
}

/** Each request's truth from what both origins recorded (test/support/latency-truth.ts). */
function legs(list: string[]): LegTimes[] {
  const one = (o: Origin, id: string) => {
    const r = o.records.find((x) => x.headers["x-request-id"] === id);
    assert.ok(r, `${o.name} recorded no ${id}`);
    return r;
  };
  return list.map((id) => legTimes(one(v1, id), one(v2, id)));
}

const ids: Record<string, string[]> = {};

beforeAll(async () => {
  assert.ok(existsSync(WRANGLER), "wrangler is installed");
  v1 = await startOrigin({ name: "v1" });
  v2 = await startOrigin({ name: "v2" });
  tempDir = mkdtempSync(join(tmpdir(), "edge-mirror-e2e-latency-"));
  const routes = join(tempDir, "routes.yaml");
  writeFileSync(routes, ROUTES(v1.port, v2.port));
  port = await freePort();
  wrangler = startWranglerDev({ port, routes, persistTo: join(tempDir, "state"), vars: { EDGE_MIRROR_ADMIN_TOKEN: TOKEN }, onLine });
  await waitReady(wrangler, 60_000).catch((e) => {
    throw new Error(`${(e as Error).message}\n${output.slice(-30).join("\n")}`);
  });
  ids.strict = await run("/compare/late-strict/50", N);
  ids.loose = await run("/compare/late-loose/50", N);
  ids.timed = await run("/compare/timed", N);
}, 120_000);

afterAll(async () => {
  await wrangler?.stop();
  await Promise.all([v1?.close(), v2?.close()].map((p) => p?.catch(() => {})));
  if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  spawnSync(process.execPath, [TSX, "src/tools/compile-cli.ts", "compile", "routes.yaml"], { cwd: ROOT, encoding: "utf8" });
});

async function report(route: string): Promise<RouteReport> {
  const res = await send(`/__edge-mirror/api/report?route=${encodeURIComponent(route)}`, { authorization: `Bearer ${TOKEN}` });
  assert.equal(res.status, 200, res.body);
  return (JSON.parse(res.body) as Report).routes[0]!;
}

/** `npm run gate -- --url … --route … --json [...]`, as a pipeline runs it (the token from the environment). */
async function gate(route: string, ...args: string[]): Promise<{ code: number | null; json: { verdict: string; routes: { latencyShiftMs?: unknown; gate?: { maxLatencyShiftMs?: number } }[] }; stderr: string }> {
  const { code, stdout, stderr } = await runCommand("npm", ["run", "-s", "gate", "--", "--url", `http://127.0.0.1:${port}`, "--route", route, "--json", ...args], {
    cwd: ROOT,
    env: { ...process.env, EDGE_MIRROR_ADMIN_TOKEN: TOKEN },
  });
  try {
    return { code, json: JSON.parse(stdout), stderr };
  } catch {
    throw new Error(`gate printed no JSON (exit ${code}): ${stdout}${stderr}`);
  }
}

function show(name: string, r: RouteReport, list: string[]): ReturnType<typeof truth> {
  const t = truth(legs(list));
  console.log(`# ${name}: worker latencyShiftMs ${JSON.stringify(r.latencyShiftMs)}, verdict ${r.verdict}; ${describeTruth(t)}`);
  return t;
}

describe("the paired latency shift through wrangler dev (issue 21, Done when)", () => {
  it("v2 50 ms later: the interval holds the true shift (50 ms, plus v2's later dispatch) and excludes 0; 20 ms fails the route", async () => {
    const r = await report("lat/late-strict");
    const t = show("late-strict", r, ids.strict!);
    assert.equal(r.compared, N);
    assert.equal(r.divergent, 0);
    assert.equal(r.latencyShiftMs.n, N);
    // v2's origin never answers before its 50 ms (on a busy machine its timer fires late, and the truth has that).
    const own = Math.min(...legs(ids.strict!).map((l) => l.v2Own));
    assert.ok(own >= 50, `v2's origin answered after ${own} ms`);
    assert.ok(t.dispatch.estimate >= 0, `v2's requests arrive after v1's (${t.dispatch.estimate})`);
    // The worker's interval holds the true shift (50 ms, what the timer was late, and v2's later dispatch), to its clock's resolution.
    assert.ok(holdsTruth(r.latencyShiftMs, t), `interval ${r.latencyShiftMs.low} – ${r.latencyShiftMs.high} vs true shift ${t.shift.estimate}`);
    assert.ok(r.latencyShiftMs.low! > 0, "the interval excludes 0");
    assert.equal(r.gate.maxLatencyShiftMs, 20);
    assert.equal(r.verdict, "fail");
  });

  it("the same traffic under a 100 ms limit passes", async () => {
    const r = await report("lat/late-loose");
    const t = show("late-loose", r, ids.loose!);
    assert.ok(holdsTruth(r.latencyShiftMs, t), `interval ${r.latencyShiftMs.low} – ${r.latencyShiftMs.high} vs true shift ${t.shift.estimate}`);
    assert.ok(r.latencyShiftMs.low! > 0);
    assert.equal(r.gate.maxLatencyShiftMs, 100);
    assert.equal(r.verdict, "pass");
  });

  it("identical timing: the origins add nothing; the interval holds the true shift, v2's later dispatch alone, and less it reaches 0", async () => {
    const r = await report("lat/timed");
    const t = show("timed", r, ids.timed!);
    assert.equal(r.latencyShiftMs.n, N);
    assert.ok(Math.abs(t.added.estimate) < 0.5, `origin added ${t.added.estimate}`);
    assert.ok(holdsTruth(r.latencyShiftMs, t), `interval ${r.latencyShiftMs.low} – ${r.latencyShiftMs.high} vs true shift ${t.shift.estimate}`);
    // "Contains 0" once v2's measured later dispatch (0.2–3 ms here, more on a busy machine) is taken off.
    assert.ok(r.latencyShiftMs.low! - CLOCK_RESOLUTION_MS - t.dispatch.high <= 0, `interval ${r.latencyShiftMs.low} – ${r.latencyShiftMs.high}, dispatch up to ${t.dispatch.high}`);
    assert.equal(r.verdict, "pass");
  });

  // --ignore-flags: the gate also fails a route for v2's p99 flag (over twice v1's and 50 ms
  // more), which v2 answering 50 ms later than a ~3 ms v1 may or may not raise; here only
  // the latency shift's criterion is judged.
  it("npm run gate: the route's own 20 ms fails (exit 1), 100 ms passes (exit 0), --max-latency-shift 20 fails the 100 ms route", async () => {
    const strict = await gate("lat/late-strict", "--ignore-flags");
    assert.equal(strict.code, 1, strict.stderr);
    assert.equal(strict.json.verdict, "fail");
    assert.equal(strict.json.routes[0]?.gate?.maxLatencyShiftMs, 20);
    const loose = await gate("lat/late-loose", "--ignore-flags");
    assert.equal(loose.code, 0, loose.stderr);
    assert.equal(loose.json.verdict, "pass");
    const overridden = await gate("lat/late-loose", "--ignore-flags", "--max-latency-shift", "20");
    assert.equal(overridden.code, 1, overridden.stderr);
    assert.equal(overridden.json.routes[0]?.gate?.maxLatencyShiftMs, 20);
    assert.equal(overridden.json.verdict, "fail");
  });
});
