// Request bodies: the primary streams, the shadow gets a byte-identical copy up
// to the cap (1 MiB by default); over the cap the shadow is skipped with a reason.
import { describe, expect, it } from "vitest";
import { recordsAt, send, sha256, shadowLogs, table } from "../support/harness";

function randomBytes(n: number): Uint8Array {
  const bytes = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(bytes.subarray(i, Math.min(n, i + 65536)));
  return bytes;
}

function streamOf(bytes: Uint8Array, chunk = 16384): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + chunk));
      offset += chunk;
    },
  });
}

describe("a 64 KiB POST", () => {
  it("reaches v1 and v2 byte for byte, with the same method and Content-Length", async () => {
    const body = randomBytes(64 * 1024);
    const digest = await sha256(body);
    // A client that sends a body declares its length; an in-process Request would not.
    const headers = { "content-type": "application/octet-stream", "content-length": String(body.length) };
    const sent = await send("http://mirror.test/anything", { method: "POST", body, headers });
    await sent.settled();
    expect(sent.response.status).toBe(200);
    const [primary] = await recordsAt("v1", sent.requestId);
    const [shadow] = await recordsAt("v2", sent.requestId);
    for (const record of [primary!, shadow!]) {
      expect(record).toMatchObject({ method: "POST", bodyBytes: 65536, bodySha256: digest, complete: true });
      expect(record.headers["content-type"]).toBe("application/octet-stream");
    }
    expect(primary!.headers["content-length"]).toBe("65536");
    expect(primary!.headers["transfer-encoding"]).toBeUndefined();
  });

  it("sent chunked (no Content-Length) still reaches both byte for byte", async () => {
    const body = randomBytes(64 * 1024);
    const digest = await sha256(body);
    const sent = await send("http://mirror.test/anything", { method: "PUT", body: streamOf(body) });
    await sent.settled();
    expect((await recordsAt("v1", sent.requestId))[0]).toMatchObject({ method: "PUT", bodySha256: digest });
    expect((await recordsAt("v2", sent.requestId))[0]).toMatchObject({ method: "PUT", bodySha256: digest });
  });

  it("goes to both mirrors of a route with two targets", async () => {
    const body = randomBytes(4096);
    const digest = await sha256(body);
    const sent = await send("http://two.test/anything", { method: "POST", body, random: 0.1 });
    await sent.settled();
    for (const origin of ["v1", "v2", "v3"]) {
      expect((await recordsAt(origin, sent.requestId))[0], origin).toMatchObject({ bodySha256: digest });
    }
  });
});

describe("a body over the shadow cap", () => {
  // The compiler gives every route its shadow settings; here each route's cap is 1 KiB.
  const small = {
    ...table,
    virtualHosts: table.virtualHosts.map((v) => ({ ...v, routes: v.routes.map((r) => ({ ...r, shadow: { ...r.shadow, bodyCapBytes: 1024 } })) })),
  };

  it("is forwarded to v1 whole and its shadow skipped as body_too_large (Content-Length known)", async () => {
    const body = randomBytes(4096);
    const sent = await send("http://mirror.test/anything", { method: "POST", body, table: small });
    await sent.settled();
    expect((await recordsAt("v1", sent.requestId))[0]).toMatchObject({ bodyBytes: 4096, bodySha256: await sha256(body) });
    expect(await recordsAt("v2", sent.requestId)).toHaveLength(0);
    expect(shadowLogs(sent)).toEqual([expect.objectContaining({ destination: "httpbin/v2", skipped: "body_too_large" })]);
  });

  it("is skipped too when it arrives chunked and only turns out too large while streaming", async () => {
    const body = randomBytes(4096);
    const sent = await send("http://mirror.test/anything", { method: "POST", body: streamOf(body, 1000), table: small });
    await sent.settled();
    expect((await recordsAt("v1", sent.requestId))[0]).toMatchObject({ bodyBytes: 4096, bodySha256: await sha256(body) });
    expect(await recordsAt("v2", sent.requestId)).toHaveLength(0);
    expect(shadowLogs(sent)[0]).toMatchObject({ skipped: "body_too_large" });
  });

  it("at exactly the cap is still mirrored", async () => {
    const body = randomBytes(1024);
    const sent = await send("http://mirror.test/anything", { method: "POST", body, table: small });
    await sent.settled();
    expect((await recordsAt("v2", sent.requestId))[0]).toMatchObject({ bodyBytes: 1024 });
  });
});
