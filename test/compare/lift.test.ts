import { describe, expect, it } from "vitest";
import { lift } from "../../src/compare/lift";
import type { Answer } from "../../src/compare/types";

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const answer = (contentType: string | undefined, body: Uint8Array | undefined, extra: Partial<Answer> = {}): Answer => ({
  status: 200,
  headers: contentType === undefined ? {} : { "Content-Type": contentType },
  ...(body === undefined ? {} : { body }),
  ...extra,
});

describe("lift: bodies by content type", () => {
  it("parses an application/json body into a tree, whatever its parameters and case", () => {
    const lifted = lift(answer("Application/JSON; charset=utf-8", bytes('{"user":{"name":"Ada"},"n":[1,2]}')), []);
    expect(lifted.body).toEqual({ kind: "json", value: { user: { name: "Ada" }, n: [1, 2] } });
  });

  it("parses +json media types (RFC 6839) as JSON", () => {
    const lifted = lift(answer("application/problem+json", bytes('{"title":"Not Found"}')), []);
    expect(lifted.body).toEqual({ kind: "json", value: { title: "Not Found" } });
  });

  it("keeps a JSON body whose top level is a primitive as that primitive", () => {
    expect(lift(answer("application/json", bytes('"ok"')), []).body).toEqual({ kind: "json", value: "ok" });
  });

  it("lifts text/* bodies as text", () => {
    expect(lift(answer("text/html; charset=utf-8", bytes("<p>hi</p>")), []).body).toEqual({ kind: "text", value: "<p>hi</p>" });
    expect(lift(answer("text/plain", bytes("héllo")), []).body).toEqual({ kind: "text", value: "héllo" });
  });

  it("lifts any other body by digest: equal bytes give equal digests, different bytes different ones", () => {
    const png = lift(answer("image/png", new Uint8Array([137, 80, 78, 71, 0, 1])), []).body;
    const same = lift(answer("image/png", new Uint8Array([137, 80, 78, 71, 0, 1])), []).body;
    const other = lift(answer("image/png", new Uint8Array([137, 80, 78, 71, 0, 2])), []).body;
    expect(png).toMatchObject({ kind: "digest", overCap: false });
    expect(png?.kind === "digest" && png.value).toMatch(/^fnv64:[0-9a-f]{14}$/);
    expect(same).toEqual(png);
    expect(other?.value).not.toBe(png?.value);
  });

  it("lifts a body with no content type by digest", () => {
    expect(lift(answer(undefined, bytes("{}")), []).body).toMatchObject({ kind: "digest", overCap: false });
  });

  it("lifts JSON that does not parse by digest, not as text", () => {
    const body = lift(answer("application/json", bytes('{"truncated": ')), []).body;
    expect(body).toMatchObject({ kind: "digest", overCap: false });
  });

  it("lifts a JSON-labelled body that is not UTF-8 by digest", () => {
    const body = lift(answer("application/json", new Uint8Array([0x22, 0xff, 0xfe, 0x22])), []).body;
    expect(body).toMatchObject({ kind: "digest", overCap: false });
  });

  it("lifts a body over the cap by the caller's SHA-256, whatever its content type", () => {
    const sha256 = "AB".repeat(32);
    const lifted = lift(answer("application/json", bytes('{"partial":'), { overCap: { sha256 } }), []);
    expect(lifted.body).toEqual({ kind: "digest", value: `sha256:${"ab".repeat(32)}`, overCap: true });
  });

  it("has no body for an absent or empty one", () => {
    expect(lift(answer("application/json", undefined), []).body).toBeUndefined();
    expect(lift(answer("application/json", new Uint8Array(0)), []).body).toBeUndefined();
    expect("body" in lift(answer("text/plain", undefined), [])).toBe(false);
  });
});

describe("lift: status and headers", () => {
  it("always lifts the status", () => {
    expect(lift({ status: 503, headers: {} }, []).status).toBe(503);
  });

  it("lifts only the configured headers, under lowercase names, matching names in any case", () => {
    const lifted = lift(
      { status: 200, headers: { "Content-Type": "text/plain", ETag: '"v1"', Date: "Mon", "X-Other": "1" } },
      ["content-type", "ETAG", "x-absent"],
    );
    expect(lifted.headers).toEqual({ "content-type": "text/plain", etag: '"v1"' });
  });

  it("reads the content type for the body even when it is not a compared header", () => {
    const lifted = lift(answer("application/json", bytes("[1]")), []);
    expect(lifted.headers).toEqual({});
    expect(lifted.body).toEqual({ kind: "json", value: [1] });
  });
});
