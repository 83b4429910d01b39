// Bounded storage (issue 17 item 2), the pure rules: field paths (path.ts, diff.ts),
// the tally's byte limits and evictions (tally.ts, timeline.ts), and log lines
// (observe/log.ts). Whatever v2 answers or a client sends, what is kept has a size
// stated in docs/guarantees-storage.md. The 100-character key limit is Diffy's
// (ai/diffy/lifter/JsonLifter.scala); here it applies whatever the key's siblings are.
import { describe, expect, it } from "vitest";
import { diffAnswers } from "../../src/compare/diff";
import { childPath, fitsBytes, foldsSegment, MAX_PATH_BYTES, MAX_SEGMENT_CHARS, utf8Bytes } from "../../src/compare/path";
import {
  addCompared,
  boundExample,
  emptyTally,
  EXAMPLE_PATH_CHARS,
  MAX_EXAMPLE_BYTES,
  MAX_EXAMPLES_BYTES,
  MAX_FIELD_BYTES,
  MAX_SIGNATURE_BYTES,
  MAX_SIGNATURES_BYTES,
  mergeTally,
  OVERFLOW,
  type Example,
  type Tally,
} from "../../src/compare/tally";
import { COMPARED, HISTORY_HOURS, HOUR_MS, MAX_HOURS_BYTES, MAX_MINUTE_SIGNATURES, MAX_TIMELINE_BYTES, MINUTE_MS, MINUTE_OVERFLOW, addToTimeline, pruneHours, pruneTimeline, TIMELINE_MINUTES, type Timeline } from "../../src/compare/timeline";
import { boundedJson, MAX_LOG_LINE_BYTES } from "../../src/observe/log";
import { DIMENSIONS, MAX_VALUE_CHARS, MAX_WHERE_VALUES, OTHER } from "../../src/compare/where";
import { MAX_ENDPOINT_BYTES } from "../../src/compare/endpoint";
import {
  ENDPOINT_FIELDS,
  ENDPOINT_SHIFT_KEYS,
  ENDPOINT_SIGNATURES,
  endpointShiftKey,
  MAX_ENDPOINT_JSON_BYTES,
  MAX_ENDPOINTS,
  MAX_ENDPOINTS_JSON_BYTES,
  OTHER_ENDPOINT,
} from "../../src/compare/endpoint-tally";
import type { Json, Lifted } from "../../src/compare/types";

/** Whether the diff walks below `path`: `path/*` still fits (diff.ts). */
const canDescend = (path: string) => fitsBytes(path, MAX_PATH_BYTES - 2);
const json = (value: Json): Lifted => ({ status: 200, headers: {}, body: { kind: "json", value } });
const paths = (a: Json, b: Json) => diffAnswers(json(a), json(b)).differences.map((d) => d.path);

describe("field path segments", () => {
  it("fold a key over 100 characters to *, even beside ordinary field names", () => {
    const long = "k".repeat(MAX_SEGMENT_CHARS + 1);
    expect(paths({ name: "a" }, { name: "a", [long]: 1 })).toEqual(["/body/*"]);
    expect(paths({ name: "a", [long]: 1 }, { name: "b", [long]: 2 }).sort()).toEqual(["/body/*", "/body/name"]);
    // exactly 100 is still a name
    const hundred = "k".repeat(MAX_SEGMENT_CHARS);
    expect(paths({ name: "a" }, { name: "a", [hundred]: 1 })).toEqual([`/body/${hundred}`]);
  });

  it("fold a key with a control character (C0, DEL, C1) to *, even beside ordinary field names", () => {
    for (const key of ["a\nb", "tab\there", "nul\u0000", "del\u007f", "c1\u0085"]) {
      expect(foldsSegment(key)).toBe(true);
      expect(paths({ name: "a" }, { name: "a", [key]: 1 })).toEqual(["/body/*"]);
    }
    expect(foldsSegment("ordinary-name_é")).toBe(false);
  });

  it("fold a header name the same way", () => {
    expect(childPath("/headers", "x".repeat(101))).toBe("/headers/*");
  });
});

describe("a field path is at most MAX_PATH_BYTES", () => {
  // Field names (not id-like), 90 characters each: five fit, then keys fold, then the path is full.
  const key = (i: number) => `k${i}`.padEnd(90, "a");

  it("a key whose path would pass the limit folds to *, and deeper values are compared by hash where /* no longer fits", () => {
    let a: Json = "v1";
    let b: Json = "v2";
    for (let i = 59; i >= 0; i--) {
      a = { [key(i)]: a };
      b = { [key(i)]: b };
    }
    const found = diffAnswers(json(a), json(b)).differences;
    expect(found).toHaveLength(1);
    const p = found[0]!.path;
    expect(utf8Bytes(p)).toBeLessThanOrEqual(MAX_PATH_BYTES);
    expect(p.startsWith(`/body/${[0, 1, 2, 3, 4].map(key).join("/")}/*/*/`)).toBe(true);
    expect(p.endsWith("/*")).toBe(true);
    // the limit was reached: the difference is reported where /* no longer fits, by hash
    expect(canDescend(p)).toBe(false);
  });

  it("an ASCII path stops descending only when /* would not fit", () => {
    const base = "/body/" + "a".repeat(MAX_PATH_BYTES - 8);
    expect(canDescend(base)).toBe(true);
    expect(utf8Bytes(childPath(base, "b"))).toBeLessThanOrEqual(MAX_PATH_BYTES);
    expect(canDescend(base + "bbb")).toBe(false);
  });

  it("counts UTF-8 bytes, surrogate pairs as four", () => {
    expect(utf8Bytes("a€😀é")).toBe(1 + 3 + 4 + 2);
    expect(utf8Bytes("😀")).toBe(new TextEncoder().encode("😀").length);
  });
});

const outcome = (ps: string[], previews = "x") => ({
  v1Status: 200,
  v2Status: 200,
  differences: ps.map((path) => ({ path, kind: "value" as const })),
  reported: ps,
  example: ps.map((path) => ({ path, kind: "value" as const, v1: previews, v2: previews })),
});
const add = (t: Tally, ps: string[], at: number, previews?: string) =>
  addCompared(t, { outcome: outcome(ps, previews), v1Ms: 1, v2Ms: 1, example: { requestId: `r${at}`, method: "GET", path: "/", at } });

describe("path sets (signatures)", () => {
  it("one over MAX_SIGNATURE_BYTES counts as the overflow (divergent), in the totals and the timeline", () => {
    const many = Array.from({ length: 60 }, (_, i) => `/body/field-number-${i}`);
    expect(utf8Bytes(JSON.stringify(many))).toBeGreaterThan(MAX_SIGNATURE_BYTES);
    const t = emptyTally();
    add(t, many, 0);
    expect(t.signatures).toEqual({ [OVERFLOW]: 1 });
    expect(t.timeline["0"]).toEqual({ [COMPARED]: 1, [MINUTE_OVERFLOW]: 1, shiftMs: 0 });
  });

  it("past MAX_SIGNATURES_BYTES in all, new sets count as the overflow", () => {
    const t = emptyTally();
    const path = (i: number) => `/body/${String(i).padEnd(400, "x")}`;
    for (let i = 0; i < 1000; i++) add(t, [path(i)], 0);
    const kept = Object.keys(t.signatures).filter((k) => k !== OVERFLOW);
    expect(kept.reduce((n, k) => n + utf8Bytes(k), 0)).toBeLessThanOrEqual(MAX_SIGNATURES_BYTES);
    expect(t.signatures[OVERFLOW]).toBe(1000 - kept.length);
  });
});

describe("fields", () => {
  it("past MAX_FIELD_BYTES in all, new paths are dropped and counted", () => {
    const t = emptyTally();
    const path = (i: number) => `/body/${String(i).padEnd(450, "y")}`;
    for (let i = 0; i < 400; i++) add(t, [path(i)], 0);
    const bytes = Object.keys(t.fields).reduce((n, p) => n + utf8Bytes(p), 0);
    expect(bytes).toBeLessThanOrEqual(MAX_FIELD_BYTES);
    expect(Object.keys(t.fields).length).toBeLessThan(400);
    expect(t.droppedPaths).toBe(400 - Object.keys(t.fields).length);
  });

  it("a path over MAX_PATH_BYTES (from a tally built elsewhere) is dropped, not stored", () => {
    const into = emptyTally();
    const from = emptyTally();
    from.fields["/body/" + "z".repeat(MAX_PATH_BYTES)] = { kind: "value", divergent: 2, noise: 0 };
    mergeTally(into, from);
    expect(into.fields).toEqual({});
    expect(into.droppedPaths).toBe(2);
  });
});

describe("examples", () => {
  it("one is at most MAX_EXAMPLE_BYTES: request id and path cut, differences left out from the end", () => {
    const e: Example = {
      requestId: "i".repeat(5000),
      method: "GET",
      path: "/p" + "p".repeat(20_000),
      at: 1,
      differences: Array.from({ length: 8 }, (_, i) => ({ path: `/body/${String(i).padEnd(100, "€")}/${String(i).padEnd(60, "€")}`, kind: "value" as const, v1: "€".repeat(256), v2: "€".repeat(256) })),
    };
    const b = boundExample(e);
    expect(utf8Bytes(JSON.stringify(b))).toBeLessThanOrEqual(MAX_EXAMPLE_BYTES);
    expect(b.path.length).toBe(EXAMPLE_PATH_CHARS);
    expect(b.path.endsWith("…")).toBe(true);
    expect(b.differences.length).toBeGreaterThanOrEqual(1);
    expect(b.differences[0]!.path).toBe(e.differences[0]!.path);
  });

  it("past MAX_EXAMPLES_BYTES in all, the oldest are evicted first", () => {
    const t = emptyTally();
    for (let i = 0; i < 200; i++) add(t, [`/body/f${i}`], 1000 + i, "v".repeat(250));
    const total = t.examples.reduce((n, e) => n + utf8Bytes(JSON.stringify(e)), 0);
    expect(total).toBeLessThanOrEqual(MAX_EXAMPLES_BYTES);
    const ats = t.examples.map((e) => e.at);
    // the newest is kept, and what is kept is the newest run
    expect(Math.max(...ats)).toBe(1199);
    expect(Math.min(...ats)).toBe(1200 - t.examples.length);
  });
});

describe("the timeline", () => {
  it("forgets minutes older than TIMELINE_MINUTES, then the oldest while over MAX_TIMELINE_BYTES", () => {
    const now = 1_000 * MINUTE_MS;
    const timeline: Timeline = {};
    const old = String(now - (TIMELINE_MINUTES + 1) * MINUTE_MS);
    addToTimeline(timeline, old, COMPARED);
    // 20 sets of ~1 KiB a minute for the last 179 minutes: about 3.5 MB before pruning
    for (let m = 179; m >= 1; m--) {
      const minute = String(now - m * MINUTE_MS);
      for (let s = 0; s < 20; s++) addToTimeline(timeline, minute, JSON.stringify([`/body/${m}-${s}`.padEnd(1000, "x")]));
    }
    const forgotten = pruneTimeline(timeline, now);
    expect(forgotten[0]).toBe(old);
    const minutes = Object.keys(timeline).map(Number).sort((a, b) => a - b);
    expect(minutes.at(-1)).toBe(now - MINUTE_MS);
    expect(forgotten.length + minutes.length).toBe(180);
    let bytes = 0;
    for (const [minute, counts] of Object.entries(timeline)) bytes += minute.length + Object.keys(counts).reduce((n, k) => n + utf8Bytes(k) + 8, 0);
    expect(bytes).toBeLessThanOrEqual(MAX_TIMELINE_BYTES);
  });

  it("a forgotten minute goes into its hour, sets named by a 15-character hash: a week of the longest sets fits MAX_HOURS_BYTES (issue 21 item 6)", () => {
    const now = 10_000 * HOUR_MS;
    const hours: Timeline = {};
    // every hour of the week and one more, each minute with its 20 sets of ~1 KiB
    for (let h = HISTORY_HOURS + 1; h >= 1; h--) {
      const timeline: Timeline = {};
      for (let m = 0; m < 60; m += 10) {
        const minute = String(now - h * HOUR_MS + m * MINUTE_MS);
        for (let s = 0; s < MAX_MINUTE_SIGNATURES; s++) addToTimeline(timeline, minute, JSON.stringify([`/body/${h}-${m}-${s}`.padEnd(1000, "x")]));
      }
      // as if the minutes had aged past TIMELINE_MINUTES (keep none)
      pruneTimeline(timeline, now, hours, 0);
      expect(timeline).toEqual({});
    }
    expect(pruneHours(hours, now)).toEqual([String(now - (HISTORY_HOURS + 1) * HOUR_MS)]);
    expect(Object.keys(hours)).toHaveLength(HISTORY_HOURS);
    let bytes = 0;
    for (const [hour, counts] of Object.entries(hours)) {
      // 20 sets an hour, like a minute; the 120 others of its minutes in the overflow
      expect(counts[MINUTE_OVERFLOW]).toBe(6 * MAX_MINUTE_SIGNATURES - MAX_MINUTE_SIGNATURES);
      expect(Object.keys(counts).filter((k) => k.startsWith("#")).every((k) => k.length === 15)).toBe(true);
      bytes += hour.length + Object.keys(counts).reduce((n, k) => n + utf8Bytes(k) + 8, 0);
    }
    expect(bytes).toBeLessThanOrEqual(MAX_HOURS_BYTES);
  });

  it("past MAX_HOURS_BYTES the oldest hours go", () => {
    const now = 10_000 * HOUR_MS;
    const hours: Timeline = {};
    for (let h = 1; h <= HISTORY_HOURS; h++) for (let k = 0; k < 200; k++) hours[String(now - h * HOUR_MS)] = { ...hours[String(now - h * HOUR_MS)], [`series-${k}`.padEnd(40, "s")]: 1 };
    const forgotten = pruneHours(hours, now);
    expect(forgotten.length).toBeGreaterThan(0);
    expect(Math.max(...forgotten.map(Number))).toBeLessThan(Math.min(...Object.keys(hours).map(Number)));
  });

  it("a set over MAX_SIGNATURE_BYTES arriving from another tally goes to the minute's overflow", () => {
    const timeline: Timeline = {};
    addToTimeline(timeline, "0", JSON.stringify(["/body/" + "w".repeat(2000)]), 3);
    expect(timeline["0"]).toEqual({ [MINUTE_OVERFLOW]: 3 });
  });
});

describe("log lines", () => {
  // A request's line as src/observe/log.ts writes it: its shadows' outcomes nested in it.
  const line = {
    event: "request",
    requestId: "id-1",
    route: "api/users",
    status: 200,
    durationMs: 12,
    detail: "/" + "p".repeat(250_000),
    shadows: [{ destination: "httpbin/v2", durationMs: 3, compared: true, divergent: Array.from({ length: 5 }, (_, i) => `/body/${String(i).padEnd(500, "d")}`) }],
  };

  it("a line over MAX_LOG_LINE_BYTES is cut to fit and marked truncated; short fields are intact", () => {
    const text = boundedJson(line);
    expect(utf8Bytes(text)).toBeLessThanOrEqual(MAX_LOG_LINE_BYTES);
    const parsed = JSON.parse(text);
    expect(parsed.truncated).toBe(true);
    expect(parsed.detail).toBe(line.detail.slice(0, 512) + "…");
    expect(parsed).toMatchObject({ event: "request", requestId: "id-1", route: "api/users", status: 200, durationMs: 12 });
    // 500-character paths are under the first pass's 512; nested values are cut the same way
    expect(parsed.shadows).toEqual(line.shadows);
  });

  it("strings that escape to 6 bytes a character and long lists, nested too: the second pass (64 characters, 8 elements) fits", () => {
    const divergent = Array.from({ length: 100 }, (_, i) => `/body/${i}`.padEnd(500, "\u0002"));
    const hostile = { ...line, detail: "\u0001".repeat(3000), requestId: "€".repeat(3000), shadows: [{ ...line.shadows[0]!, divergent }] };
    const text = boundedJson(hostile);
    expect(utf8Bytes(text)).toBeLessThanOrEqual(MAX_LOG_LINE_BYTES);
    const parsed = JSON.parse(text);
    expect(parsed.truncated).toBe(true);
    expect(parsed.detail).toBe("\u0001".repeat(64) + "…");
    expect(parsed.shadows[0].divergent).toHaveLength(8);
    expect(parsed.shadows[0].divergent[0]).toBe(divergent[0]!.slice(0, 64) + "…");
    expect(parsed.event).toBe("request");
  });

  it("a line that fits is written as JSON.stringify writes it", () => {
    const small = { event: "request", requestId: "r", status: 200 };
    expect(boundedJson(small)).toBe(JSON.stringify(small));
  });
});

describe("where: values from request.cf (issue 21 item 3, src/compare/where.ts)", () => {
  it("whatever cf carries, each dimension keeps at most MAX_WHERE_VALUES short plain values and other, under 80 KiB", () => {
    const t = emptyTally();
    const hostile = (i: number) => [`${i}`.padEnd(5000, "€"), `LHR\n${i}`, `<i>${i}`, `C${i}`, `__proto__${i}`, "constructor", `x${i}`.padEnd(MAX_VALUE_CHARS + 1, "y")][i % 7]!;
    for (let i = 0; i < 3000; i++) {
      addCompared(t, {
        outcome: outcome([`/body/f${i}`]),
        v1Ms: 0,
        v2Ms: (i * 7919) % 1_000_000,
        example: { requestId: `r${i}`, method: "GET", path: "/", at: i },
        where: { colo: hostile(i), country: hostile(i + 1), protocol: hostile(i + 2) },
      });
    }
    for (const d of DIMENSIONS) {
      const values = t.where[d]!;
      expect(Object.keys(values).length).toBeLessThanOrEqual(MAX_WHERE_VALUES + 1);
      for (const v of Object.keys(values)) expect(v === OTHER || (v.length <= MAX_VALUE_CHARS && /^[A-Za-z0-9][A-Za-z0-9./_-]*$/.test(v))).toBe(true);
      expect(Object.values(values).reduce((n, c) => n + c.compared, 0)).toBe(3000);
      expect(utf8Bytes(JSON.stringify(values))).toBeLessThan(80 * 1024);
    }
    // Only values an edge could send were kept by name; the rest went to other.
    expect(Object.hasOwn(t.where.colo!, "constructor")).toBe(true);
    expect(t.where.colo![OTHER]!.compared).toBeGreaterThan(1500);
  });
});

describe("endpoints (issue 21 item 2): 50 kept, the rest under other, each bounded in entries and bytes", () => {
  // Hostile paths: a different endpoint per request, each as long as a template may be,
  // each request differing at its own long field paths.
  const seg = (k: number) => (String.fromCharCode(97 + (k % 26)) + String.fromCharCode(97 + Math.floor(k / 26))).padEnd(60, "z");
  const hostilePath = (k: number) => `/${seg(k)}/${seg(k)}/${seg(k)}/${"p".repeat(8192)}`;

  it("60 endpoints of hostile long paths, 40 fields and sets each, every shift key: within the bounds", () => {
    const t = emptyTally();
    for (let k = 0; k < 60; k++) {
      for (let i = 0; i < 40; i++) {
        const ps = [`/body/${String(i).padEnd(480, "€")}`, `/body/x${k}-${i}`];
        addCompared(t, {
          outcome: { ...outcome(ps), noise: ps.map((path) => ({ path, kind: "too_complex" as const })) },
          v1Ms: 0,
          v2Ms: i % 2 ? 2 ** (i - 9) : -(2 ** (i - 9)),
          example: { requestId: `r${k}-${i}`, method: "PROPFIND", path: hostilePath(k), at: i },
        });
      }
    }
    for (const e of Object.values(t.endpoints)) for (let d = -(2 ** 31); d <= 2 ** 31; d += Math.max(1, Math.floor(Math.abs(d) / 200))) e.shift[endpointShiftKey(d)] = 999_999_999;
    const names = Object.keys(t.endpoints);
    expect(names).toHaveLength(MAX_ENDPOINTS + 1);
    expect(names.every((n) => utf8Bytes(n) <= MAX_ENDPOINT_BYTES)).toBe(true);
    expect(names[0]!.endsWith("/…")).toBe(true);
    expect(t.endpoints[OTHER_ENDPOINT]!.compared).toBe(10 * 40);
    // A Durable Object's merge of it holds the same bounds.
    const merged = emptyTally();
    mergeTally(merged, t);
    const sizes = Object.values(merged.endpoints).map((e) => utf8Bytes(JSON.stringify(e)));
    const total = utf8Bytes(JSON.stringify(merged.endpoints));
    console.log(`endpoints filled: ${names.length} entries, largest ${Math.max(...sizes)} B of JSON, all ${total} B`);
    for (const e of Object.values(merged.endpoints)) {
      expect(Object.keys(e.fields).length).toBeLessThanOrEqual(ENDPOINT_FIELDS);
      expect(Object.keys(e.signatures).length).toBeLessThanOrEqual(ENDPOINT_SIGNATURES + 1);
      expect(Object.keys(e.shift).length).toBeLessThanOrEqual(ENDPOINT_SHIFT_KEYS);
    }
    expect(Math.max(...sizes)).toBeLessThanOrEqual(MAX_ENDPOINT_JSON_BYTES);
    expect(total).toBeLessThanOrEqual(MAX_ENDPOINTS_JSON_BYTES);
  });
});
