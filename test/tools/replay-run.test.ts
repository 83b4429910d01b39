// The replay engine alone, with a fake clock and a fake fetch (pure logic: pacing,
// concurrency, what is compared), and GoReplay's format parsed from the shapes
// GoReplay itself writes (buger/goreplay protocol.go, input_file.go, output_file.go).
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { parseGor, toGor, looksLikeGor, GOR_SEPARATOR } from "../../src/tools/replay-gor";
import type { CaptureRecord } from "../../src/tools/replay-record";
import { parseNdjson } from "../../src/tools/replay-record";
import { progressReporter } from "../../src/tools/replay-output";
import { replay, schedule, type Clock } from "../../src/tools/replay-run";
import { routeReport } from "../../src/compare/report";

const T0 = Date.parse("2026-12-07T08:00:00.000Z");

function record(i: number, atMs: number, body = `{"id":${i}}`): CaptureRecord {
  return {
    v: 1,
    id: `r${i}`,
    time: new Date(T0 + atMs).toISOString(),
    route: "api/users",
    request: { method: "GET", url: `https://api.example.com/users/${i}`, headers: [], bodyBytes: 0, bodyTruncated: false },
    response: { status: 200, headers: [["content-type", "application/json"]], body, bodyEncoding: "utf8", bodyBytes: body.length, bodyTruncated: false },
    timing: { headersMs: 5, endMs: 6 },
  };
}

/** A clock that only moves when slept on (or when told to). */
function fakeClock(): Clock & { t: number } {
  const c = {
    t: 0,
    now: () => c.t,
    sleep: async (ms: number) => {
      c.t += ms;
    },
  };
  return c;
}

const SETTINGS = { headers: ["content-type"], ignore: [], redact: [], maxBodyBytes: 1024 };
const answer = (body: string) => async () => new Response(body, { headers: { "content-type": "application/json" } });

describe("pacing (GoReplay keeps the captured gaps; --speed scales them, as its `|200%`)", () => {
  it("--speed 2 replays a capture that spanned 10 s in 5 s", async () => {
    const clock = fakeClock();
    const records = Array.from({ length: 11 }, (_, i) => record(i, i * 1000));
    const sentAt: number[] = [];
    const result = await replay({
      records,
      target: new URL("http://v2.test"),
      settings: SETTINGS,
      methods: ["GET"],
      pacing: { speed: 2 },
      concurrency: 4,
      runId: "r",
      timeoutMs: 1000,
      clock,
      fetch: async (url) => {
        sentAt.push(clock.t);
        return answer(`{"id":${/\d+$/.exec(String(url))![0]}}`)();
      },
    });
    expect(sentAt).toEqual([0, 500, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 4500, 5000]);
    expect(result.durationMs).toBe(5000);
    expect(result.tally).toMatchObject({ compared: 11, signatures: {} });
  });

  it("schedule: --rate spaces requests evenly whatever the capture's gaps; max sends at once", () => {
    const records = [record(0, 0), record(1, 7000), record(2, 7001)];
    expect(schedule(records, { ratePerSecond: 4 })).toEqual([0, 250, 500]);
    expect(schedule(records, { asFastAsPossible: true })).toEqual([0, 0, 0]);
    expect(schedule(records, { speed: 0.5 })).toEqual([0, 14000, 14002]);
  });

  it("--concurrency bounds the requests in flight", async () => {
    let inFlight = 0;
    let most = 0;
    await replay({
      records: Array.from({ length: 20 }, (_, i) => record(i, 0)),
      target: new URL("http://v2.test"),
      settings: SETTINGS,
      methods: ["GET"],
      pacing: { asFastAsPossible: true },
      concurrency: 3,
      runId: "r",
      timeoutMs: 1000,
      fetch: async () => {
        most = Math.max(most, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight--;
        return answer("{}")();
      },
    });
    expect(most).toBe(3);
  });
});

describe("what is compared", () => {
  const run = (records: CaptureRecord[], body: string, settings = SETTINGS) =>
    replay({ records, target: new URL("http://v2.test"), settings, methods: ["GET"], pacing: { asFastAsPossible: true }, concurrency: 1, runId: "r", timeoutMs: 1000, fetch: answer(body) });

  it("a JSON field capture redacted is unknown, not different: the target's value there is redacted too", async () => {
    const r = await run([record(1, 0, '{"id":1,"token":"[redacted]","user":{"email":"[redacted]"}}')], '{"id":1,"token":"abc","user":{"email":"a@b.c"}}');
    expect(r.tally.fields).toEqual({});
    const r2 = await run([record(1, 0, '{"id":1,"token":"[redacted]"}')], '{"id":2,"token":"abc"}');
    expect(Object.keys(r2.tally.fields)).toEqual(["/body/id"]);
  });

  it("a body capture kept only the start of is compared by digest of that start and its size (read-answer.ts's rule)", async () => {
    const full = JSON.stringify({ items: "x".repeat(100) });
    const truncated = { ...record(1, 0), response: { ...record(1, 0).response!, body: full.slice(0, 40), bodyBytes: full.length, bodyTruncated: true } };
    expect((await run([truncated], full)).tally.fields).toEqual({});
    expect(Object.keys((await run([truncated], full.replace("x", "y"))).tally.fields)).toEqual(["/body"]);
    expect(Object.keys((await run([truncated], `${full.slice(0, 40)}zz`)).tally.fields)).toEqual(["/body"]);
  });

  it("a request whose body capture truncated is not replayed (it cannot be sent as it was)", async () => {
    const r = record(1, 0);
    r.request = { ...r.request, body: "abc", bodyEncoding: "utf8", bodyBytes: 10_000, bodyTruncated: true };
    const result = await run([r], "{}");
    expect(result.sent).toBe(0);
    expect(result.tally.skipped).toEqual({ request_body_truncated: 1 });
  });
});

describe("the paired latency shift (issue 21): only v1 and v2 timed here, together, make a pair", () => {
  const records = Array.from({ length: 12 }, (_, i) => record(i, 0));
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  /** The target answers 30 ms after it is called; the baseline (a live v1) at once, or fails for the listed ids. */
  const fetchWith = (failing: ReadonlySet<number> = new Set()) => async (url: string | URL | Request) => {
    const u = new URL(String(url));
    if (u.host === "v2.test") await sleep(30);
    else if (failing.has(Number(u.pathname.split("/").pop()))) throw new TypeError("fetch failed");
    return new Response(`{"id":${u.pathname.split("/").pop()}}`, { headers: { "content-type": "application/json" } });
  };
  const run = (baseline: boolean, failing?: ReadonlySet<number>) =>
    replay({ records, target: new URL("http://v2.test"), ...(baseline ? { baseline: new URL("http://v1.test") } : {}), settings: SETTINGS, methods: ["GET"], pacing: { asFastAsPossible: true }, concurrency: 4, runId: "r", timeoutMs: 5000, fetch: fetchWith(failing) as typeof fetch });
  const shiftOf = (tally: Awaited<ReturnType<typeof run>>["tally"]) =>
    routeReport({ virtualService: "api", route: "users", mirror: "v2" }, tally, { ...SETTINGS, noisePercent: 0, gate: { maxDivergencePercent: 1, minCompared: 1 } } as never).latencyShiftMs;

  it("without --baseline, v1's time is the captured one: compared, with p50/p99, but no shift (n 0)", async () => {
    const r = await run(false);
    expect(r.tally.compared).toBe(12);
    expect(r.paired).toBe(0);
    expect(r.tally.latencyShift).toEqual({});
    // p50 and p99 keep the captured times (labelled "as captured at the edge").
    expect(Object.values(r.tally.latency.v1).reduce((a, b) => a + b, 0)).toBe(12);
    expect(shiftOf(r.tally)).toEqual({ estimate: null, low: null, high: null, n: 0 });
  });

  it("with --baseline, v2 − the baseline per request: a target 30 ms slower shows about +30 ms", async () => {
    const r = await run(true);
    expect(r.paired).toBe(12);
    const shift = shiftOf(r.tally);
    expect(shift.n).toBe(12);
    // 30 ms of the target's timer, late by a few ms at most on a busy machine.
    expect(shift.low!).toBeGreaterThan(20);
    expect(shift.estimate!).toBeGreaterThanOrEqual(29);
    expect(shift.estimate!).toBeLessThan(80);
  });

  it("with --baseline, a request whose baseline call failed is compared against its captured answer, but not paired", async () => {
    const r = await run(true, new Set([0, 1, 2]));
    expect(r.tally.compared).toBe(12);
    expect(r.paired).toBe(9);
    expect(Object.values(r.tally.latencyShift).reduce((a, b) => a + b, 0)).toBe(9);
    expect(shiftOf(r.tally).n).toBe(9);
  });
});

describe("GoReplay's format", () => {
  it("reads what GoReplay's raw input writes: gzipped, chunked and gzip-encoded answers, type 3 ignored", () => {
    const body = '{"id":7,"plan":"pro"}';
    const gz = gzipSync(body);
    const chunked = Buffer.concat([Buffer.from(`${gz.length.toString(16)}\r\n`), gz, Buffer.from("\r\n0\r\n\r\n")]);
    const file = Buffer.concat([
      Buffer.from("1 abc 1796630400000000000 120000\nGET /users/7?q=1 HTTP/1.1\r\nHost: api.example.com\r\nAccept: */*\r\n\r\n" + GOR_SEPARATOR),
      Buffer.from("2 abc 1796630400015000000 3000000\nHTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"),
      chunked,
      Buffer.from(GOR_SEPARATOR),
      Buffer.from("3 abc 1796630400020000000 1000\nHTTP/1.1 500 Oops\r\n\r\n" + GOR_SEPARATOR),
    ]);
    expect(looksLikeGor(file)).toBe(true);
    const [r, more] = parseGor(file, "f.gor");
    expect(more).toBeUndefined();
    expect(r).toMatchObject({
      id: "abc",
      time: "2026-12-07T08:00:00.000Z",
      request: { method: "GET", url: "http://api.example.com/users/7?q=1", headers: [["accept", "*/*"]] },
      response: { status: 200, headers: [["content-type", "application/json"]], body, bodyEncoding: "utf8" },
      timing: { headersMs: 15, endMs: 3 },
    });
  });

  it("writes and reads back binary bodies byte for byte (base64 in the record, raw in the file)", () => {
    const bytes = Buffer.from([0, 255, 10, 13, 10, 0x9f, 0x90]);
    const r: CaptureRecord = { ...record(1, 0), request: { method: "PUT", url: "https://a.test/x", headers: [["content-type", "application/octet-stream"]], body: bytes.toString("base64"), bodyEncoding: "base64", bodyBytes: 7, bodyTruncated: false } };
    const [back] = parseGor(toGor(r), "x.gor");
    // A raw HTTP/1.1 message has no scheme: read back as http (the target's own scheme is used anyway).
    // …and the worker's x-request-id, which v1 received (replay-record.ts v1RequestHeaders).
    expect(back!.request).toEqual({ ...r.request, url: "http://a.test/x", headers: [...r.request.headers, ["x-request-id", r.id]] });
    expect(back!.response).toEqual(r.response);
  });

  it("a header that is not GoReplay's is named; NDJSON is not mistaken for it", () => {
    expect(() => parseGor(Buffer.from("1 abc\nGET / HTTP/1.1\r\n\r\n" + GOR_SEPARATOR), "bad.gor")).toThrow(/bad.gor: a payload header "1 abc"/);
    expect(looksLikeGor(Buffer.from('{"v":1}\n'))).toBe(false);
    expect(() => parseNdjson('{"v":1,"time":"2026-12-07T08:00:00Z","request":{"method":"GET","url":"/x","headers":[]}}', "c.ndjson")).toThrow(/c.ndjson:1: request URL "\/x" is not absolute/);
  });
});

describe("progress", () => {
  it("on a terminal: one bar redrawn in place with sent, total, rate and time left; a note clears it first", () => {
    let t = 0;
    const written: string[] = [];
    const p = progressReporter({ isTTY: true, write: (s: string) => written.push(s) }, 4, () => t);
    t = 1000;
    p.update(1, 4);
    p.note("edge-mirror replay: authorization was redacted at capture");
    t = 2000;
    p.update(2, 4);
    t = 4000;
    p.update(4, 4);
    p.end();
    expect(written).toEqual([
      "\r[########......................] 1/4 sent  1.0/s  00:03 left ",
      "\r\x1b[K",
      "edge-mirror replay: authorization was redacted at capture\n",
      "\r[###############...............] 2/4 sent  1.0/s  00:02 left ",
      "\r[##############################] 4/4 sent  1.0/s  00:00 left ",
      "\n",
    ]);
  });

  it("off a terminal: a line per tenth of the run, however many requests", () => {
    const written: string[] = [];
    const p = progressReporter({ write: (s: string) => written.push(s) }, 25, () => 0);
    for (let i = 1; i <= 25; i++) p.update(i, 25);
    expect(written).toHaveLength(10);
    expect(written[0]).toBe("replay: 3/25 done (10 %), 0.0/s, ? left\n");
  });
});
