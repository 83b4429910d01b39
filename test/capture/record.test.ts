// The capture record's pure parts (src/capture/record.ts, keys.ts): the shared
// contract with the replay side (docs/capture.md) — header pairs, body encodings,
// truncation marks, redaction before anything is stored, and the R2 key layout.
import { describe, expect, it } from "vitest";
import { capturedBody, headerPairs, redaction } from "../../src/capture/record";
import { batchKey, hourPrefix, keyTime } from "../../src/capture/keys";
import { gunzip, gzip } from "../../src/capture/batcher";

const utf8 = (s: string) => new TextEncoder().encode(s);

describe("capture record: headers", () => {
  it("lowercase [name, value] pairs; the four credential headers always replaced, route paths too; the client's address and cf-* not kept", () => {
    const h = new Headers([
      ["Accept", "application/json"],
      ["Authorization", "Bearer s1"],
      ["Proxy-Authorization", "Basic s2"],
      ["Cookie", "sid=s3"],
      ["X-Api-Key", "s4"],
      ["CF-Connecting-IP", "203.0.113.9"],
      ["X-Forwarded-For", "203.0.113.9"],
    ]);
    const pairs = headerPairs(h, redaction(["/headers/x-api-key"]));
    expect(pairs).toEqual([
      ["accept", "application/json"],
      ["authorization", "[redacted]"],
      ["cookie", "[redacted]"],
      ["proxy-authorization", "[redacted]"],
      ["x-api-key", "[redacted]"],
    ]);
  });

  it("/headers/* redacts every header value", () => {
    expect(headerPairs(new Headers({ a: "1", b: "2" }), redaction(["/headers/*"]))).toEqual([["a", "[redacted]"], ["b", "[redacted]"]]);
  });
});

describe("capture record: bodies", () => {
  const none = redaction([]);
  it("absent with bodyBytes 0 when there is none", () => {
    expect(capturedBody(undefined, none)).toEqual({ bodyBytes: 0, bodyTruncated: false });
    expect(capturedBody({ bytes: new Uint8Array(0), size: 0, truncated: false }, none)).toEqual({ bodyBytes: 0, bodyTruncated: false });
  });

  it("utf8 when the bytes are valid UTF-8 (kept byte for byte), base64 otherwise; bodyBytes is the original size", () => {
    expect(capturedBody({ bytes: utf8('{ "a" : "é" }'), size: 15, truncated: false }, none)).toEqual({ body: '{ "a" : "é" }', bodyEncoding: "utf8", bodyBytes: 15, bodyTruncated: false });
    const binary = new Uint8Array([0xff, 0x00, 0xfe, 0x41]);
    expect(capturedBody({ bytes: binary, size: 4000, truncated: true }, none)).toEqual({ body: "/wD+QQ==", bodyEncoding: "base64", bodyBytes: 4000, bodyTruncated: true });
  });

  it("redact paths replace JSON fields (nested, * over arrays) as compare's redaction does", () => {
    const r = redaction(["/body/password", "/body/items/*/card"]);
    const text = JSON.stringify({ user: "ada", password: "pw", items: [{ card: "4111", n: 1 }, { card: "5500", n: 2 }] });
    const out = capturedBody({ bytes: utf8(text), size: text.length, truncated: false }, r);
    expect(JSON.parse(out.body!)).toEqual({ user: "ada", password: "[redacted]", items: [{ card: "[redacted]", n: 1 }, { card: "[redacted]", n: 2 }] });
    expect(out.bodyBytes).toBe(text.length);
  });

  it("with body paths, a body that is not JSON, cut at the cap, or binary is replaced whole: what cannot be redacted is not stored", () => {
    const r = redaction(["/body/password"]);
    expect(capturedBody({ bytes: utf8("password=pw"), size: 11, truncated: false }, r).body).toBe("[redacted]");
    expect(capturedBody({ bytes: utf8('{"password":"p'), size: 40, truncated: true }, r).body).toBe("[redacted]");
    expect(capturedBody({ bytes: new Uint8Array([0xff]), size: 1, truncated: false }, r).body).toBe("[redacted]");
    // A JSON body without the field is stored as it came.
    expect(capturedBody({ bytes: utf8('{"a": 1}'), size: 8, truncated: false }, r).body).toBe('{"a": 1}');
  });
});

describe("capture keys and objects", () => {
  it("captures/<vs>/<route>/<day>/<hour>/<13-digit ms>-<isolate>-<seq>.ndjson.gz, sortable by time", () => {
    const ms = Date.parse("2026-12-07T08:00:00.123Z");
    const key = batchKey("api/users", ms, "0a1b2c3d", 4);
    expect(key).toBe("captures/api/users/2026-12-07/08/1796630400123-0a1b2c3d-4.ndjson.gz");
    expect(keyTime(key)).toBe(ms);
    expect(key.startsWith(hourPrefix("api/users", ms))).toBe(true);
    expect(batchKey("api/users", ms + 1, "00000000", 1) > key).toBe(true);
  });

  it("gzip round trip (CompressionStream / DecompressionStream)", async () => {
    const text = '{"v":1}\n'.repeat(1000);
    const gz = await gzip(text);
    expect(gz.byteLength).toBeLessThan(text.length / 10);
    expect(await gunzip(new Blob([gz]).stream())).toBe(text);
  });
});
