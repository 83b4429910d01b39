// The request's one log line (docs/operations.md "Logs"): Envoy writes one access-log line per
// request (envoy/docs: "access logs … are written per request"), so the worker does
// too, carrying the primary's outcome and every shadow's. When it is written, and
// that a shadow which never settles cannot hold it past the shadow's deadline. And
// the hook where a finished shadow is counted: an explicit step, not the logger's.
import { describe, expect, it } from "vitest";
import { handleRequest, type PipelineContext } from "../../src/proxy/pipeline";
import { CompareRecorder, type CompareRoute, type CompareStoreNamespace } from "../../src/observe/compare-recorder";
import { emptyTally, type Tally } from "../../src/compare/tally";
import type { RequestLog } from "../../src/observe/log";
import { isolateBudgets } from "../../src/app";
import { recordsAt, send, shadowLogs, table } from "../support/harness";

/** Runs one request through the pipeline with a context of the test's own; the line(s) it logs go to `lines`. */
function pipeline(overrides: Partial<PipelineContext> = {}) {
  const lines: RequestLog[] = [];
  const background: Promise<unknown>[] = [];
  const ctx: PipelineContext = {
    table,
    random: () => 0,
    log: (line) => lines.push(structuredClone(line)),
    mirrorPercentCap: undefined,
    waitUntil: (p) => void background.push(p),
    budgets: isolateBudgets(),
    memoryBudgetMib: undefined,
    ...overrides,
  };
  return { ctx, lines, background };
}

describe("one line per request", () => {
  it("a request that is not mirrored: its line is written at response time, without shadows", async () => {
    const sent = await send("http://zero.test/x");
    expect(sent.response.status).toBe(200);
    // Before any waitUntil work is awaited.
    expect(sent.logs).toHaveLength(1);
    expect(sent.logs[0]).toMatchObject({ event: "request", requestId: sent.requestId, status: 200, destination: "httpbin/v1" });
    expect(sent.logs[0]!.shadows).toBeUndefined();
    await sent.settled();
    expect(sent.logs).toHaveLength(1);
  });

  it("a mirrored request: one line, written once the shadow has settled, with both outcomes and no per-shadow request fields", async () => {
    // shadow-hang.test: the shadow origin holds its answer; the route's 300 ms timeout is the shadow's deadline.
    // (Nothing here calls release(): other files rely on held requests staying held.)
    const sent = await send("http://shadow-hang.test/anything");
    expect(await sent.response.json()).toMatchObject({ origin: "v1" });
    // The client has its answer; the shadow is still out: no line yet.
    expect(sent.logs).toHaveLength(0);
    await sent.settled();
    expect(sent.logs).toHaveLength(1);
    const [line] = sent.logs;
    expect(line).toMatchObject({ event: "request", requestId: sent.requestId, status: 200, destination: "httpbin/v1", shadows: [{ destination: "httpbin/hold", error: "timeout" }] });
    expect(line!.shadows![0]!.durationMs).toBeGreaterThanOrEqual(300);
    // What Workers Logs records per invocation (method, URL) is not repeated; the shadow's outcome repeats nothing of the request's.
    expect(JSON.parse(JSON.stringify(line))).not.toHaveProperty("path");
    expect(Object.keys(line!.shadows![0]!).sort()).toEqual(["destination", "detail", "durationMs", "error"]);
  });

  it("a shadow answered: its status and duration on the request's line", async () => {
    const sent = await send("http://mirror.test/anything");
    await sent.settled();
    expect(sent.logs).toHaveLength(1);
    expect(sent.logs[0]).toMatchObject({ status: 200, shadows: [{ destination: "httpbin/v2", status: 200 }] });
    expect(Object.keys(sent.logs[0]!.shadows![0]!).sort()).toEqual(["destination", "durationMs", "status"]);
  });

  it("two mirrors: both outcomes on the one line", async () => {
    const sent = await send("http://two.test/both", { random: 0.2 });
    await sent.settled();
    expect(sent.logs).toHaveLength(1);
    expect(shadowLogs(sent).map((s) => [s.destination, s.status]).sort()).toEqual([
      ["httpbin/v2", 200],
      ["httpbin/v3", 200],
    ]);
  });

  // The common case has no guard of its own (pipeline.ts, RequestLine): the deadline signal
  // that fetch() carries also ends the read of the shadow's answer, so a v2 that sends its
  // headers and then stalls its body cannot hold the line past the deadline.
  for (const [host, kind] of [["shadow-stall.test", "unsized"], ["shadow-stall-sized.test", "sized"]] as const) {
    it(`a shadow whose ${kind} answer stalls after its headers: the line is written at the shadow's deadline`, async () => {
      const started = Date.now();
      const sent = await send(`http://${host}/x`);
      expect(sent.response.status).toBe(200);
      await sent.response.arrayBuffer();
      expect(sent.logs).toHaveLength(0);
      await sent.settled();
      const waited = Date.now() - started;
      expect(sent.logs).toHaveLength(1);
      // The answer's status came before the stall; its read ended at the 300 ms route timeout.
      expect(sent.logs[0]).toMatchObject({ status: 200, shadows: [{ destination: `httpbin/${kind === "sized" ? "stallsized" : "stall"}`, status: 200 }] });
      expect(sent.logs[0]!.shadows![0]!.durationMs).toBeGreaterThanOrEqual(300);
      // Well before the guarded case's deadline + 1 s grace.
      expect(waited).toBeLessThan(1_000);
    });
  }

  it("a shadow that never settles does not hold the line: written at the shadow's deadline (+1 s grace), that shadow a timeout", async () => {
    // The pause switch's first read never answers, so the shadow never starts nor settles.
    const { ctx, lines } = pipeline({ mirrorSwitch: { pending: new Promise(() => {}) } });
    const started = Date.now();
    // shadow-hang.test: route timeout 300 ms, so the shadow's deadline is 300 ms.
    const response = await handleRequest(new Request("http://shadow-hang.test/anything", { headers: { "x-request-id": "never-settles" } }), ctx);
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    expect(lines).toHaveLength(0);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ requestId: "never-settles", status: 200, shadows: [{ destination: "httpbin/hold", error: "timeout", detail: "not settled when the log line was written" }] });
    const waited = lines[0]!.shadows![0]!.durationMs;
    expect(waited).toBeGreaterThanOrEqual(1_300);
    expect(waited).toBeLessThan(2_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_300);
  });
});

describe("the hook where a finished shadow is counted", () => {
  /** A recorder whose tallies are kept here instead of sent to a Durable Object (the batching is compare-recorder's own test). */
  class Tallies extends CompareRecorder {
    readonly byRoute = new Map<string, Tally>();
    override add(route: CompareRoute, _store: CompareStoreNamespace | undefined, update: (tally: Tally) => void): undefined {
      let t = this.byRoute.get(route.key);
      if (!t) this.byRoute.set(route.key, (t = emptyTally()));
      update(t);
      return undefined;
    }
  }

  it("every settled shadow of a compared route is counted, though the logger drops every line", async () => {
    const recorder = new Tallies();
    let logged = 0;
    for (let i = 0; i < 3; i++) {
      const { ctx, background } = pipeline({ log: () => void logged++, recorder, bindings: {} });
      const response = await handleRequest(new Request("http://cmp.test/compare/changed", { headers: { "x-request-id": `hook-${i}` } }), ctx);
      await response.arrayBuffer();
      await Promise.all(background);
      expect(await recordsAt("v2", `hook-${i}`)).toHaveLength(1);
    }
    expect(logged).toBe(3);
    const tallies = [...recorder.byRoute.entries()];
    expect(tallies.map(([key]) => key)).toEqual(["cmp/changed -> httpbin/v2"]);
    const tally = tallies[0]![1];
    expect(tally).toMatchObject({ mirrored: 3, compared: 3 });
  });
});

// MIRROR_ACCESS_LOG (docs/performance-hotpath.md): Envoy filters which requests are
// access-logged (envoy/docs: config/accesslog/v3 AccessLogFilter: status_code_filter,
// response_flag_filter, runtime_filter), and Istio's default profile logs none
// (meshConfig.accessLogFile is empty). `notable` writes only the lines that say
// something went differently; `all`, the default, every request's.
describe("MIRROR_ACCESS_LOG", () => {
  const notable = { env: { MIRROR_ACCESS_LOG: "notable" } };

  it("notable: a mirrored request whose v1 and shadow both answered < 500 writes no line", async () => {
    const sent = await send("http://mirror.test/anything", notable);
    expect(sent.response.status).toBe(200);
    await sent.settled();
    // The shadow was sent and answered: only its line is left out.
    expect(await recordsAt("v2", sent.requestId)).toHaveLength(1);
    expect(sent.logs).toEqual([]);
  });

  it("notable: a request that is not mirrored and answered 200 writes no line", async () => {
    const sent = await send("http://zero.test/x", notable);
    expect(sent.response.status).toBe(200);
    await sent.settled();
    expect(sent.logs).toEqual([]);
  });

  it("notable: a shadow answered 500 or another status than v1, a refused shadow, v1 down and no route each write their line", async () => {
    const cases: [string, object][] = [
      ["http://cmp.test/compare/status", { status: 200, shadows: [{ destination: "httpbin/v2", status: 404 }] }],
      ["http://shadow-500.test/x", { status: 200, shadows: [{ destination: "httpbin/status500", status: 500 }] }],
      ["http://shadow-refused.test/x", { status: 200, shadows: [{ destination: "httpbin/refused", error: "connect_failed" }] }],
      ["http://primary-down.test/x", { status: 503, error: "upstream_unavailable" }],
      ["http://nowhere.test/x", { status: 404, error: "no_virtual_service" }],
    ];
    for (const [url, expected] of cases) {
      const sent = await send(url, notable);
      await sent.response.arrayBuffer();
      await sent.settled();
      expect(sent.logs, url).toHaveLength(1);
      expect(sent.logs[0], url).toMatchObject({ event: "request", requestId: sent.requestId, ...expected });
    }
  });

  it("all (also unset, and any other value): every request's line, as before", async () => {
    for (const env of [{}, { MIRROR_ACCESS_LOG: "all" }, { MIRROR_ACCESS_LOG: "everything" }]) {
      const sent = await send("http://mirror.test/anything", { env });
      await sent.settled();
      expect(sent.logs, JSON.stringify(env)).toHaveLength(1);
      expect(sent.logs[0]).toMatchObject({ status: 200, shadows: [{ destination: "httpbin/v2", status: 200 }] });
    }
  });
});
