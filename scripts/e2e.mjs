// End-to-end test: the walkthrough's two phases against the real worker under
// `wrangler dev` and two real origins. It is the last step of `npm test`.
//
//   phase 1  the seed's VirtualService without a mirror: v1 answers, v2 sees nothing
//   phase 2  the same route with mirror v2 at 100 %: v1 answers, v2 gets the same
//            request with X-Forwarded-Host: httpbin-shadow:8000 and the same request id
//
// Each phase writes a temp routes file and starts wrangler dev with
// EDGE_MIRROR_ROUTES pointing at it, so wrangler's own [build] compiles it (the
// watcher only sees src/ and routes.yaml, so phase 2 restarts wrangler dev).
// Everything listens on 127.0.0.1 on ephemeral ports. At the end generated/routes.json
// is rebuilt from routes.yaml so the workspace is left as it was.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { startOrigin } from "../test/support/origin.ts";
import { VIRTUAL_SERVICE_BEFORE, VIRTUAL_SERVICE_MIRROR, DESTINATION_RULE, seedRoutes } from "../test/support/seed-routes.ts";
import { canConnect, freePort, groupAlive, stopProcessGroup } from "../test/support/loopback.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const WRANGLER = join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
const TSX = join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");
const OVERALL_TIMEOUT_MS = 120_000;
const READY_TIMEOUT_MS = 60_000;
const SHADOW_WAIT_MS = 5_000;
// How long "nothing arrived" is given to prove itself.
const QUIET_MS = 1_000;


// ---------------------------------------------------------------- checks

let passed = 0;
/** @type {{ name: string, message: string }[]} */
const failures = [];

class Fatal extends Error {}

/** Runs one check; a failure is recorded, and stops the run when `fatal`. */
async function check(name, fn, { fatal = false } = {}) {
  if (finishing) throw new Fatal(name);
  try {
    await fn();
    if (finishing) throw new Fatal(name);
    passed++;
    console.log(`ok - ${name}`);
  } catch (e) {
    // Once the run is being torn down (timeout, Ctrl-C), later checks fail as a consequence: not news.
    if (finishing) throw new Fatal(name);
    const message = e instanceof Error ? e.message : String(e);
    failures.push({ name, message });
    console.log(`not ok - ${name}`);
    console.log(indent(message, "    "));
    if (fatal) throw new Fatal(name);
  }
}

const indent = (text, pad) => text.split("\n").map((l) => pad + l).join("\n");
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what, predicate, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = predicate();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

// ---------------------------------------------------------------- wrangler dev

/** Every line wrangler printed, all phases, for the failure report. */
const wranglerOutput = [];
/** @type {ReturnType<typeof startWrangler> | undefined} */
let wrangler;

function startWrangler({ port, routes, persistTo }) {
  if (finishing) throw new Fatal("wrangler dev not started: the run is being torn down");
  const child = spawn(
    process.execPath,
    [WRANGLER, "dev", "--ip", "127.0.0.1", "--port", String(port), "--persist-to", persistTo, "--show-interactive-dev-session=false"],
    {
      cwd: ROOT,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", EDGE_MIRROR_ROUTES: routes, NO_COLOR: "1", FORCE_COLOR: "0" },
      stdio: ["ignore", "pipe", "pipe"],
      // Its own process group, so wrangler and the workerd it starts die together.
      detached: true,
    },
  );
  const state = { child, port, lines: /** @type {string[]} */ ([]), exited: false, exitCode: /** @type {number | null} */ (null) };
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on("line", (raw) => {
      // eslint-disable-next-line no-control-regex
      const line = raw.replace(/\x1b\[[0-9;]*m/g, "");
      state.lines.push(line);
      wranglerOutput.push(line);
    });
  }
  child.on("exit", (code, signal) => {
    state.exited = true;
    state.exitCode = code ?? (signal ? 128 : null);
  });
  return state;
}

async function waitReady(w) {
  await waitFor(
    `wrangler dev to print "Ready on" (port ${w.port})`,
    () => {
      if (w.exited) throw new Error(`wrangler dev exited early with code ${w.exitCode}`);
      return w.lines.some((l) => l.includes("Ready on"));
    },
    READY_TIMEOUT_MS,
  );
  // "Ready on" is printed when the socket is bound; confirm it accepts connections.
  const deadline = Date.now() + 10_000;
  while (!(await canConnect(w.port))) {
    if (Date.now() > deadline) throw new Error(`nothing accepts connections on 127.0.0.1:${w.port}`);
    await sleep(100);
  }
}



async function stopWrangler(w) {
  await stopProcessGroup(w?.child.pid);
}

/** Worker JSON log lines (`{"event":...}`) printed by this wrangler instance. */
function workerEvents(w) {
  const events = [];
  for (const line of w.lines) {
    if (!line.startsWith("{")) continue;
    try {
      const parsed = JSON.parse(line);
      if (parsed && typeof parsed.event === "string") events.push(parsed);
    } catch {}
  }
  return events;
}


// ---------------------------------------------------------------- the client

/** A GET through the worker with the given Host, like `curl http://<host>/<path>` in the mesh. */
function get(port, host, path) {
  return new Promise((resolveGet, reject) => {
    const req = httpRequest(
      { host: "127.0.0.1", port, path, method: "GET", agent: false, headers: { host, accept: "*/*", "user-agent": "edge-mirror-e2e" } },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => resolveGet({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.setTimeout(15_000, () => req.destroy(new Error(`no answer from the worker within 15 s (${host}${path})`)));
    req.on("error", reject);
    req.end();
  });
}

// ---------------------------------------------------------------- the run

/** @type {Awaited<ReturnType<typeof startOrigin>>[]} */
const origins = [];
let tempDir = "";
let finishing = false;

async function main() {
  await check("routes.yaml carries the seed's VirtualService (with mirror) and DestinationRule unchanged", () => {
    const text = readFileSync(join(ROOT, "routes.yaml"), "utf8");
    assert.ok(text.includes(VIRTUAL_SERVICE_MIRROR), "routes.yaml's VirtualService differs from the seed's mirroring step");
    assert.ok(text.includes(DESTINATION_RULE), "routes.yaml's DestinationRule differs from the seed's");
  });

  const v1 = await startOrigin({ name: "v1" });
  origins.push(v1);
  const v2 = await startOrigin({ name: "v2" });
  origins.push(v2);
  tempDir = mkdtempSync(join(tmpdir(), "edge-mirror-e2e-"));
  const routes = join(tempDir, "routes.yaml");
  const persistTo = join(tempDir, "state");
  console.log(`# origins v1 ${v1.url}, v2 ${v2.url}; routes file ${routes}`);

  // ---- phase 1: before mirroring
  writeFileSync(routes, seedRoutes(VIRTUAL_SERVICE_BEFORE, v1.port, v2.port));
  let port = await freePort();
  console.log(`# phase 1: wrangler dev on 127.0.0.1:${port}, VirtualService without mirror`);
  wrangler = startWrangler({ port, routes, persistTo });
  await check("phase 1: wrangler dev starts and is ready", () => waitReady(wrangler), { fatal: true });
  await check("phase 1: wrangler's [build] compiled the temp routes file (0 mirrors)", () => {
    const built = wrangler.lines.find((l) => l.includes(`${basename(tempDir)}/routes.yaml →`));
    assert.ok(built, "no `edge-mirror: <temp routes file> → generated/routes.json` line in wrangler's output");
    assert.match(built, /1 VirtualService\(s\), 1 route\(s\), 0 mirror\(s\)/);
  });

  let answer;
  await check("phase 1: GET httpbin:8000/headers is answered 200 by v1", async () => {
    answer = await get(port, "httpbin:8000", "/headers");
    assert.equal(answer.status, 200, `status ${answer.status}: ${answer.body.slice(0, 200)}`);
    assert.equal(answer.headers["x-origin"], "v1");
  }, { fatal: true });
  await check("phase 1: the body shows X-Forwarded-Host: httpbin:8000", () => {
    const shown = JSON.parse(answer.body).headers;
    assert.equal(shown["X-Forwarded-Host"], "httpbin:8000");
  });
  await check("phase 1: v1 recorded GET /headers", () => {
    assert.equal(v1.records.length, 1, `v1 recorded ${v1.records.length} requests`);
    assert.equal(v1.records[0].method, "GET");
    assert.equal(v1.records[0].url, "/headers");
  });
  await check("phase 1: v2 recorded nothing", async () => {
    await sleep(QUIET_MS);
    assert.deepEqual(v2.records.map((r) => `${r.method} ${r.url}`), []);
  });
  await check("phase 1: the worker logged the request with 0 mirrors", async () => {
    const line = await waitFor("the worker's request log line", () => workerEvents(wrangler).find((e) => e.event === "request"), SHADOW_WAIT_MS);
    assert.equal(line.status, 200);
    assert.equal(line.mirrors, 0);
    assert.equal(workerEvents(wrangler).filter((e) => e.event === "shadow").length, 0, "a shadow was logged");
  });

  // ---- phase 2: after mirroring (kubectl apply → rewrite the file, restart wrangler dev)
  await stopWrangler(wrangler);
  v1.records.length = 0;
  v2.records.length = 0;
  writeFileSync(routes, seedRoutes(VIRTUAL_SERVICE_MIRROR, v1.port, v2.port));
  port = await freePort();
  console.log(`# phase 2: wrangler dev on 127.0.0.1:${port}, VirtualService with mirror v2 at 100 %`);
  wrangler = startWrangler({ port, routes, persistTo });
  await check("phase 2: wrangler dev restarts and is ready", () => waitReady(wrangler), { fatal: true });
  await check("phase 2: wrangler's [build] compiled the mirroring routes file (1 mirror)", () => {
    const built = wrangler.lines.find((l) => l.includes(`${basename(tempDir)}/routes.yaml →`));
    assert.ok(built, "no `edge-mirror: <temp routes file> → generated/routes.json` line in wrangler's output");
    assert.match(built, /1 VirtualService\(s\), 1 route\(s\), 1 mirror\(s\)/);
  });

  await check("phase 2: GET httpbin:8000/headers is still answered 200 by v1 (x-origin: v1)", async () => {
    answer = await get(port, "httpbin:8000", "/headers");
    assert.equal(answer.status, 200, `status ${answer.status}: ${answer.body.slice(0, 200)}`);
    assert.equal(answer.headers["x-origin"], "v1");
    assert.equal(JSON.parse(answer.body).headers["X-Forwarded-Host"], "httpbin:8000");
  }, { fatal: true });
  await check("phase 2: v1 recorded GET /headers with x-forwarded-host httpbin:8000", () => {
    assert.equal(v1.records.length, 1, `v1 recorded ${v1.records.length} requests`);
    const [r] = v1.records;
    assert.equal(`${r.method} ${r.url}`, "GET /headers");
    assert.equal(r.headers["x-forwarded-host"], "httpbin:8000");
    assert.ok(r.headers["x-request-id"], "v1's request has no x-request-id");
  });
  await check("phase 2: v2 recorded the same GET /headers with x-forwarded-host httpbin-shadow:8000", async () => {
    await waitFor("v2 to record the shadow", () => v2.records.length > 0, SHADOW_WAIT_MS);
    assert.equal(v2.records.length, 1, `v2 recorded ${v2.records.length} requests`);
    const [r] = v2.records;
    assert.equal(`${r.method} ${r.url}`, "GET /headers");
    assert.equal(r.headers["x-forwarded-host"], "httpbin-shadow:8000");
  });
  await check("phase 2: v2's copy carries the same x-request-id as v1's", () => {
    assert.ok(v2.records[0], "v2 recorded nothing");
    assert.equal(v2.records[0].headers["x-request-id"], v1.records[0]?.headers["x-request-id"]);
  });
  await check('phase 2: the worker printed an "event":"shadow" line with status 200', async () => {
    const shadow = await waitFor(
      'an "event":"shadow" line',
      () => workerEvents(wrangler).find((e) => e.event === "shadow"),
      SHADOW_WAIT_MS,
    );
    assert.equal(shadow.status, 200, `shadow line: ${JSON.stringify(shadow)}`);
    assert.equal(shadow.destination, "httpbin/v2");
    assert.equal(shadow.requestId, v1.records[0]?.headers["x-request-id"]);
  });

  await check("phase 2: an unknown Host gets 404 and neither origin records it", async () => {
    const before = [v1.records.length, v2.records.length];
    const unknown = await get(port, "unknown.example:8000", "/headers");
    assert.equal(unknown.status, 404, `status ${unknown.status}: ${unknown.body.slice(0, 200)}`);
    await sleep(QUIET_MS);
    assert.deepEqual([v1.records.length, v2.records.length], before, "an origin recorded the unknown host's request");
  });
}

/** Stops everything this run started and puts generated/routes.json back. Idempotent. */
async function cleanup() {
  await stopWrangler(wrangler);
  await Promise.all(origins.splice(0).map((o) => o.close().catch(() => {})));
  if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  tempDir = "";
  const rebuilt = spawnSync(process.execPath, [TSX, "src/config/cli.ts", "compile", "routes.yaml"], {
    cwd: ROOT,
    encoding: "utf8",
  });
  if (rebuilt.status !== 0) console.log(`# warning: could not rebuild generated/routes.json from routes.yaml:\n${rebuilt.stderr}`);
}

async function finish(extraFailure) {
  if (finishing) return;
  finishing = true;
  if (extraFailure) {
    failures.push({ name: extraFailure, message: "" });
    console.log(`not ok - ${extraFailure}`);
  }
  await cleanup();
  if (failures.length > 0) {
    console.log("\nfailed:");
    for (const f of failures) console.log(`  - ${f.name}${f.message ? `\n${indent(f.message, "      ")}` : ""}`);
    console.log("\nwrangler dev output (last 40 lines):");
    console.log(indent(wranglerOutput.slice(-40).join("\n") || "(none)", "  | "));
    console.log(`${passed} passed, ${failures.length} failed`);
    process.exit(1);
  }
  console.log(`${passed} passed, 0 failed`);
  process.exit(0);
}

// Last resort if the process goes away some other way: never leave wrangler running.
process.on("exit", () => {
  const pid = wrangler?.child.pid;
  if (pid && groupAlive(pid)) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {}
  }
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => void finish(`interrupted by ${signal}`));
setTimeout(() => void finish(`overall timeout: the end-to-end test took more than ${OVERALL_TIMEOUT_MS / 1000} s`), OVERALL_TIMEOUT_MS);

if (!existsSync(WRANGLER) || !existsSync(TSX)) {
  console.log("not ok - wrangler and tsx are installed (run `npm install` first)");
  console.log("0 passed, 1 failed");
  process.exit(1);
}

main().then(
  () => finish(),
  (e) => finish(e instanceof Fatal ? undefined : `unexpected error: ${e instanceof Error ? e.stack ?? e.message : e}`),
);
