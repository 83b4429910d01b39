// End-to-end: the walkthrough's two phases against the real worker under
// `wrangler dev` and two real origins (vitest project "e2e", the last step of `npm test`).
//
//   phase 1  the seed's VirtualService without a mirror: v1 answers, v2 sees nothing
//   phase 2  the same route with mirror v2 at 100 %: v1 answers, v2 gets the same
//            request with X-Forwarded-Host: httpbin-shadow:8000 and the same request id
//   phase 3, 4  the task's Gateway API version: the HTTPRoute without, then with, its
//            RequestMirror filter (Services and HTTPRoute as written, plus WorkloadEntries)
//
// Each phase writes a temp routes file and starts wrangler dev with
// EDGE_MIRROR_ROUTES pointing at it, so wrangler's own [build] compiles it (the
// watcher only sees src/ and routes.yaml, so phase 2 restarts wrangler dev).
// Everything listens on 127.0.0.1 on ephemeral ports. The checks run in order and
// share state; when a check that later ones depend on fails, the rest fail as
// "not run". At the end generated/routes.json is rebuilt from routes.yaml so the
// workspace is left as it was.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, beforeAll, describe, it } from "vitest";
import { killGroupNow, freePort } from "../../devkit/loopback";
import { startOrigin, type Origin } from "../../devkit/origin";
import { DESTINATION_RULE, VIRTUAL_SERVICE_BEFORE, VIRTUAL_SERVICE_MIRROR, seedRoutes } from "../../devkit/seed-routes";
import { HTTP_ROUTE_BEFORE, HTTP_ROUTE_MIRROR, TASK_SERVICES, seedGatewayApiRoutes } from "../support/seed-gateway-api";
import { ROOT, WRANGLER, shadowEvents, startWranglerDev, waitReady, workerEvents, type WranglerDev } from "../../devkit/wrangler-dev";

const TSX = join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");
const READY_TIMEOUT_MS = 60_000;
const SHADOW_WAIT_MS = 5_000;
// How long "nothing arrived" is given to prove itself.
const QUIET_MS = 1_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, predicate: () => T | undefined | false, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = predicate();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A GET through the worker with the given Host, like `curl http://<host>/<path>` in the mesh. */
function get(port: number, host: string, path: string): Promise<Answer> {
  return new Promise((resolveGet, reject) => {
    const req = httpRequest(
      { host: "127.0.0.1", port, path, method: "GET", agent: false, headers: { host, accept: "*/*", "user-agent": "edge-mirror-e2e" } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolveGet({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.setTimeout(15_000, () => req.destroy(new Error(`no answer from the worker within 15 s (${host}${path})`)));
    req.on("error", reject);
    req.end();
  });
}

// ---------------------------------------------------------------- the run's state

const origins: Origin[] = [];
let v1: Origin;
let v2: Origin;
let tempDir = "";
let routes = "";
let persistTo = "";
let wrangler: WranglerDev | undefined;
/** Every line wrangler printed, all phases, for the failure report. */
const wranglerOutput: string[] = [];
let port = 0;
let answer: Answer | undefined;
/** The check whose failure stops the run; later checks fail as "not run". */
let stoppedBy = "";
let anyFailed = false;

/** One check of the walkthrough, as an `it`; `fatal`: the checks after it depend on it. */
function check(name: string, fn: () => unknown, { fatal = false } = {}) {
  it(name, async () => {
    if (stoppedBy) throw new Error(`not run: "${stoppedBy}" failed`);
    try {
      await fn();
    } catch (e) {
      anyFailed = true;
      if (fatal) stoppedBy = name;
      throw e;
    }
  });
}

function startWrangler(): WranglerDev {
  const dev = startWranglerDev({ port, routes, persistTo, onLine: (line) => wranglerOutput.push(line) });
  wrangler = dev;
  return dev;
}

const dev = (): WranglerDev => {
  assert.ok(wrangler, "wrangler dev was not started");
  return wrangler;
};

// Last resort if the process goes away some other way: never leave wrangler running.
process.on("exit", () => killGroupNow(wrangler?.child.pid));

beforeAll(async () => {
  assert.ok(existsSync(WRANGLER) && existsSync(TSX), "wrangler and tsx are installed (run `npm install` first)");
  v1 = await startOrigin({ name: "v1" });
  origins.push(v1);
  v2 = await startOrigin({ name: "v2" });
  origins.push(v2);
  tempDir = mkdtempSync(join(tmpdir(), "edge-mirror-e2e-"));
  routes = join(tempDir, "routes.yaml");
  persistTo = join(tempDir, "state");
});

/** Stops everything this run started and puts generated/routes.json back. */
afterAll(async () => {
  if (anyFailed) {
    const tail = wranglerOutput.slice(-40).join("\n") || "(none)";
    console.log(`wrangler dev output (last 40 lines):\n${tail.replace(/^/gm, "  | ")}`);
  }
  await wrangler?.stop();
  await Promise.all(origins.splice(0).map((o) => o.close().catch(() => {})));
  if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  const rebuilt = spawnSync(process.execPath, [TSX, "src/tools/compile-cli.ts", "compile", "routes.yaml"], { cwd: ROOT, encoding: "utf8" });
  if (rebuilt.status !== 0) console.log(`# warning: could not rebuild generated/routes.json from routes.yaml:\n${rebuilt.stderr}`);
});

describe("the walkthrough through wrangler dev", () => {
  check("routes.yaml carries the seed's VirtualService (with mirror) and DestinationRule unchanged", () => {
    const text = readFileSync(join(ROOT, "routes.yaml"), "utf8");
    assert.ok(text.includes(VIRTUAL_SERVICE_MIRROR), "routes.yaml's VirtualService differs from the seed's mirroring step");
    assert.ok(text.includes(DESTINATION_RULE), "routes.yaml's DestinationRule differs from the seed's");
  });

  // ---- phase 1: before mirroring
  check(
    "phase 1: wrangler dev starts and is ready",
    async () => {
      writeFileSync(routes, seedRoutes(VIRTUAL_SERVICE_BEFORE, v1.port, v2.port));
      port = await freePort();
      console.log(`# phase 1: wrangler dev on 127.0.0.1:${port}, VirtualService without mirror; origins v1 ${v1.url}, v2 ${v2.url}`);
      await waitReady(startWrangler(), READY_TIMEOUT_MS);
    },
    { fatal: true },
  );
  check("phase 1: wrangler's [build] compiled the temp routes file (0 mirrors)", () => {
    const built = dev().lines.find((l) => l.includes(`${basename(tempDir)}/routes.yaml →`));
    assert.ok(built, "no `edge-mirror: <temp routes file> → generated/routes.json` line in wrangler's output");
    assert.match(built, /1 VirtualService\(s\), 1 route\(s\), 0 mirror\(s\)/);
  });
  check(
    "phase 1: GET httpbin:8000/headers is answered 200 by v1",
    async () => {
      answer = await get(port, "httpbin:8000", "/headers");
      assert.equal(answer.status, 200, `status ${answer.status}: ${answer.body.slice(0, 200)}`);
      assert.equal(answer.headers["x-origin"], "v1");
    },
    { fatal: true },
  );
  check("phase 1: the body shows X-Forwarded-Host: httpbin:8000", () => {
    const shown = JSON.parse(answer!.body).headers;
    assert.equal(shown["X-Forwarded-Host"], "httpbin:8000");
  });
  check("phase 1: v1 recorded GET /headers", () => {
    assert.equal(v1.records.length, 1, `v1 recorded ${v1.records.length} requests`);
    assert.equal(v1.records[0]!.method, "GET");
    assert.equal(v1.records[0]!.url, "/headers");
  });
  check("phase 1: v2 recorded nothing", async () => {
    await sleep(QUIET_MS);
    assert.deepEqual(v2.records.map((r) => `${r.method} ${r.url}`), []);
  });
  check("phase 1: the worker logged the request with no shadows", async () => {
    const line = await waitFor("the worker's request log line", () => workerEvents(dev()).find((e) => e.event === "request"), SHADOW_WAIT_MS);
    assert.equal(line.status, 200);
    assert.equal(line.shadows, undefined);
    assert.equal(shadowEvents(workerEvents(dev())).length, 0, "a shadow was logged");
  });

  // ---- phase 2: after mirroring (kubectl apply → rewrite the file, restart wrangler dev)
  check(
    "phase 2: wrangler dev restarts and is ready",
    async () => {
      await dev().stop();
      v1.records.length = 0;
      v2.records.length = 0;
      writeFileSync(routes, seedRoutes(VIRTUAL_SERVICE_MIRROR, v1.port, v2.port));
      port = await freePort();
      console.log(`# phase 2: wrangler dev on 127.0.0.1:${port}, VirtualService with mirror v2 at 100 %`);
      await waitReady(startWrangler(), READY_TIMEOUT_MS);
    },
    { fatal: true },
  );
  check("phase 2: wrangler's [build] compiled the mirroring routes file (1 mirror)", () => {
    const built = dev().lines.find((l) => l.includes(`${basename(tempDir)}/routes.yaml →`));
    assert.ok(built, "no `edge-mirror: <temp routes file> → generated/routes.json` line in wrangler's output");
    assert.match(built, /1 VirtualService\(s\), 1 route\(s\), 1 mirror\(s\)/);
  });
  check(
    "phase 2: GET httpbin:8000/headers is still answered 200 by v1 (x-origin: v1)",
    async () => {
      answer = await get(port, "httpbin:8000", "/headers");
      assert.equal(answer.status, 200, `status ${answer.status}: ${answer.body.slice(0, 200)}`);
      assert.equal(answer.headers["x-origin"], "v1");
      assert.equal(JSON.parse(answer.body).headers["X-Forwarded-Host"], "httpbin:8000");
    },
    { fatal: true },
  );
  check("phase 2: v1 recorded GET /headers with x-forwarded-host httpbin:8000", () => {
    assert.equal(v1.records.length, 1, `v1 recorded ${v1.records.length} requests`);
    const [r] = v1.records;
    assert.equal(`${r!.method} ${r!.url}`, "GET /headers");
    assert.equal(r!.headers["x-forwarded-host"], "httpbin:8000");
    assert.ok(r!.headers["x-request-id"], "v1's request has no x-request-id");
  });
  check("phase 2: v2 recorded the same GET /headers with x-forwarded-host httpbin-shadow:8000", async () => {
    await waitFor("v2 to record the shadow", () => v2.records.length > 0, SHADOW_WAIT_MS);
    assert.equal(v2.records.length, 1, `v2 recorded ${v2.records.length} requests`);
    const [r] = v2.records;
    assert.equal(`${r!.method} ${r!.url}`, "GET /headers");
    assert.equal(r!.headers["x-forwarded-host"], "httpbin-shadow:8000");
  });
  check("phase 2: v2's copy carries the same x-request-id as v1's", () => {
    assert.ok(v2.records[0], "v2 recorded nothing");
    assert.equal(v2.records[0].headers["x-request-id"], v1.records[0]?.headers["x-request-id"]);
  });
  check("phase 2: the worker's request line carries the shadow's outcome, status 200", async () => {
    const shadow = await waitFor("a request line with a shadow", () => shadowEvents(workerEvents(dev()))[0], SHADOW_WAIT_MS);
    assert.equal(shadow.status, 200, `shadow line: ${JSON.stringify(shadow)}`);
    assert.equal(shadow.destination, "httpbin/v2");
    assert.equal(shadow.requestId, v1.records[0]?.headers["x-request-id"]);
  });
  check("phase 2: an unknown Host gets 404 and neither origin records it", async () => {
    const before = [v1.records.length, v2.records.length];
    const unknown = await get(port, "unknown.example:8000", "/headers");
    assert.equal(unknown.status, 404, `status ${unknown.status}: ${unknown.body.slice(0, 200)}`);
    await sleep(QUIET_MS);
    assert.deepEqual([v1.records.length, v2.records.length], before, "an origin recorded the unknown host's request");
  });

  // ---- the Gateway API version of the task: its Services and HTTPRoutes as written, plus WorkloadEntries
  check("routes.gateway-api.yaml carries the task's Gateway API Services and HTTPRoute (with RequestMirror) unchanged", () => {
    const text = readFileSync(join(ROOT, "routes.gateway-api.yaml"), "utf8");
    assert.ok(text.includes(TASK_SERVICES), "routes.gateway-api.yaml's Services differ from the task's");
    assert.ok(text.includes(HTTP_ROUTE_MIRROR), "routes.gateway-api.yaml's HTTPRoute differs from the task's mirroring step");
  });
  for (const [phase, httpRoute, mirrors] of [
    ["phase 3 (Gateway API)", HTTP_ROUTE_BEFORE, 0],
    ["phase 4 (Gateway API)", HTTP_ROUTE_MIRROR, 1],
  ] as const) {
    check(
      `${phase}: wrangler dev restarts with the HTTPRoute and is ready`,
      async () => {
        await dev().stop();
        v1.records.length = 0;
        v2.records.length = 0;
        writeFileSync(routes, seedGatewayApiRoutes(httpRoute, v1.port, v2.port));
        port = await freePort();
        console.log(`# ${phase}: wrangler dev on 127.0.0.1:${port}, HTTPRoute with ${mirrors} RequestMirror filter(s)`);
        await waitReady(startWrangler(), READY_TIMEOUT_MS);
      },
      { fatal: true },
    );
    check(`${phase}: wrangler's [build] compiled the HTTPRoute (${mirrors} mirror(s))`, () => {
      const built = dev().lines.find((l) => l.includes(`${basename(tempDir)}/routes.yaml →`));
      assert.ok(built, "no `edge-mirror: <temp routes file> → generated/routes.json` line in wrangler's output");
      assert.match(built, new RegExp(`0 VirtualService\\(s\\), 1 HTTPRoute hostname\\(s\\), 1 route\\(s\\), ${mirrors} mirror\\(s\\)`));
    });
    check(
      `${phase}: GET httpbin:8000/headers is answered 200 by v1 (Service httpbin-v1)`,
      async () => {
        answer = await get(port, "httpbin:8000", "/headers");
        assert.equal(answer.status, 200, `status ${answer.status}: ${answer.body.slice(0, 200)}`);
        assert.equal(answer.headers["x-origin"], "v1");
        assert.equal(JSON.parse(answer.body).headers["X-Forwarded-Host"], "httpbin:8000");
        assert.equal(v1.records.length, 1, `v1 recorded ${v1.records.length} requests`);
      },
      { fatal: true },
    );
    if (mirrors === 0) {
      check(`${phase}: v2 recorded nothing`, async () => {
        await sleep(QUIET_MS);
        assert.deepEqual(v2.records.map((r) => `${r.method} ${r.url}`), []);
      });
    } else {
      check(`${phase}: v2 (Service httpbin-v2) recorded the same GET /headers with x-forwarded-host httpbin-shadow:8000 and v1's x-request-id`, async () => {
        await waitFor("v2 to record the shadow", () => v2.records.length > 0, SHADOW_WAIT_MS);
        const [r] = v2.records;
        assert.equal(`${r!.method} ${r!.url}`, "GET /headers");
        assert.equal(r!.headers["x-forwarded-host"], "httpbin-shadow:8000");
        assert.equal(r!.headers["x-request-id"], v1.records[0]?.headers["x-request-id"]);
      });
      check(`${phase}: the worker logged the shadow to httpbin-v2 with status 200`, async () => {
        const shadow = await waitFor("a request line with a shadow", () => shadowEvents(workerEvents(dev()))[0], SHADOW_WAIT_MS);
        assert.equal(shadow.status, 200, `shadow line: ${JSON.stringify(shadow)}`);
        assert.equal(shadow.destination, "httpbin-v2");
        const request = workerEvents(dev()).find((e) => e.event === "request");
        assert.equal(request?.route, "httpbin/rules[0]");
      });
    }
  }
});
