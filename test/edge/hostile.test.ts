// Hostile and odd input over real HTTP (issue: mirror hardening). The worker must
// answer from v1 or refuse cleanly, forward what it received without re-routing
// it, never mirror a shadow twice, and never show a stack trace.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startStack, type Stack } from "./support/stack";
import { header, rawRequest, type RawResponse } from "./support/raw";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.close());

let n = 0;
async function get(target: string, host: string | null, extra: string[] = []): Promise<{ id: string; res: RawResponse }> {
  const id = `h-${++n}`;
  const head = [`GET ${target} HTTP/1.1`, ...(host === null ? [] : [`Host: ${host}`]), `x-request-id: ${id}`, "Connection: close", ...extra];
  return { id, res: await rawRequest(stack.port, head) };
}

function noInternals(res: RawResponse) {
  const text = res.body.toString("latin1");
  expect(text).not.toMatch(/\n\s+at |\/work\/|node_modules|\.ts:\d+/);
  expect(text.length).toBeLessThan(200);
}

describe("Host handling", () => {
  it.each([
    ["uppercase", "HTTPBIN:8000"],
    ["trailing dot", "httpbin.:8000"],
    ["odd port", "httpbin:65535"],
    ["no port", "httpbin"],
  ])("%s (%s) routes to the httpbin VirtualService", async (_, host) => {
    const { res } = await get("/anything", host);
    expect(res.status).toBe(200);
    expect(header(res, "x-origin")).toBe("v1");
  });

  it.each([
    ["an unknown host", "evil.example"],
    ["an IPv6 literal nobody configured", "[::1]:8080"],
    ["a host that only ends like a configured one", "nothttpbin"],
  ])("%s gets 404 and no origin is contacted", async (_, host) => {
    const { id, res } = await get("/anything", host);
    expect(res.status).toBe(404);
    noInternals(res);
    await new Promise((r) => setTimeout(r, 100));
    expect(stack.recordsFor(id)).toEqual([]);
  });

  it("a request without Host is refused and contacts no origin", async () => {
    const id = `h-${++n}`;
    const res = await rawRequest(stack.port, ["GET /anything HTTP/1.0", `x-request-id: ${id}`]);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    noInternals(res);
    expect(stack.recordsFor(id)).toEqual([]);
  });
});

describe("paths and queries", () => {
  it.each(["/a%2Fb/c", "//double//slashes//", "/a;b=c/d", "/%7Euser/%20space", "/q?a=1&a=2&b=%ZZ&c&=x"])(
    "%s reaches v1 and the shadow exactly as sent",
    async (target) => {
      const { id, res } = await get(target, "httpbin");
      expect(res.status).toBe(200);
      expect(await eventually(() => stack.recordsFor(id).length === 2)).toBe(true);
      expect(stack.recordsFor(id).map((r) => r.url)).toEqual([target, target]);
    },
  );

  it("a long query string (8 KiB) is forwarded whole", async () => {
    const target = `/long?q=${"x".repeat(8 * 1024)}`;
    const { id, res } = await get(target, "httpbin");
    expect(res.status).toBe(200);
    expect(await eventually(() => stack.recordsFor(id).length === 2)).toBe(true);
    expect(stack.recordsFor(id).every((r) => r.url === target)).toBe(true);
  });

  it("dot segments are resolved by the runtime before routing, so the route matched is the path forwarded", async () => {
    // /public/../admin/x becomes /admin/x in request.url: it must go to the admin route (v3) as /admin/x,
    // never be matched as one path and forwarded as another.
    const { id, res } = await get("/public/../admin/x", "httpbin");
    expect(res.status).toBe(200);
    const [primary] = stack.recordsFor(id).filter((r) => r.origin !== "v2");
    expect(primary).toMatchObject({ origin: "v3", url: "/admin/x" });
    const encoded = await get("/public/%2e%2e/admin/y", "httpbin");
    const [other] = stack.recordsFor(encoded.id).filter((r) => r.origin !== "v2");
    expect(other!.origin === "v3").toBe(other!.url.startsWith("/admin"));
  });

  it("non-UTF-8 bytes in the path reach v1 and the shadow identically, as the runtime percent-encoded them", async () => {
    // The runtime hands the worker request.url already percent-encoded (locally the 0xE9 byte
    // arrives as U+FFFD); the worker forwards that string unchanged to both legs.
    const { id, res } = await get("/caf\xe9", "httpbin");
    expect(res.status).toBe(200);
    expect(await eventually(() => stack.recordsFor(id).length === 2)).toBe(true);
    const urls = stack.recordsFor(id).map((r) => r.url);
    expect(urls[0]).toBe(urls[1]);
    expect(urls[0]).toMatch(/^\/caf(%[0-9A-F]{2})+$/);
  });

  it("a query over the runtime's header limit (16 KiB) is refused cleanly and contacts no origin", async () => {
    const { id, res } = await get(`/long?q=${"x".repeat(17 * 1024)}`, "httpbin");
    expect(res.status).toBe(431);
    expect(stack.recordsFor(id)).toEqual([]);
  });
});

describe("headers", () => {
  it("duplicate headers reach both legs combined, in order", async () => {
    const { id } = await get("/anything", "httpbin", ["X-Dup: a", "X-Dup: b"]);
    expect(await eventually(() => stack.recordsFor(id).length === 2)).toBe(true);
    for (const r of stack.recordsFor(id)) expect(r.headers["x-dup"]).toBe("a, b");
  });

  it("a huge header (48 KiB) is forwarded or refused cleanly, and the worker keeps serving", async () => {
    const { id, res } = await get("/anything", "httpbin", [`X-Huge: ${"h".repeat(48 * 1024)}`]);
    if (res.status === 200) {
      expect(await eventually(() => stack.recordsFor(id).length === 2)).toBe(true);
    } else {
      expect([400, 413, 431, 502, 503]).toContain(res.status);
      noInternals(res);
    }
    expect((await get("/anything", "httpbin")).res.status).toBe(200);
  });

  it("a spoofed X-Forwarded-Host is overwritten on the primary and suffixed on the shadow", async () => {
    const { id } = await get("/anything", "httpbin:8000", ["X-Forwarded-Host: admin.internal", "X-Forwarded-For: 10.1.1.1"]);
    expect(await eventually(() => stack.recordsFor(id).length === 2)).toBe(true);
    const byOrigin = Object.fromEntries(stack.recordsFor(id).map((r) => [r.origin, r.headers]));
    expect(byOrigin.v1!["x-forwarded-host"]).toBe("httpbin:8000");
    expect(byOrigin.v2!["x-forwarded-host"]).toBe("httpbin-shadow:8000");
    expect(String(byOrigin.v1!["x-forwarded-for"])).toMatch(/^10\.1\.1\.1, /);
  });
});

describe("CONNECT", () => {
  it("never reaches the worker: the runtime refuses it, nothing is contacted or mirrored", async () => {
    const id = `h-${++n}`;
    const res = await rawRequest(stack.port, ["CONNECT httpbin:443 HTTP/1.1", "Host: httpbin:443", `x-request-id: ${id}`]);
    expect(res.status).toBeGreaterThanOrEqual(400);
    noInternals(res);
    await new Promise((r) => setTimeout(r, 200));
    expect(stack.recordsFor(id)).toEqual([]);
    expect(stack.logs.filter((l) => l.requestId === id)).toEqual([]);
  });
});

describe("loops", () => {
  it("a shadow sent back through the worker (two hops) is forwarded but never mirrored again", async () => {
    const { id, res } = await get("/anything", "loop.test");
    expect(res.status).toBe(200);
    // hop 1: the client's request → v1, shadow → the worker itself; hop 2: that shadow → v1, no further shadow.
    expect(await eventually(() => stack.recordsFor(id).length === 2)).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    const records = stack.recordsFor(id);
    expect(records.map((r) => [r.origin, r.headers["x-forwarded-host"]])).toEqual([
      ["v1", "loop.test"],
      ["v1", "loop.test-shadow"],
    ]);
    const lines = stack.logs.filter((l) => l.requestId === id);
    // One line per hop: the first carries its one shadow's outcome, the second is the returning shadow, not mirrored.
    expect(lines).toHaveLength(2);
    expect(lines.filter((l) => l.event === "request" && (l.shadows as unknown[] | undefined)?.length === 1)).toHaveLength(1);
    expect(lines.filter((l) => l.event === "request" && l.returningShadow === true && l.shadows === undefined)).toHaveLength(1);
  });
});
