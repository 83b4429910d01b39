// Capture through `wrangler dev` with local R2 (issue 20's "Done when", the worker
// side): the walkthrough's route, captured at 100 %, its requests read back through
// GET /__edge-mirror/api/captures within 15 s and with no request following; the
// Authorization and a redacted body field never stored. wrangler.toml's
// [[r2_buckets]] CAPTURES is the local bucket, kept under --persist-to.
// Then the replay side of the same "Done when": the captured traffic read back by
// `npm run replay -- --url … --route … --token …` (spawned as a user runs it) and
// replayed against (a) a target that differs in one JSON field → that path divergent,
// verdict fail, exit 1; (b) a target identical but for time stamps, with --baseline
// v1 → the stamps are noise, never fail; (c) --speed 2 on a capture that spanned
// ~4 s replays in ~2 s (the issue's 10 s → 5 s, shortened with the same ratio to
// keep the suite fast; src/tools/replay-run.test.ts checks 10 s → 5 s on a fake clock).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { afterAll, beforeAll, describe, it } from "vitest";
import { freePort, killGroupNow } from "../../devkit/loopback";
import { runCommand } from "../../devkit/run-command";
import { startOrigin, type Origin } from "../../devkit/origin";
import { VIRTUAL_SERVICE_MIRROR, seedRoutes } from "../../devkit/seed-routes";
import { ROOT, WRANGLER, startWranglerDev, waitReady, workerEvents, type WranglerDev } from "../../devkit/wrangler-dev";

const TSX = join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");
const TOKEN = "e2e-capture-token";
const ROUTE = "httpbin/http[0]";
const POLICY = `---
apiVersion: edge-mirror.dev/v1alpha1
kind: MirrorPolicy
metadata: {name: capture}
spec:
  targetRef: {virtualService: httpbin}
  capture: {percent: 100, redact: [/body/password]}
  # What the replay compares by (npm run replay --routes): content-type and the body, and
  # a gate that a dozen agreeing requests can pass (Wilson's upper bound at 12 of 12 ≈ 24 %).
  compare: {percent: 100, headers: [content-type], gate: {maxDivergencePercent: 30, minCompared: 10}}
`;

let v1: Origin;
let v2: Origin;
let tempDir = "";
let wrangler: WranglerDev | undefined;
let port = 0;
let routesFile = "";
const output: string[] = [];

process.on("exit", () => killGroupNow(wrangler?.child.pid));

beforeAll(async () => {
  assert.ok(existsSync(WRANGLER), "wrangler is installed");
  v1 = await startOrigin({ name: "v1" });
  v2 = await startOrigin({ name: "v2" });
  tempDir = mkdtempSync(join(tmpdir(), "edge-mirror-e2e-capture-"));
  const routes = (routesFile = join(tempDir, "routes.yaml"));
  writeFileSync(routes, seedRoutes(VIRTUAL_SERVICE_MIRROR, v1.port, v2.port) + POLICY);
  port = await freePort();
  wrangler = startWranglerDev({ port, routes, persistTo: join(tempDir, "state"), vars: { EDGE_MIRROR_ADMIN_TOKEN: TOKEN }, onLine: (l) => output.push(l) });
  await waitReady(wrangler, 60_000).catch((e) => {
    throw new Error(`${(e as Error).message}\n${output.slice(-30).join("\n")}`);
  });
});

afterAll(async () => {
  await wrangler?.stop();
  await Promise.all([v1?.close(), v2?.close()].map((p) => p?.catch(() => {})));
  if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  // wrangler's [build] compiled the temp routes file into generated/routes.json: put routes.yaml's back.
  spawnSync(process.execPath, [TSX, "src/tools/compile-cli.ts", "compile", "routes.yaml"], { cwd: ROOT, encoding: "utf8" });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A request with its own Host header (fetch() would not send one), like curl in the mesh. */
function send(path: string, { method = "GET", headers = {}, body }: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, path, method, agent: false, headers: { host: "httpbin:8000", ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.setTimeout(15_000, () => req.destroy(new Error(`no answer within 15 s (${path})`)));
    req.on("error", reject);
    req.end(body);
  });
}

describe("capture through wrangler dev with local R2", () => {
  it("the walkthrough's requests are readable through the API within 15 s, no request following; secrets absent", async () => {
    const sentAt = Date.now();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await send(`/anything/${i}?q=${i}`, {
        method: "POST",
        headers: { authorization: "Bearer E2E-SECRET-TOKEN", "content-type": "application/json", "x-request-id": `e2e-capture-${sentAt}-${i}` },
        body: JSON.stringify({ user: "ada", password: "E2E-SECRET-PW" }),
      });
      assert.equal(res.status, 200, res.body);
      assert.equal(res.headers["x-origin"], "v1");
      ids.push(`e2e-capture-${sentAt}-${i}`);
    }
    // Nothing more is sent through the proxy: the batch's own timer writes it (10 s).
    let text: string;
    for (;;) {
      // A different isolate may answer the API; wait for the object the proxy's isolate writes.
      const flushed = workerEvents(wrangler!).filter((e) => e.event === "capture" && e.outcome === "flushed");
      if (flushed.length > 0) break;
      assert.ok(Date.now() - sentAt < 15_000, `no batch written within 15 s; output:\n${output.slice(-20).join("\n")}`);
      await sleep(200);
    }
    const elapsed = Date.now() - sentAt;
    const res = await send(`/__edge-mirror/api/captures?route=${encodeURIComponent(ROUTE)}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(res.status, 200, res.body);
    assert.equal(res.headers["content-type"], "application/x-ndjson");
    text = res.body;
    console.log(`# capture e2e: 3 requests, batch written and read back ${elapsed} ms after the first was sent`);
    assert.ok(elapsed < 15_000);
    const records = text.split("\n").filter(Boolean).map((l) => JSON.parse(l) as { id: string; request: { url: string; body: string }; response: { status: number } });
    assert.deepEqual(records.map((r) => r.id), ids);
    assert.equal(records[0]!.request.url, "http://httpbin:8000/anything/0?q=0");
    assert.deepEqual(JSON.parse(records[0]!.request.body), { user: "ada", password: "[redacted]" });
    assert.ok(!text.includes("E2E-SECRET-TOKEN") && !text.includes("E2E-SECRET-PW"), "a secret was stored");
  });
});

interface ReplayJson {
  verdict: string;
  exitCode: number;
  run: { runId: string; records: number; sent: number; answered: number; durationMs: number; noise: string };
  report: { compared: number; divergent: number; fields: { path: string; status: string; kind: string; divergent: number; noise: number }[] };
}

/** `npm run -s replay -- …` as a user types it, against the wrangler dev worker's captures API. */
async function replayCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string; json?: ReplayJson }> {
  const run = await runCommand("npm", ["run", "-s", "replay", "--", "--url", `http://127.0.0.1:${port}`, "--route", ROUTE, "--token", TOKEN, "--routes", routesFile, "--json", ...args], {
    cwd: ROOT,
    env: { ...process.env, EDGE_MIRROR_ADMIN_TOKEN: "" },
  });
  let json: ReplayJson | undefined;
  try {
    json = JSON.parse(run.stdout) as ReplayJson;
  } catch {}
  return { ...run, code: run.code ?? -1, ...(json ? { json } : {}) };
}

/** The time ranges of each scenario's captured requests ([from, to), as the API and --from/--to read them). */
const windows: Record<"changed" | "noisy" | "paced", { from: string; to: string; ids: string[] }> = {
  changed: { from: "", to: "", ids: [] },
  noisy: { from: "", to: "", ids: [] },
  paced: { from: "", to: "", ids: [] },
};
const PER_SCENARIO = 12;
const PACED = 5;
const PACE_MS = 1_000;

async function sendScenario(name: keyof typeof windows, path: string, count: number, gapMs = 0): Promise<void> {
  const w = windows[name];
  w.from = new Date().toISOString();
  for (let i = 0; i < count; i++) {
    if (i > 0 && gapMs > 0) await sleep(gapMs);
    const id = `e2e-replay-${name}-${Date.now()}-${i}`;
    const res = await send(path, { headers: { "x-request-id": id, accept: "application/json" } });
    assert.equal(res.status, 200, res.body);
    assert.equal(res.headers["x-origin"], "v1");
    w.ids.push(id);
  }
  await sleep(5);
  w.to = new Date().toISOString();
}

const range = (name: keyof typeof windows) => ["--from", windows[name].from, "--to", windows[name].to];
const replayed = (runId: string) => v2.records.filter((r) => r.headers["x-edge-mirror-replay"] === runId);

describe("npm run replay of the captured traffic, through wrangler dev (issue 20's Done when)", () => {
  it("captures three scenarios' traffic and reads every record back through the API", async () => {
    // compare-answers.ts: /compare/changed differs on v2 in /body/user/plan; /compare/noisy
    // carries a per-answer servedAt and nonce on both; /compare/same is identical.
    await sendScenario("changed", "/compare/changed", PER_SCENARIO);
    await sendScenario("noisy", "/compare/noisy", PER_SCENARIO);
    await sendScenario("paced", "/compare/same", PACED, PACE_MS);
    const lastSent = Date.now();
    const wanted = Object.values(windows).flatMap((w) => w.ids);
    let ids: string[] = [];
    for (;;) {
      const res = await send(`/__edge-mirror/api/captures?route=${encodeURIComponent(ROUTE)}&from=${windows.changed.from}`, { headers: { authorization: `Bearer ${TOKEN}` } });
      assert.equal(res.status, 200, res.body);
      ids = res.body.split("\n").filter(Boolean).map((l) => (JSON.parse(l) as { id: string }).id);
      if (wanted.every((id) => ids.includes(id))) break;
      assert.ok(Date.now() - lastSent < 15_000, `only ${ids.length} of ${wanted.length} records readable 15 s after the last request`);
      await sleep(500);
    }
    console.log(`# replay e2e: ${wanted.length} records readable ${Date.now() - lastSent} ms after the last request`);
    // Oldest first, as the API promises.
    assert.deepEqual(ids.filter((id) => wanted.includes(id)), wanted);
  });

  it("(a) a target that differs in one JSON field: that path divergent, verdict fail, exit 1", async () => {
    const { code, json, stderr } = await replayCli(["--target", v2.url, "--speed", "max", ...range("changed")]);
    assert.ok(json, `no JSON report; exit ${code}; stderr:\n${stderr}`);
    console.log(`# replay e2e (a): exit ${code}, verdict ${json.verdict}, ${json.report.divergent} of ${json.report.compared} divergent`);
    assert.equal(code, 1, stderr);
    assert.equal(json.verdict, "fail");
    assert.equal(json.run.records, PER_SCENARIO);
    assert.equal(json.report.compared, PER_SCENARIO);
    assert.equal(json.report.divergent, PER_SCENARIO);
    const divergent = json.report.fields.filter((f) => f.status === "divergent");
    assert.deepEqual(divergent.map((f) => [f.path, f.divergent]), [["/body/user/plan", PER_SCENARIO]]);
    // The target saw each captured request once, marked as this run's replay, with the captured authority.
    const seen = replayed(json.run.runId);
    assert.equal(seen.length, PER_SCENARIO);
    assert.ok(seen.every((r) => r.url === "/compare/changed" && r.headers["x-forwarded-host"] === "httpbin:8000"));
    assert.deepEqual(seen.map((r) => r.headers["x-request-id"]).sort(), [...windows.changed.ids].sort());
  });

  it("(b) a target identical but for time stamps, with --baseline v1: the stamps are noise, never fail", async () => {
    const { code, json, stderr } = await replayCli(["--target", v2.url, "--baseline", v1.url, "--speed", "max", ...range("noisy")]);
    assert.ok(json, `no JSON report; exit ${code}; stderr:\n${stderr}`);
    console.log(`# replay e2e (b): exit ${code}, verdict ${json.verdict}, ${json.report.divergent} of ${json.report.compared} divergent, fields ${json.report.fields.map((f) => `${f.path} ${f.status}`).join(", ")}`);
    assert.ok(code === 0 || code === 3, `exit ${code} (${json.verdict}): ${JSON.stringify(json.report.fields)}`);
    assert.notEqual(json.verdict, "fail");
    assert.equal(json.report.compared, PER_SCENARIO);
    assert.match(json.run.noise, /baseline/);
    const status = Object.fromEntries(json.report.fields.map((f) => [f.path, f.status]));
    // Diffy's rule (src/compare/noise.ts): differing from the baseline as often as from the target is noise.
    assert.equal(status["/body/servedAt"], "noise");
    assert.equal(status["/body/nonce"], "noise");
    assert.deepEqual(json.report.fields.filter((f) => f.status === "divergent"), []);
    assert.equal(json.report.divergent, 0);
    // Every request also went to the baseline.
    assert.equal(v1.records.filter((r) => r.headers["x-edge-mirror-replay"] === json.run.runId).length, PER_SCENARIO);
  });

  it("(c) --speed 2: a capture that spanned ~4 s replays in about half the time", async () => {
    const { code, json, stderr } = await replayCli(["--target", v2.url, "--speed", "2", ...range("paced")]);
    assert.ok(json, `no JSON report; exit ${code}; stderr:\n${stderr}`);
    assert.notEqual(code, 1, stderr);
    assert.notEqual(code, 2, stderr);
    assert.equal(json.run.sent, PACED);
    // The captured span, from the records' own times (the worker's clock), and the replayed
    // span, from the target's arrival times: independent of the CLI's own account.
    const res = await send(`/__edge-mirror/api/captures?route=${encodeURIComponent(ROUTE)}&from=${windows.paced.from}&to=${windows.paced.to}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const times = res.body.split("\n").filter(Boolean).map((l) => Date.parse((JSON.parse(l) as { time: string }).time));
    assert.equal(times.length, PACED);
    const capturedSpan = times.at(-1)! - times[0]!;
    const arrivals = replayed(json.run.runId).map((r) => r.receivedAt);
    assert.equal(arrivals.length, PACED);
    const replayedSpan = Math.max(...arrivals) - Math.min(...arrivals);
    console.log(`# replay e2e: captured span ${capturedSpan} ms, replayed at --speed 2 in ${replayedSpan} ms at the target (CLI: ${json.run.durationMs} ms)`);
    assert.ok(capturedSpan >= (PACED - 1) * PACE_MS, `captured span ${capturedSpan} ms`);
    // Half the span, within generous bounds on a shared 2-core machine: never early, at most 0.8 s late.
    assert.ok(replayedSpan >= capturedSpan / 2 - 50, `replayed in ${replayedSpan} ms: faster than --speed 2 allows (${capturedSpan / 2} ms)`);
    assert.ok(replayedSpan <= capturedSpan / 2 + 800, `replayed in ${replayedSpan} ms, not about half of ${capturedSpan} ms`);
  });
});
