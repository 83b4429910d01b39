// Connection-level faults over real HTTP: origins that reset, stream slowly or
// send huge bodies, and clients that hang up. The client's answer is always v1's,
// never delayed by the shadow; the worker keeps serving; the log says what happened.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startStack, type Stack } from "./support/stack";
import { header, openAndSend, rawRequest } from "./support/raw";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.close());

let n = 0;
async function get(host: string, target = "/anything") {
  const id = `f-${++n}`;
  const res = await rawRequest(stack.port, [`GET ${target} HTTP/1.1`, `Host: ${host}`, `x-request-id: ${id}`, "Connection: close"]);
  return { id, res };
}
/** The shadow's outcome, on the request's one log line (written once the shadow has settled). */
const shadowLine = (id: string) => (stack.logs.find((l) => l.requestId === id && l.event === "request")?.shadows as Record<string, unknown>[] | undefined)?.[0];

describe("shadow origin faults", () => {
  it.each([
    ["resets in the middle of its headers", "shadow-reset-headers.test", { error: "connect_failed" }],
    ["resets in the middle of its body", "shadow-reset-body.test", { status: 200 }],
    ["answers with a 64 MiB body", "shadow-huge.test", { status: 200 }],
  ])("shadow origin %s: the client gets v1's answer and the shadow is logged", async (_, host, outcome) => {
    const { id, res } = await get(host);
    expect(res.status).toBe(200);
    expect(header(res, "x-origin")).toBe("v1");
    expect(await eventually(() => shadowLine(id) !== undefined)).toBe(true);
    expect(shadowLine(id)).toMatchObject(outcome);
  });

  it("a huge shadow answer is not read: the worker cancels it after the status", async () => {
    const { id } = await get("shadow-huge.test");
    expect(await eventually(() => shadowLine(id) !== undefined)).toBe(true);
    const record = stack.origins.huge!.records.find((r) => r.headers["x-request-id"] === id);
    expect(await eventually(() => record?.responseAborted === true)).toBe(true);
  });

  // Envoy reads a shadow's answer and drops it; the worker must too, or workerd closes the
  // pooled connection and opens a new one per shadow (the bench measured a third of the
  // throughput lost to a v2 whose answers were chunked).
  it("a small chunked shadow answer is read to its end, so the next shadow reuses the connection", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { id, res } = await get("shadow-chunked.test");
      expect(res.status).toBe(200);
      expect(await eventually(() => shadowLine(id) !== undefined)).toBe(true);
      expect(shadowLine(id)).toMatchObject({ status: 200 });
      ids.push(id);
    }
    const records = ids.map((id) => stack.origins.chunked!.records.find((r) => r.headers["x-request-id"] === id));
    expect(records.every((r) => r?.complete)).toBe(true);
    expect(new Set(records.map((r) => r!.connection)).size).toBe(1);
  });

  it("a huge chunked shadow answer (no Content-Length) is cancelled after the drain limit, not read to the end", async () => {
    const { id, res } = await get("shadow-huge-chunked.test");
    expect(res.status).toBe(200);
    expect(header(res, "x-origin")).toBe("v1");
    expect(await eventually(() => shadowLine(id) !== undefined)).toBe(true);
    expect(shadowLine(id)).toMatchObject({ status: 200 });
    const record = stack.origins["huge-chunked"]!.records.find((r) => r.headers["x-request-id"] === id);
    expect(await eventually(() => record?.responseAborted === true)).toBe(true);
  });
});

describe("primary origin behaviour", () => {
  it("resets in the middle of its body: the client sees a truncated answer, and the worker keeps serving", async () => {
    const { res } = await get("primary-reset-body.test");
    expect(res.status).toBe(200);
    expect(res.body.length).toBeLessThan(100_000);
    expect((await get("httpbin")).res.status).toBe(200);
  });

  it("streams a slow answer without buffering: the first chunk reaches the client before the origin finishes", async () => {
    const socket = await openAndSend(stack.port, "GET /slow HTTP/1.1\r\nHost: primary-slow-stream.test\r\nConnection: close\r\n\r\n");
    let received = "";
    socket.on("data", (c) => (received += c.toString("latin1")));
    expect(await eventually(() => received.includes("first\n"))).toBe(true);
    expect(received).not.toContain("rest\n");
    expect(stack.origins["slow-stream"]!.heldCount()).toBe(1);
    stack.origins["slow-stream"]!.release();
    expect(await eventually(() => received.includes("rest\n"))).toBe(true);
    socket.destroy();
  });

  it("sends 103 Early Hints first: workerd's fetch() surfaces the 103 and drops the 200, so the client gets a clear 502", async () => {
    const { id, res } = await get("primary-early-hints.test");
    expect(res.status).toBe(502);
    expect(res.body.toString()).toBe("upstream sent an informational 103 response the runtime cannot pass on\n");
    expect(stack.logs.find((l) => l.requestId === id)).toMatchObject({ status: 502, error: "upstream_interim_response" });
  });

  it.each([
    ["/status/204", 204],
    ["/not-modified", 304],
    ["/range", 206],
  ])("%s passes status %i through with its headers", async (target, status) => {
    const { res } = await get("httpbin", target);
    expect(res.status).toBe(status);
    if (status === 206) {
      expect(header(res, "content-range")).toBe("bytes 0-3/10");
      expect(res.body.toString()).toBe("0123");
    }
    if (status === 304) expect(header(res, "etag")).toBe('"v1"');
  });
});

describe("clients that hang up", () => {
  it("mid-upload: the incomplete request is never mirrored, and the worker keeps serving", async () => {
    const id = `f-${++n}`;
    const socket = await openAndSend(
      stack.port,
      `POST /anything HTTP/1.1\r\nHost: httpbin\r\nx-request-id: ${id}\r\nContent-Length: 200000\r\n\r\n${"u".repeat(50_000)}`,
    );
    await eventually(() => stack.origins.v1!.records.some((r) => r.headers["x-request-id"] === id), 2000);
    socket.destroy();
    await new Promise((r) => setTimeout(r, 500));
    expect(stack.origins.v2!.records.filter((r) => r.headers["x-request-id"] === id)).toEqual([]);
    const v1 = stack.origins.v1!.records.filter((r) => r.headers["x-request-id"] === id);
    expect(v1.every((r) => !r.complete)).toBe(true);
    expect((await get("httpbin")).res.status).toBe(200);
  });

  it("mid-download: the worker stops pulling the origin's body and keeps serving", async () => {
    const id = `f-${++n}`;
    const socket = await openAndSend(stack.port, `GET /big HTTP/1.1\r\nHost: primary-huge.test\r\nx-request-id: ${id}\r\n\r\n`);
    let bytes = 0;
    socket.on("data", (c) => (bytes += c.length));
    expect(await eventually(() => bytes > 64 * 1024)).toBe(true);
    socket.destroy();
    const record = () => stack.origins.huge!.records.find((r) => r.headers["x-request-id"] === id);
    expect(await eventually(() => record()?.responseAborted === true, 5000)).toBe(true);
    expect((await get("httpbin")).res.status).toBe(200);
  });
});

describe("the runtime's own output", () => {
  it("shows no unhandled error from the worker", () => {
    const unhandled = stack.stderr.filter((l) => /Uncaught|unhandled/i.test(l) && !/Network connection lost|disconnected/.test(l));
    expect(unhandled).toEqual([]);
  });
});
