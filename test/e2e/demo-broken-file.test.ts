// `npm start` with a mistake saved into routes.yaml (issue 18): the serving part of the
// demo (scripts/demo-routes.ts) under a real `wrangler dev`, in a copy of the project
// whose routes.yaml this test edits, with two real origins.
//
//   valid      GET answered by v1
//   broken     a typo saved: the error names routes.yaml:22:5, and nothing else; every
//              request is answered 503 at once with that error in the body (wrangler
//              used to hold requests until the file was fixed, and dump its error object)
//   fixed      the file saved again as it was: answered by v1 again
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BROKEN_STATUS, serveRoutes, type ServedRoutes, type ServedState } from "../../scripts/demo-routes";
import { freePort } from "../../devkit/loopback";
import { startOrigin, type Origin } from "../../devkit/origin";
import { ROOT, startWranglerDev, waitReady, type WranglerDev } from "../../devkit/wrangler-dev";

const READY_TIMEOUT_MS = 60_000;
/** One request may take this long at most: the point is that none hangs. */
const REQUEST_TIMEOUT_MS = 10_000;
const RELOAD_TIMEOUT_MS = 30_000;

const project = mkdtempSync(join(tmpdir(), "edge-mirror-demo-project-"));
const routes = join(project, "routes.yaml");
const policy = join(project, "scripts", "demo-compare.yaml");
let original = "";
const origins: Origin[] = [];
let served: ServedRoutes | undefined;
let dev: WranglerDev | undefined;
let port = 0;
const changes: ServedState[] = [];

interface Answer {
  status: number;
  origin: string | undefined;
  body: string;
  ms: number;
}

function get(path: string): Promise<Answer> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, path, agent: false, headers: { host: "httpbin:8000", "user-agent": "edge-mirror-e2e" } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, origin: res.headers["x-origin"] as string | undefined, body: Buffer.concat(chunks).toString("utf8"), ms: Date.now() - started }));
    });
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms (a request held while the routes file is broken?)`)));
    req.on("error", reject);
    req.end();
  });
}

/** Sends GETs until one satisfies `done` (wrangler reloads the worker a second or two after a save). */
async function getUntil(what: string, done: (a: Answer) => boolean): Promise<Answer> {
  const deadline = Date.now() + RELOAD_TIMEOUT_MS;
  for (;;) {
    const answer = await get("/headers");
    if (done(answer)) return answer;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last answer ${answer.status}: ${answer.body.slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

beforeAll(async () => {
  // The project as wrangler dev needs it, with its own routes.yaml and generated/.
  for (const entry of ["src", "wrangler.toml", "package.json", "tsconfig.json", "scripts/demo-compare.yaml"]) cpSync(join(ROOT, entry), join(project, entry), { recursive: true });
  symlinkSync(join(ROOT, "node_modules"), join(project, "node_modules"), "dir");
  const v1 = await startOrigin({ name: "v1" });
  const v2 = await startOrigin({ name: "v2" });
  origins.push(v1, v2);
  original = readFileSync(join(ROOT, "routes.yaml"), "utf8").replace("http: 9081", `http: ${v1.port}`).replace("http: 9082", `http: ${v2.port}`);
  assert.notEqual(original, readFileSync(join(ROOT, "routes.yaml"), "utf8"), "routes.yaml's endpoints are on 9081 and 9082");
  writeFileSync(routes, original);
  served = serveRoutes({ routes, shownAs: "routes.yaml", append: policy, onChange: (s) => changes.push(s) });
  port = await freePort();
  dev = startWranglerDev({ port, routes: served.file, cwd: project, persistTo: join(project, ".state"), keepLines: 2000 });
  await waitReady(dev, READY_TIMEOUT_MS);
}, READY_TIMEOUT_MS + 20_000);

afterAll(async () => {
  await dev?.stop();
  served?.stop();
  await Promise.all(origins.map((o) => o.close().catch(() => {})));
  rmSync(project, { recursive: true, force: true });
});

describe("npm start, routes.yaml saved with a mistake, then fixed", () => {
  it("valid: the walkthrough's request is answered by v1", async () => {
    expect(served!.state()).toMatchObject({ valid: true, errors: [] });
    expect(await get("/headers")).toMatchObject({ status: 200, origin: "v1" });
  });

  it("broken: the error names routes.yaml:22:5 and nothing else; requests get 503 with it, at once", async () => {
    const linesBefore = dev!.lines.length;
    writeFileSync(routes, original.replace("mirrorPercentage:", "mirorPercentage:"));
    const error = 'routes.yaml:22:5 error: VirtualService httpbin: spec.http[0].mirorPercentage: unknown field "mirorPercentage"\n    fix: did you mean "mirrorPercentage"?';
    await expect.poll(() => changes.at(-1), { timeout: 5_000 }).toEqual({ valid: false, errors: [error] });
    const answer = await getUntil(`a ${BROKEN_STATUS}`, (a) => a.status === BROKEN_STATUS);
    expect(answer.body).toContain(`edge-mirror demo: routes.yaml has an error, so the worker answers ${BROKEN_STATUS} to every request until it is fixed.`);
    expect(answer.body).toContain(error);
    expect(answer.body).not.toContain("routes.demo.yaml");
    expect(answer.body).not.toContain(tmpdir());
    // Every request while broken is answered, quickly, the same way.
    for (let i = 0; i < 3; i++) {
      const again = await get("/headers");
      expect(again).toMatchObject({ status: BROKEN_STATUS, body: answer.body });
      expect(again.ms).toBeLessThan(REQUEST_TIMEOUT_MS);
    }
    // wrangler's build succeeded: no error object dumped (shortMessage:, escapedCommand:), no [ERROR].
    const since = dev!.lines.slice(linesBefore).join("\n");
    expect(since).not.toMatch(/shortMessage|escapedCommand|\[ERROR\]/);
  });

  it("fixed: saved as it was, the file is served again, v1 answering", async () => {
    writeFileSync(routes, original);
    await expect.poll(() => changes.at(-1), { timeout: 5_000 }).toMatchObject({ valid: true, errors: [] });
    const answer = await getUntil("v1's answer", (a) => a.status === 200);
    expect(answer.origin).toBe("v1");
  });

  it("a syntax error in routes.yaml is shown alone, not with the policy's consequences", async () => {
    writeFileSync(routes, original.replace("  - route:", "  - [route:"));
    await expect.poll(() => changes.at(-1)?.errors, { timeout: 5_000 }).toEqual([expect.stringMatching(/^routes\.yaml:14:5 error: YAML syntax: this "\[" is never closed/)]);
    writeFileSync(routes, original);
    await expect.poll(() => changes.at(-1)?.valid, { timeout: 5_000 }).toBe(true);
  });

  it("an error in the appended policy is named against scripts/demo-compare.yaml, at its own line", async () => {
    writeFileSync(policy, readFileSync(policy, "utf8").replace("noisePercent: 50", "noisePercent: 500"));
    writeFileSync(routes, `${original}\n`); // the demo recompiles on a save of routes.yaml
    await expect.poll(() => changes.at(-1)?.errors[0] ?? "", { timeout: 5_000 }).toMatch(new RegExp(`^${policy}:14:\\d+ error: MirrorPolicy httpbin-compare: spec\\.compare\\.noisePercent: `));
  });
});
