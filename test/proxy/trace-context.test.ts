// W3C Trace Context parsing and the two legs' decision, pure (src/proxy/trace-context.ts).
// Rules from https://www.w3.org/TR/trace-context/ §traceparent Header and §Versioning of
// traceparent, and W3C Baggage §Definition / §Limits.
import { describe, expect, it } from "vitest";
import {
  applyPrimaryTrace,
  applyShadowTrace,
  decideTrace,
  MAX_BAGGAGE_BYTES,
  parseTraceparent,
  SHADOW_BAGGAGE,
  shadowBaggage,
  spanId,
  type RandomUuid,
} from "../../src/proxy/trace-context";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT = "00f067aa0ba902b7";
const VALID = `00-${TRACE}-${PARENT}-01`;
const SHADOW = /^00-4bf92f3577b34da6a3ce929d0e0e4736-([0-9a-f]{16})-01$/;

/** UUIDs given in turn (the last one repeated). */
function uuids(...list: string[]): RandomUuid {
  let i = 0;
  return () => list[Math.min(i++, list.length - 1)]!;
}
const U1 = "aaaaaaaa-aaaa-4aaa-8bbb-bbbbbbbbbbbb";
const U2 = "cccccccc-cccc-4ccc-9ddd-dddddddddddd";
const U3 = "eeeeeeee-eeee-4eee-afff-ffffffffffff";

describe("parseTraceparent (trace-context §traceparent Header Field Values)", () => {
  it("a version 00 value: its four fields", () => {
    expect(parseTraceparent(VALID)).toEqual({ version: "00", traceId: TRACE, parentId: PARENT, flags: "01" });
    expect(parseTraceparent(`00-${TRACE}-${PARENT}-00`)?.flags).toBe("00");
  });

  it.each([
    ["too short", `00-${TRACE}-${PARENT}-0`],
    ["version 00 with more after it (56 characters)", `${VALID}-`],
    ["version 00 with a fifth field", `${VALID}-abcd`],
    ["uppercase trace id (HEXDIGLC)", `00-${TRACE.toUpperCase()}-${PARENT}-01`],
    ["uppercase flags", `00-${TRACE}-${PARENT}-0A`],
    ["uppercase version", `0A-${TRACE}-${PARENT}-01`],
    ["all-zero trace id", `00-${"0".repeat(32)}-${PARENT}-01`],
    ["all-zero parent id", `00-${TRACE}-${"0".repeat(16)}-01`],
    ["version ff (forbidden)", `ff-${TRACE}-${PARENT}-01`],
    ["non-hex character", `00-${TRACE.slice(0, 31)}g-${PARENT}-01`],
    ["wrong separator", `00_${TRACE}-${PARENT}-01`],
    ["two headers combined by the runtime", `${VALID}, ${VALID}`],
    ["empty", ""],
  ])("invalid: %s", (_, value) => {
    expect(parseTraceparent(value)).toBeUndefined();
  });

  it("a higher version: the first four fields parsed, the rest allowed after a dash (§Versioning of traceparent)", () => {
    expect(parseTraceparent(`01-${TRACE}-${PARENT}-01`)).toEqual({ version: "01", traceId: TRACE, parentId: PARENT, flags: "01" });
    expect(parseTraceparent(`cc-${TRACE}-${PARENT}-09-what-the-future-holds`)).toEqual({ version: "cc", traceId: TRACE, parentId: PARENT, flags: "09" });
    // The flags must end the value or be followed by a dash.
    expect(parseTraceparent(`cc-${TRACE}-${PARENT}-01x`)).toBeUndefined();
  });
});

describe("spanId", () => {
  it("16 lowercase hex characters: the last 8 bytes of a UUID v4", () => {
    expect(spanId(uuids(U1))).toBe("8bbbbbbbbbbbbbbb");
    expect(spanId()).toMatch(/^[89ab][0-9a-f]{15}$/);
  });

  it("never all zeros: the UUID's variant bits (10xxxxxx) begin it, even for a UUID whose random bits are all zero", () => {
    expect(spanId(uuids("00000000-0000-4000-8000-000000000000"))).toBe("8000000000000000");
    const seen = new Set(Array.from({ length: 1000 }, () => spanId()));
    expect(seen.size).toBe(1000);
    for (const id of seen) expect(id).not.toBe("0000000000000000");
  });
});

describe("decideTrace", () => {
  const never = () => 0.999999;

  it("nothing sent, no trace.percent: nothing to do", () => {
    expect(decideTrace(null, true, undefined, () => 0)).toBeUndefined();
  });

  it("a valid traceparent: v1 unchanged (no primary), the shadow the same trace id, a span of its own, the same flags", () => {
    const d = decideTrace(`00-${TRACE}-${PARENT}-03`, true, undefined, never, uuids(U1))!;
    expect(d).toEqual({ traceId: TRACE, shadow: `00-${TRACE}-8bbbbbbbbbbbbbbb-03` });
  });

  it("a higher version reaches the shadow as version 00 (the highest this worker knows)", () => {
    const d = decideTrace(`01-${TRACE}-${PARENT}-01-extra`, true, undefined, never)!;
    expect(d.shadow).toMatch(SHADOW);
  });

  it("a valid traceparent on a request that is not mirrored: only the trace id, for the log line", () => {
    expect(decideTrace(VALID, false, 1_000_000, () => 0)).toEqual({ traceId: TRACE });
  });

  it("an invalid traceparent without sampling: no trace id, the shadow gets none", () => {
    expect(decideTrace(VALID.toUpperCase(), true, undefined, () => 0)).toEqual({});
    expect(decideTrace(VALID.toUpperCase(), false, undefined, () => 0)).toBeUndefined();
  });

  it("trace.percent: the draw below the threshold starts a sampled trace on both legs (flags 01), one span each", () => {
    const d = decideTrace(null, true, 500_000, () => 0.499999, uuids(U1, U2, U3))!;
    expect(d).toEqual({
      traceId: "aaaaaaaaaaaa4aaa8bbbbbbbbbbbbbbb",
      primary: "00-aaaaaaaaaaaa4aaa8bbbbbbbbbbbbbbb-9ddddddddddddddd-01",
      shadow: "00-aaaaaaaaaaaa4aaa8bbbbbbbbbbbbbbb-afffffffffffffff-01",
    });
    expect(decideTrace(null, true, 500_000, () => 0.5)).toBeUndefined();
  });

  it("trace.percent restarts the trace for an invalid traceparent, and never for an unmirrored request", () => {
    expect(decideTrace(`ff-${TRACE}-${PARENT}-01`, true, 1_000_000, () => 0)?.primary).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(decideTrace(null, false, 1_000_000, () => 0)).toBeUndefined();
    expect(decideTrace(null, true, 0, () => 0)).toBeUndefined();
  });
});

describe("applying the decision to headers", () => {
  it("valid: v1's headers untouched; the shadow's traceparent replaced, tracestate kept, baggage appended", () => {
    const primary = new Headers({ traceparent: VALID, tracestate: "congo=t61rcWkgMzE", baggage: "userId=alice" });
    const d = decideTrace(VALID, true, undefined, () => 0)!;
    applyPrimaryTrace(primary, d);
    expect(Object.fromEntries(primary)).toEqual({ traceparent: VALID, tracestate: "congo=t61rcWkgMzE", baggage: "userId=alice" });
    const shadow = new Headers(primary);
    applyShadowTrace(shadow, d);
    expect(shadow.get("traceparent")).toMatch(SHADOW);
    expect(shadow.get("traceparent")).not.toBe(VALID);
    expect(shadow.get("tracestate")).toBe("congo=t61rcWkgMzE");
    expect(shadow.get("baggage")).toBe(`userId=alice,${SHADOW_BAGGAGE}`);
  });

  it("invalid: the shadow loses traceparent and tracestate, and gets no baggage member", () => {
    const shadow = new Headers({ traceparent: "garbage", tracestate: "a=b", baggage: "k=v" });
    applyShadowTrace(shadow, decideTrace("garbage", true, undefined, () => 0)!);
    expect(Object.fromEntries(shadow)).toEqual({ baggage: "k=v" });
  });

  it("started: v1's tracestate removed with the new traceparent (restarting a trace)", () => {
    const primary = new Headers({ traceparent: "garbage", tracestate: "a=b" });
    applyPrimaryTrace(primary, decideTrace("garbage", true, 1_000_000, () => 0)!);
    expect(primary.get("traceparent")).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(primary.has("tracestate")).toBe(false);
  });
});

describe("shadowBaggage (W3C Baggage)", () => {
  it("no client baggage: the edge-mirror member alone", () => {
    expect(shadowBaggage(null)).toBe("edge-mirror.role=shadow");
  });

  it("appended to the client's members, optional whitespace trimmed, properties kept", () => {
    expect(shadowBaggage("key1=value1;property1;property2, key2 = value2, key3=value3; propertyKey=propertyValue")).toBe(
      "key1=value1;property1;property2,key2 = value2,key3=value3; propertyKey=propertyValue,edge-mirror.role=shadow",
    );
    expect(shadowBaggage("serverNode=DF%2028,v=a=b")).toBe("serverNode=DF%2028,v=a=b,edge-mirror.role=shadow");
  });

  it("a client member with the edge-mirror key is replaced, not duplicated", () => {
    expect(shadowBaggage("a=1,edge-mirror.role=primary")).toBe("a=1,edge-mirror.role=shadow");
  });

  it.each([
    ["an empty member", "a=1,,b=2"],
    ["no equals sign", "justakey"],
    ["a space inside a value", "a=b c"],
    ["a double quote", 'a="b"'],
    ["a backslash", "a=b\\c"],
    ["a non-token key", "a b=c"],
  ])("malformed (%s): the edge-mirror member alone", (_, client) => {
    expect(shadowBaggage(client)).toBe(SHADOW_BAGGAGE);
  });

  it("64 members at most with the edge-mirror one: 63 client members kept, 64 dropped", () => {
    const members = (n: number) => Array.from({ length: n }, (_, i) => `k${i}=v`).join(",");
    expect(shadowBaggage(members(63)).split(",")).toHaveLength(64);
    expect(shadowBaggage(members(64))).toBe(SHADOW_BAGGAGE);
  });

  it("8192 bytes at most with the edge-mirror member", () => {
    const room = MAX_BAGGAGE_BYTES - SHADOW_BAGGAGE.length - 1;
    const fits = `k=${"x".repeat(room - 2)}`;
    expect(shadowBaggage(fits)).toHaveLength(MAX_BAGGAGE_BYTES);
    expect(shadowBaggage(`${fits}x`)).toBe(SHADOW_BAGGAGE);
  });
});
