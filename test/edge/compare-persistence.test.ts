// Comparison on the worker as deployed (bundled, served by workerd on a real socket,
// the routes' SQLite Durable Objects persisted to disk): the counts survive a restart
// of the worker, the client's answer is v1's byte for byte on the wire (Content-Length
// kept through the tee), and `npm run gate` judges the real report.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startStack, type Stack } from "./support/stack";

const TOKEN = "edge-admin-token";
const ROUTES = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: cmp}
spec:
  hosts: [cmp.edge]
  http:
  - name: changed
    route: [{destination: {host: httpbin, subset: v1}}]
    mirror: {host: httpbin, subset: v2}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: httpbin}
spec:
  host: httpbin
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: httpbin}
spec:
  hosts: [httpbin]
  resolution: STATIC
  ports: [{number: 80, name: http, protocol: HTTP}]
  endpoints:
  - {address: 127.0.0.1, ports: {http: PORT_V1}, labels: {version: v1}}
  - {address: 127.0.0.1, ports: {http: PORT_V2}, labels: {version: v2}}
---
apiVersion: edge-mirror.dev/v1alpha1
kind: MirrorPolicy
metadata: {name: cmp}
spec:
  targetRef: {virtualService: cmp}
  compare:
    noisePercent: 0
    gate: {maxDivergencePercent: 5, minCompared: 10}`;

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function get(port: number, host: string, path: string, headers: Record<string, string> = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, headers: { host, ...headers }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end();
  });
}

function gate(port: number, ...args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", "src/tools/gate.ts", "--url", `http://127.0.0.1:${port}`, "--token", TOKEN, ...args], { encoding: "utf8" }, (error, stdout) =>
      resolve({ code: error ? Number(error.code) : 0, stdout }),
    );
  });
}

let stack: Stack;
const persist = mkdtempSync(join(tmpdir(), "edge-mirror-compare-"));

beforeAll(async () => {
  stack = await startStack(ROUTES, {
    durableObjects: { COMPARE_STORE: { className: "CompareStore", useSQLite: true }, ADMIN_GUARD: { className: "AdminGuard", useSQLite: true } },
    durableObjectsPersist: persist,
    bindings: { EDGE_MIRROR_ADMIN_TOKEN: TOKEN },
  });
});
afterAll(async () => {
  await stack?.close();
  rmSync(persist, { recursive: true, force: true });
});

/** Every shadow outcome logged so far: each on its request's one line. */
const shadows = () => stack.logs.flatMap((l) => (l.event === "request" ? ((l.shadows as Record<string, unknown>[] | undefined) ?? []) : []));
const report = async () => {
  const res = await get(stack.port, "cmp.edge", "/__edge-mirror/api/report", { authorization: `Bearer ${TOKEN}` });
  expect(res.status).toBe(200);
  return JSON.parse(res.body.toString()) as { routes: { compared: number; divergent: number; verdict: string; fields: { path: string; status: string }[]; examples: unknown[] }[] };
};

describe("comparison on the deployed worker", () => {
  it("compared answers reach the client byte for byte, with v1's Content-Length", async () => {
    const direct = await get(stack.origins.v1!.port, "v1", "/compare/changed");
    for (let i = 0; i < 12; i++) {
      const res = await get(stack.port, "cmp.edge", "/compare/changed");
      expect(res.status).toBe(200);
      expect(res.headers["x-origin"]).toBe("v1");
      expect(res.headers["content-length"]).toBe(String(direct.body.length));
      expect(res.headers["transfer-encoding"]).toBeUndefined();
      expect(res.body.equals(direct.body)).toBe(true);
    }
    expect(await eventually(() => shadows().filter((s) => s.compared === true).length === 12, 5000)).toBe(true);
    const shadow = shadows()[0]!;
    expect(shadow).toMatchObject({ compared: true, divergent: ["/body/user/plan"] });
  });

  it("the report counts them", async () => {
    const [route] = (await report()).routes;
    expect(route).toMatchObject({ compared: 12, divergent: 12, verdict: "fail" });
    expect(route!.fields).toEqual([expect.objectContaining({ path: "/body/user/plan", status: "divergent" })]);
  });

  it("the counts survive a restart of the worker (SQLite Durable Object storage)", async () => {
    await stack.restart();
    const [route] = (await report()).routes;
    expect(route).toMatchObject({ compared: 12, divergent: 12, verdict: "fail" });
    expect(route!.examples.length).toBeGreaterThan(0);
    // And keep adding up after it.
    await get(stack.port, "cmp.edge", "/compare/changed");
    expect(await eventually(() => shadows().length === 13, 5000)).toBe(true);
    expect((await report()).routes[0]!.compared).toBe(13);
  });

  it("npm run gate reads the real report: exit 1 (fail) naming the field; --json", async () => {
    const { code, stdout } = await gate(stack.port);
    expect(code).toBe(1);
    expect(stdout).toContain("FAIL         cmp/changed → httpbin/v2: 13 of 13 compared diverge");
    expect(stdout).toContain("divergent: /body/user/plan");
    const json = await gate(stack.port, "--json");
    expect(JSON.parse(json.stdout)).toMatchObject({ verdict: "fail", exitCode: 1, routes: [{ route: "changed", divergentFields: ["/body/user/plan"] }] });
  });
});
