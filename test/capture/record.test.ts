// The capture record's pure parts (src/capture/record.ts, keys.ts): the shared
// contract with the replay side (docs/capture.md) — header pairs, body encodings,
// truncation marks, redaction before anything is stored, and the R2 key layout.
import { describe, expect, it } from "vitest";
import { capturedBody, decodeBody, encodeBody, headerPairs, redaction } from "../../src/capture/record";
import { bodyBytes, bodyFields, parseRecord, RecordError } from "../../src/tools/replay-record";
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

describe("the record's one body encoding (the worker's capture and the replay tools share it)", () => {
  const same = (a: Uint8Array, b: Uint8Array) => expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  // Deterministic pseudo-random bytes (xorshift), so a failure reproduces.
  const noise = (n: number, seed = 7) => {
    const out = new Uint8Array(n);
    let x = seed;
    for (let i = 0; i < n; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      out[i] = x & 0xff;
    }
    return out;
  };
  const binaries: [string, Uint8Array][] = [
    ["every byte value", Uint8Array.from({ length: 256 }, (_, i) => i)],
    ["a lone continuation byte", new Uint8Array([0x41, 0x80, 0x42])],
    ["an encoded surrogate (not UTF-8)", new Uint8Array([0xed, 0xa0, 0x80])],
    ["an overlong NUL", new Uint8Array([0xc0, 0x80])],
    ["a cut 4-byte sequence", new Uint8Array([0xf0, 0x9f, 0x98])],
    ["200 KiB of noise (past the encoder's 32 KiB chunks)", noise(200 * 1024)],
  ];
  const texts: [string, string][] = [
    ["ASCII JSON with its own spacing", '{ "a" :  [1, 2] }\n'],
    ["two-, three- and four-byte characters", "é ß € 中文 😀 𝄞"],
    ["a byte-order mark, kept", "\ufeff{\"bom\": true}"],
    ["NUL and control characters", "a\u0000b\u0001\r\n"],
    ["100 KiB of text", "Ünïcödé ".repeat(10_000)],
  ];

  it.each(binaries)("binary, %s: base64, and back to the same bytes", (_, bytes) => {
    const encoded = encodeBody(bytes);
    expect(encoded.bodyEncoding).toBe("base64");
    expect(encoded.body).toBe(Buffer.from(bytes).toString("base64"));
    same(decodeBody(encoded), bytes);
  });

  it.each(texts)("UTF-8, %s: the text itself, and back to the same bytes", (_, text) => {
    const bytes = new TextEncoder().encode(text);
    const encoded = encodeBody(bytes);
    expect(encoded).toEqual({ body: text, bodyEncoding: "utf8" });
    same(decodeBody(encoded), bytes);
  });

  it("the replay tools' bodyFields and bodyBytes are the same encoding: a record written by either reads back in the other", () => {
    for (const [, bytes] of [...binaries, ...texts.map(([n, t]): [string, Uint8Array] => [n, new TextEncoder().encode(t)])]) {
      const fromReplay = bodyFields(bytes);
      expect(fromReplay).toEqual({ ...capturedBody({ bytes, size: bytes.byteLength, truncated: false }, redaction([])) });
      same(bodyBytes(fromReplay), bytes);
      same(decodeBody(fromReplay), bytes);
    }
    expect(bodyFields(new Uint8Array(0))).toEqual({ bodyBytes: 0, bodyTruncated: false });
    expect(bodyBytes({ bodyBytes: 0, bodyTruncated: false }).byteLength).toBe(0);
  });

  it("a captured record's line, through JSON and the replay's parser, gives the worker's bytes back", () => {
    const bytes = noise(1000, 99);
    const request = { method: "POST", url: "https://api.example.com/x", headers: [], ...capturedBody({ bytes, size: bytes.byteLength, truncated: false }, redaction([])) };
    const line = JSON.stringify({ v: 1, id: "r1", time: "2026-12-07T10:00:00.000Z", route: "api/x", request });
    const parsed = parseRecord(line, "capture.ndjson:1");
    expect(parsed.request.bodyBytes).toBe(1000);
    same(bodyBytes(parsed.request), bytes);
  });

  it("base64 that is not is named by its line, not decoded into other bytes", () => {
    const line = JSON.stringify({ v: 1, time: "2026-12-07T10:00:00.000Z", request: { method: "POST", url: "https://a.example/", headers: [], body: "not base64!", bodyEncoding: "base64" } });
    expect(() => parseRecord(line, "capture.ndjson:3")).toThrow(RecordError);
    expect(() => parseRecord(line, "capture.ndjson:3")).toThrow("capture.ndjson:3: body is not valid base64");
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
