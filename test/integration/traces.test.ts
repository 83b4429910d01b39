// W3C Trace Context across both legs (issue 21 item 4; src/proxy/trace-context.ts),
// through the worker in workerd to the recording loopback origins: v1 is the primary,
// v2 the shadow. Rules: https://www.w3.org/TR/trace-context/ (traceparent, versioning,
// processing model) and https://www.w3.org/TR/baggage/ (list-members, limits). Routes
// on trace.test (test/support/routes.integration.yaml): /plain mirrors without a trace
// policy; /zero, /half, /all have MirrorPolicy trace.percent 0, 50, 100.
import { afterAll, describe, expect, it } from "vitest";
import type { Report } from "../../src/admin/compare-report";
import { recordsAt, release, requestLog, send, type SendOptions } from "../support/harness";
import type { OriginRecord } from "../../devkit/origin";

afterAll(release);

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT = "00f067aa0ba902b7";
const VALID = `00-${TRACE}-${PARENT}-01`;
const STARTED = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;

async function both(path: string, init: SendOptions = {}) {
  const sent = await send(`http://trace.test${path}`, init);
  await sent.response.arrayBuffer();
  await sent.settled();
  const primary = await recordsAt("v1", sent.requestId);
  const shadow = await recordsAt("v2", sent.requestId);
  expect(primary).toHaveLength(1);
  return { sent, v1: primary[0]!.headers, shadow, v2: shadow[0]?.headers };
}

/** The four fields of a traceparent an origin received. */
function fields(h: OriginRecord["headers"] | undefined): { version: string; traceId: string; parentId: string; flags: string } {
  const value = h?.traceparent;
  expect(typeof value).toBe("string");
  const [version, traceId, parentId, flags] = (value as string).split("-") as [string, string, string, string];
  return { version, traceId, parentId, flags };
}

describe("a valid client traceparent", () => {
  it("reaches v1 unchanged and the shadow with the same trace id, a span id of its own, the same flags, and the baggage entry", async () => {
    const { sent, v1, v2 } = await both("/plain", { headers: { traceparent: VALID, tracestate: "congo=t61rcWkgMzE", baggage: "userId=alice" } });
    expect(v1.traceparent).toBe(VALID);
    expect(v1.tracestate).toBe("congo=t61rcWkgMzE");
    expect(v1.baggage).toBe("userId=alice");
    const shadow = fields(v2);
    expect(shadow).toMatchObject({ version: "00", traceId: TRACE, flags: "01" });
    expect(shadow.parentId).toMatch(/^[0-9a-f]{16}$/);
    expect(shadow.parentId).not.toBe(PARENT);
    expect(shadow.parentId).not.toBe("0000000000000000");
    expect(v2!.tracestate).toBe("congo=t61rcWkgMzE");
    expect(v2!.baggage).toBe("userId=alice,edge-mirror.role=shadow");
    expect(requestLog(sent).traceId).toBe(TRACE);
  });

  it("each shadow gets a new span id; an unsampled flag (00) stays unsampled", async () => {
    const value = `00-${TRACE}-${PARENT}-00`;
    const a = await both("/plain", { headers: { traceparent: value } });
    const b = await both("/plain", { headers: { traceparent: value } });
    expect(a.v1.traceparent).toBe(value);
    expect(fields(a.v2).flags).toBe("00");
    expect(fields(a.v2).parentId).not.toBe(fields(b.v2).parentId);
  });

  it("without client baggage the shadow carries only edge-mirror.role=shadow, and v1 none", async () => {
    const { v1, v2 } = await both("/plain", { headers: { traceparent: VALID } });
    expect(v1.baggage).toBeUndefined();
    expect(v2!.baggage).toBe("edge-mirror.role=shadow");
  });

  it("malformed client baggage: the shadow gets only the edge-mirror member, v1 the client's as sent", async () => {
    const { v1, v2 } = await both("/plain", { headers: { traceparent: VALID, baggage: "a=1,,not a member" } });
    expect(v1.baggage).toBe("a=1,,not a member");
    expect(v2!.baggage).toBe("edge-mirror.role=shadow");
  });

  it("a higher version (01, with a field after the flags) reaches v1 as sent and the shadow as version 00 (§Versioning of traceparent)", async () => {
    const value = `01-${TRACE}-${PARENT}-01-future`;
    const { sent, v1, v2 } = await both("/plain", { headers: { traceparent: value } });
    expect(v1.traceparent).toBe(value);
    expect(v2!.traceparent).toMatch(new RegExp(`^00-${TRACE}-[0-9a-f]{16}-01$`));
    expect(requestLog(sent).traceId).toBe(TRACE);
  });

  it("MirrorPolicy shadowHeaders has the last word: remove [baggage] removes the edge-mirror member too", async () => {
    const { v2 } = await both("/baggage-removed", { headers: { traceparent: VALID, baggage: "userId=alice" } });
    expect(fields(v2).traceId).toBe(TRACE);
    expect(v2!.baggage).toBeUndefined();
  });

  it("a request that is not mirrored: v1 gets it as sent, the log line has the trace id", async () => {
    const { sent, v1, shadow } = await both("/off", { headers: { traceparent: VALID } });
    expect(shadow).toHaveLength(0);
    expect(v1.traceparent).toBe(VALID);
    expect(requestLog(sent).traceId).toBe(TRACE);
    expect(requestLog(sent).shadows).toBeUndefined();
  });

  it("trace.percent 100 never restarts a valid trace: v1 keeps it, the shadow joins it", async () => {
    const { v1, v2 } = await both("/all", { headers: { traceparent: VALID, tracestate: "congo=t61rcWkgMzE" } });
    expect(v1.traceparent).toBe(VALID);
    expect(v1.tracestate).toBe("congo=t61rcWkgMzE");
    expect(fields(v2).traceId).toBe(TRACE);
  });
});

// Invalid per trace-context §traceparent Header Field Values: never forwarded to the shadow as valid.
const INVALID: [string, string][] = [
  ["too short", `00-${TRACE}-${PARENT}-1`],
  ["too long for version 00", `${VALID}-extra`],
  ["uppercase", VALID.toUpperCase()],
  ["all-zero trace id", `00-${"0".repeat(32)}-${PARENT}-01`],
  ["all-zero parent id", `00-${TRACE}-${"0".repeat(16)}-01`],
  ["version ff", `ff-${TRACE}-${PARENT}-01`],
];

describe("an invalid traceparent", () => {
  it.each(INVALID)("%s: v1 gets it as sent; the shadow gets no traceparent, no tracestate, no baggage member", async (_, value) => {
    const { sent, v1, v2 } = await both("/plain", { headers: { traceparent: value, tracestate: "congo=t61rcWkgMzE", baggage: "userId=alice" } });
    expect(v1.traceparent).toBe(value);
    expect(v1.tracestate).toBe("congo=t61rcWkgMzE");
    expect(v2!.traceparent).toBeUndefined();
    expect(v2!.tracestate).toBeUndefined();
    expect(v2!.baggage).toBe("userId=alice");
    expect(requestLog(sent).traceId).toBeUndefined();
  });

  it.each(INVALID)("%s, trace.percent 100: the worker restarts the trace on both legs (tracestate removed)", async (_, value) => {
    const { sent, v1, v2 } = await both("/all", { headers: { traceparent: value, tracestate: "congo=t61rcWkgMzE" } });
    const primary = fields(v1);
    const shadow = fields(v2);
    expect(v1.traceparent).toMatch(STARTED);
    expect(v2!.traceparent).toMatch(STARTED);
    expect(shadow.traceId).toBe(primary.traceId);
    expect(shadow.traceId).not.toBe(TRACE);
    expect(shadow.parentId).not.toBe(primary.parentId);
    expect(v1.tracestate).toBeUndefined();
    expect(v2!.tracestate).toBeUndefined();
    expect(requestLog(sent).traceId).toBe(primary.traceId);
  });
});

describe("MirrorPolicy trace.percent: a sampled trace for mirrored requests without one", () => {
  it("100: both legs get a new trace (flags 01), one span id each; the shadow also the baggage entry", async () => {
    const { sent, v1, v2 } = await both("/all");
    expect(v1.traceparent).toMatch(STARTED);
    expect(v2!.traceparent).toMatch(STARTED);
    expect(fields(v2).traceId).toBe(fields(v1).traceId);
    expect(fields(v2).parentId).not.toBe(fields(v1).parentId);
    expect(v1.baggage).toBeUndefined();
    expect(v2!.baggage).toBe("edge-mirror.role=shadow");
    expect(requestLog(sent).traceId).toBe(fields(v1).traceId);
  });

  it("0: nothing is started, whatever the draw", async () => {
    const { sent, v1, v2 } = await both("/zero", { random: 0 });
    expect(v1.traceparent).toBeUndefined();
    expect(v2!.traceparent).toBeUndefined();
    expect(v2!.baggage).toBeUndefined();
    expect(requestLog(sent).traceId).toBeUndefined();
  });

  it("50: exact draws — 0.499999 starts a trace, 0.5 does not (a draw below 500 000 per million)", async () => {
    const inside = await both("/half", { random: 0.499999 });
    expect(inside.v1.traceparent).toMatch(STARTED);
    expect(fields(inside.v2).traceId).toBe(fields(inside.v1).traceId);
    const outside = await both("/half", { random: 0.5 });
    expect(outside.shadow).toHaveLength(1);
    expect(outside.v1.traceparent).toBeUndefined();
    expect(outside.v2!.traceparent).toBeUndefined();
  });

  it("without trace.percent nothing is added to either leg", async () => {
    const { sent, v1, v2 } = await both("/plain", { random: 0 });
    for (const h of [v1, v2!]) {
      expect(h.traceparent).toBeUndefined();
      expect(h.tracestate).toBeUndefined();
      expect(h.baggage).toBeUndefined();
    }
    expect(requestLog(sent).traceId).toBeUndefined();
  });

  it("only mirrored requests: a request the mirror's percentage left out gets no trace", async () => {
    const { sent, v1, shadow } = await both("/unmirrored", { random: 0 });
    expect(shadow).toHaveLength(0);
    expect(v1.traceparent).toBeUndefined();
    expect(requestLog(sent).traceId).toBeUndefined();
  });
});

describe("report examples carry the trace id", () => {
  const TOKEN = "test-admin-token";

  it("a compared request's example has the client's trace id, and a started trace's id", async () => {
    const a = await both("/compare/changed", { headers: { traceparent: VALID } });
    const b = await both("/compare/changed");
    const started = fields(b.v1).traceId;
    const sent = await send(`http://trace.test/__edge-mirror/api/report?route=${encodeURIComponent("traces/compared")}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
      env: { EDGE_MIRROR_ADMIN_TOKEN: TOKEN },
    });
    expect(sent.response.status).toBe(200);
    const report = (await sent.response.json()) as Report;
    const examples = report.routes[0]!.examples;
    expect(examples).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ requestId: a.sent.requestId, traceId: TRACE }),
        expect.objectContaining({ requestId: b.sent.requestId, traceId: started }),
      ]),
    );
  });
});
