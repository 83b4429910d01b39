// Methods and bodies over real HTTP: every method reaches v1 and its shadow with
// the same method and body; GET and HEAD with a body are not broken.
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startStack, type Stack } from "./support/stack";
import { header, rawRequest } from "./support/raw";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.close());

let n = 0;
function request(method: string, body?: string, extra: string[] = []) {
  const id = `m-${method}-${++n}`;
  const head = [`${method} /anything HTTP/1.1`, "Host: httpbin:8000", `x-request-id: ${id}`, "Connection: close", ...extra];
  if (body !== undefined) head.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return { id, sent: rawRequest(stack.port, head, body ?? "") };
}
const sha = (s: string) => createHash("sha256").update(s).digest("hex");

describe("each method, without a body", () => {
  it.each(["GET", "HEAD", "OPTIONS", "DELETE", "POST", "PUT", "PATCH"])("%s reaches v1 and its shadow with the same method", async (method) => {
    const { id, sent } = request(method);
    const res = await sent;
    expect(res.status).toBe(200);
    expect(header(res, "x-origin")).toBe("v1");
    if (method === "HEAD") expect(res.body.length).toBe(0);
    expect(await eventually(() => stack.recordsFor(id).length === 2)).toBe(true);
    const records = stack.recordsFor(id);
    expect(records.map((r) => [r.origin, r.method]).sort()).toEqual([["v1", method], ["v2", method]]);
  });
});

describe("each method, with a body", () => {
  it.each(["POST", "PUT", "PATCH", "DELETE", "OPTIONS"])("%s carries the same body to v1 and the shadow", async (method) => {
    const body = `payload for ${method} `.repeat(100);
    const { id, sent } = request(method, body);
    expect((await sent).status).toBe(200);
    expect(await eventually(() => stack.recordsFor(id).length === 2)).toBe(true);
    for (const r of stack.recordsFor(id)) expect(r, r.origin).toMatchObject({ method, bodySha256: sha(body) });
  });

  it.each(["GET", "HEAD"])("%s with a body is still answered by v1 and mirrored, without its body (fetch cannot send one)", async (method) => {
    const { id, sent } = request(method, "unexpected body");
    const res = await sent;
    expect(res.status).toBe(200);
    expect(header(res, "x-origin")).toBe("v1");
    expect(await eventually(() => stack.recordsFor(id).length === 2)).toBe(true);
    for (const r of stack.recordsFor(id)) expect(r.method).toBe(method);
  });

  it("a chunked upload reaches both byte for byte", async () => {
    const id = `m-chunked-${++n}`;
    const parts = ["hello ", "chunked ", "world"];
    const body = parts.map((p) => `${p.length.toString(16)}\r\n${p}\r\n`).join("") + "0\r\n\r\n";
    const res = await rawRequest(stack.port, ["POST /anything HTTP/1.1", "Host: httpbin", `x-request-id: ${id}`, "Connection: close", "Transfer-Encoding: chunked"], body);
    expect(res.status).toBe(200);
    expect(await eventually(() => stack.recordsFor(id).length === 2)).toBe(true);
    for (const r of stack.recordsFor(id)) expect(r.bodySha256).toBe(sha(parts.join("")));
  });
});
