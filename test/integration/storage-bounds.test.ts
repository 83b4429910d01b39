// Bounded storage (issue 17 item 2), inside workerd: whatever v2 answers, a route's
// Durable Object, its report, its dashboard page and the log lines stay within the
// bounds docs/guarantees-storage.md states. First the long-key attack the issue
// measured (40 v2 answers with one 200 KB key each gave a 64 MB SQLite file, a 15 MB
// report, a 23 MB route page and 250 KB log lines), then a store filled to every
// limit at once with the largest entries the limits allow.
import { env as bindings, runInDurableObject } from "cloudflare:test";
import { afterAll, describe, expect, it } from "vitest";
import { comparedRoutes, type Report } from "../../src/admin/compare-report";
import { addCompared, addShadow, emptyTally, MAX_EXAMPLES_BYTES, MAX_FIELD_BYTES, type Tally } from "../../src/compare/tally";
import { MAX_PATH_BYTES, utf8Bytes } from "../../src/compare/path";
import { HISTORY_HOURS, HOUR_MS, MAX_HOURS_BYTES, MAX_TIMELINE_BYTES, MIRRORED, SHIFT_SUM } from "../../src/compare/timeline";
import { SHIFT_KEYS_MAX, shiftKey } from "../../src/compare/latency-shift";
import { MAX_LOG_LINE_BYTES } from "../../src/observe/log";
import { DIMENSIONS, MAX_WHERE_VALUES, WHERE_SHIFT_KEYS } from "../../src/compare/where";
import { emptyEndpoint, ENDPOINT_SHIFT_KEYS, endpointShiftKey, MAX_ENDPOINTS, MAX_ENDPOINTS_JSON_BYTES, OTHER_ENDPOINT } from "../../src/compare/endpoint-tally";
import type { CompareStore } from "../../src/observe/compare-store";
import { release, send, table, type Sent } from "../support/harness";
import { bearer, world } from "../support/switch-world";

afterAll(release);

/** The bounds docs/guarantees-storage.md states. */
const STORE_BYTES = 2 * 1024 * 1024;
const REPORT_BYTES = 256 * 1024;
const PAGE_BYTES = 512 * 1024;

const stub = (route: string) => {
  const ns = bindings.COMPARE_STORE as DurableObjectNamespace<CompareStore>;
  return ns.get(ns.idFromName(comparedRoutes(table, route)[0]!.key));
};
const databaseSize = (route: string) => runInDurableObject(stub(route), (_, state) => state.storage.sql.databaseSize);

async function reportAndPage(w: ReturnType<typeof world>, route: string, range = "hour") {
  const started = Date.now();
  const report = await w.fetch(`http://cmp.test/__edge-mirror/api/report?route=${route}`, { headers: bearer() });
  const reportMs = Date.now() - started;
  expect(report.status).toBe(200);
  const page = await w.fetch(`http://cmp.test/__edge-mirror/route?name=${encodeURIComponent(route)}&range=${range}`, { headers: bearer() });
  expect(page.status).toBe(200);
  return { report: JSON.parse(report.text) as Report, reportBytes: utf8Bytes(report.text), reportMs, pageBytes: utf8Bytes(page.text) };
}

describe("the long-key attack: 40 v2 answers with one 200 KB key each", () => {
  it("folds the key to /body/*, and every bound holds: store, report, page, log lines", async () => {
    // A fresh app per request (harness.send), so each sends its counts at once rather than at the recorder's interval.
    const logs: Sent["logs"] = [];
    for (let i = 0; i < 40; i++) {
      const sent = await send(`http://cmp.test/compare/long-key/${i}`);
      expect(sent.response.status).toBe(200);
      await sent.response.arrayBuffer();
      await sent.settled();
      logs.push(...sent.logs);
    }
    // Every line as the worker writes it, before any truncation: the paths in it are short.
    const lines = logs.map((l) => JSON.stringify(l));
    expect(lines).toHaveLength(40);
    const longest = Math.max(...lines.map(utf8Bytes));
    expect(longest).toBeLessThan(2 * 1024);
    expect(logs.map((l) => l.shadows?.map((shadow) => shadow.divergent))).toEqual(Array(40).fill([["/body/*"]]));

    const { report, reportBytes, reportMs, pageBytes } = await reportAndPage(world(), "cmp/long-key");
    const r = report.routes[0]!;
    expect(r.compared).toBe(40);
    expect(r.divergent).toBe(40);
    expect(r.fields.map((f) => [f.path, f.kind, f.divergent])).toEqual([["/body/*", "added", 40]]);
    const size = await databaseSize("cmp/long-key");
    console.log(`long-key attack: SQLite ${size} B, report ${reportBytes} B in ${reportMs} ms, page ${pageBytes} B, longest log line ${longest} B`);
    expect(size).toBeLessThan(STORE_BYTES);
    expect(reportBytes).toBeLessThan(REPORT_BYTES);
    expect(pageBytes).toBeLessThan(PAGE_BYTES);
    expect(reportMs).toBeLessThan(1000);
  }, 60_000);
});

describe("a store filled to every limit with the largest entries they allow", () => {
  // 3-byte UTF-8 characters: a 100-character key is 300 bytes, the most a kept segment can be.
  const segment = (i: number, chars: number) => `${i}-`.padEnd(chars, "€");
  const path = (i: number) => `/body/${segment(i, 100)}/${segment(i, 60)}`;
  const preview = "€".repeat(256);
  const endpointSegment = (k: number) => `/${(String.fromCharCode(97 + (k % 26)) + String.fromCharCode(97 + Math.floor(k / 26))).padEnd(60, "z")}`;

  function hostileTally(from: number, n: number, at: number): Tally {
    const t = emptyTally();
    for (let i = from; i < from + n; i++) {
      // Half the requests differ at one long path (a path set near 1 KiB), half at eight.
      const paths = i % 2 === 0 ? [path(i)] : Array.from({ length: 8 }, (_, k) => path(i * 8 + k));
      addShadow(t, {});
      addCompared(t, {
        outcome: {
          v1Status: 200,
          v2Status: 200,
          differences: paths.map((p) => ({ path: p, kind: "value" as const })),
          reported: paths,
          noise: paths.map((p) => ({ path: p, kind: "value" as const })),
          example: paths.map((p) => ({ path: p, kind: "value" as const, v1Hash: "0".repeat(16), v2Hash: "f".repeat(16), v1: preview, v2: preview })),
        },
        v1Ms: 10,
        // Spread over minutes either way, so every where value fills its shift keys (issue 21 item 3).
        v2Ms: 12 + ((i * 7919) % 200_000) * (i % 3 === 0 ? -1 : 1),
        // One minute each batch, going back 180 minutes: every timeline minute filled.
        // 60 endpoints (issue 21 item 2: 50 kept, the rest under other), each name as long as one may be.
        example: { requestId: "r".repeat(4096) + i, method: "GET", path: `/compare/filled/${endpointSegment(i % 60).repeat(3)}` + "p".repeat(8192), at: at + (i - from), origin: "https://" + "h".repeat(8192), contentType: "€".repeat(4096) },
        // 300 distinct values of the longest kept length per dimension, recurring: eviction into `other` all along.
        where: { colo: `C${String(i % 300).padStart(15, "0")}`, country: `K${String(i % 301).padStart(15, "0")}`, protocol: `P${String(i % 299).padStart(15, "0")}` },
      });
    }
    return t;
  }

  it("stays within the store's bound, and the report and page within theirs", async () => {
    const s = stub("cmp/filled");
    const identity = { virtualService: "cmp", route: "filled", mirror: comparedRoutes(table, "cmp/filled")[0]!.mirror };
    const now = Date.now();
    for (let batch = 0; batch < 180; batch++) await s.record(identity, hostileTally(batch * 40, 40, now - (180 - batch) * 60_000 + 1_000));
    // Every key the latency-shift histogram can have (issue 21): whole ms to ±2 s, log buckets past it.
    const shifts = emptyTally();
    for (let d = -(2 ** 30); d <= 2 ** 30; d += Math.abs(d) < 3000 ? 1 : Math.max(1, Math.floor(Math.abs(d) / 400))) shifts.latencyShift[shiftKey(d)] = 1;
    // … and every key of every endpoint's coarser histogram.
    const before = await s.snapshot();
    for (const name of Object.keys(before.tally.endpoints)) {
      const e = (shifts.endpoints[name] = emptyEndpoint());
      for (let d = -(2 ** 31); d <= 2 ** 31; d += Math.max(1, Math.floor(Math.abs(d) / 200))) e.shift[endpointShiftKey(d)] = 1;
    }
    await s.record(identity, shifts);
    // The week's hours (issue 21 item 6): a minute of each hour past the timeline's 180,
    // with 20 path sets of ~1 KiB, rolled up into its hour when the object forgets it.
    for (let h = 4; h <= HISTORY_HOURS + 1; h++) {
      const minute = String(Math.floor((now - h * HOUR_MS) / 60_000) * 60_000);
      const t = emptyTally();
      t.timeline[minute] = { compared: 40, [MIRRORED]: 41, [SHIFT_SUM]: -400_000 };
      for (let k = 0; k < 20; k++) t.timeline[minute]![JSON.stringify([`/body/${h}-${k}`.padEnd(1000, "x")])] = 2;
      await s.record(identity, t);
    }
    const { tally } = await s.snapshot();
    let hoursBytes = 0;
    for (const [hour, counts] of Object.entries(tally.hours)) hoursBytes += hour.length + Object.keys(counts).reduce((n, key) => n + utf8Bytes(key) + 8, 0);
    expect(hoursBytes).toBeLessThanOrEqual(MAX_HOURS_BYTES);
    // Sets are named by hash in an hour: the whole week fits (20 sets an hour at most), the oldest past it forgotten.
    expect(Object.keys(tally.hours).length).toBeGreaterThanOrEqual(HISTORY_HOURS - 4);
    expect(Math.min(...Object.keys(tally.hours).map(Number))).toBeGreaterThanOrEqual(now - (HISTORY_HOURS + 1) * HOUR_MS);
    expect(tally.compared).toBe(7200);
    expect(Object.keys(tally.endpoints)).toHaveLength(MAX_ENDPOINTS + 1);
    expect(tally.endpoints[OTHER_ENDPOINT]!.compared).toBe(7200 / 6);
    expect(Object.values(tally.endpoints).every((e) => Object.keys(e.shift).length === ENDPOINT_SHIFT_KEYS)).toBe(true);
    expect(utf8Bytes(JSON.stringify(tally.endpoints))).toBeLessThanOrEqual(MAX_ENDPOINTS_JSON_BYTES);
    expect(Object.keys(tally.latencyShift).length).toBeGreaterThan(4001);
    expect(Object.keys(tally.latencyShift).length).toBeLessThanOrEqual(SHIFT_KEYS_MAX);
    expect(Object.keys(tally.fields).every((p) => utf8Bytes(p) <= MAX_PATH_BYTES)).toBe(true);
    expect(Object.keys(tally.fields).reduce((n, p) => n + utf8Bytes(p), 0)).toBeLessThanOrEqual(MAX_FIELD_BYTES);
    expect(tally.droppedPaths).toBeGreaterThan(0);
    let timelineBytes = 0;
    for (const [minute, counts] of Object.entries(tally.timeline)) timelineBytes += minute.length + Object.keys(counts).reduce((n, key) => n + utf8Bytes(key) + 8, 0);
    expect(timelineBytes).toBeLessThanOrEqual(MAX_TIMELINE_BYTES);
    // The oldest minutes went first: the newest is kept.
    expect(Math.max(...Object.keys(tally.timeline).map(Number))).toBeGreaterThan(now - 2 * 60_000);
    expect(tally.examples.reduce((n, e) => n + utf8Bytes(JSON.stringify(e)), 0)).toBeLessThanOrEqual(MAX_EXAMPLES_BYTES);
    // Where (issue 21 item 3): MAX_WHERE_VALUES named values and `other` per dimension, each value's JSON under 1.5 KiB.
    for (const d of DIMENSIONS) {
      const values = tally.where[d]!;
      expect(Object.keys(values)).toHaveLength(MAX_WHERE_VALUES + 1);
      expect(Object.values(values).reduce((n, c) => n + c.compared, 0)).toBe(7200);
      for (const c of Object.values(values)) {
        expect(Object.keys(c.shift).length).toBeLessThanOrEqual(WHERE_SHIFT_KEYS);
        expect(utf8Bytes(JSON.stringify(c))).toBeLessThan(1536);
      }
    }
    expect(Object.keys(tally.where.colo!.other!.shift)).toHaveLength(WHERE_SHIFT_KEYS);
    // The oldest examples were evicted: the newest request's is kept.
    expect(Math.max(...tally.examples.map((e) => e.at))).toBeGreaterThan(now - 60_000);

    const w = world();
    const { report, reportBytes, reportMs, pageBytes } = await reportAndPage(w, "cmp/filled");
    const week = await reportAndPage(w, "cmp/filled", "week");
    const size = await databaseSize("cmp/filled");
    const whereRows = await runInDurableObject(s, (_, state) => state.storage.sql.exec<{ n: number; bytes: number }>("SELECT COUNT(*) AS n, SUM(LENGTH(counts)) AS bytes FROM where_values").one());
    expect(whereRows.n).toBe(3 * (MAX_WHERE_VALUES + 1));
    console.log(`filled store: SQLite ${size} B (where: ${whereRows.n} rows, ${whereRows.bytes} B of JSON), report ${reportBytes} B in ${reportMs} ms (endpoints ${utf8Bytes(JSON.stringify(report.routes[0]!.endpoints))} B), page ${pageBytes} B (week: ${week.pageBytes} B), hours' keys ${hoursBytes} B, endpoints' JSON ${utf8Bytes(JSON.stringify(tally.endpoints))} B`);
    expect(week.report.routes[0]!.history.length).toBeGreaterThan(HISTORY_HOURS - 4);
    expect(report.routes[0]!.endpoints).toHaveLength(MAX_ENDPOINTS + 1);
    expect(size).toBeLessThan(STORE_BYTES);
    expect(reportBytes).toBeLessThan(REPORT_BYTES);
    expect(pageBytes).toBeLessThan(PAGE_BYTES);
    expect(week.pageBytes).toBeLessThan(PAGE_BYTES);

    // A fresh object over the same SQLite rows reads back what the live one holds.
    const reread = await runInDurableObject(s, (_, state) => new (Object.getPrototypeOf(_).constructor as new (st: DurableObjectState, e: Env) => CompareStore)(state, bindings as Env).snapshot());
    expect(reread.tally).toEqual((await s.snapshot()).tally);
  }, 120_000);

  it("rows stored before the bounds (issue 17: 40 paths of 200 KB) are read through the rules, and only what they keep stays", async () => {
    const ns = bindings.COMPARE_STORE as DurableObjectNamespace<CompareStore>;
    const s = ns.get(ns.idFromName(`unbounded-${crypto.randomUUID()}`));
    const minute = String(Math.floor(Date.now() / 60_000) * 60_000);
    await runInDurableObject(s, (_, state) => {
      const sql = state.storage.sql;
      for (let i = 0; i < 40; i++) {
        const path = `/body/k${i}-${"x".repeat(200_000)}`;
        const signature = JSON.stringify([path]);
        sql.exec("INSERT INTO fields (path, kind, divergent, noise) VALUES (?, 'added', 1, 0)", path);
        sql.exec("INSERT INTO signatures (paths, n) VALUES (?, 1)", signature);
        sql.exec("INSERT INTO counts (kind, key, n) VALUES (?, ?, 1)", `minute:${minute}`, signature);
        const example = { requestId: `r${i}`, method: "GET", path: "/compare/long-key", at: i, differences: [{ path, kind: "added", v2: "1" }] };
        sql.exec("INSERT INTO examples (example) VALUES (?)", JSON.stringify(example));
      }
      sql.exec("INSERT INTO counts (kind, key, n) VALUES ('total', 'compared', 40), ('minute:' || ?, 'compared', 40)", minute);
    });
    const before = await runInDurableObject(s, (_, state) => state.storage.sql.databaseSize);
    const { tally } = await s.snapshot();
    expect(tally.compared).toBe(40);
    expect(tally.fields).toEqual({});
    expect(tally.droppedPaths).toBe(40);
    expect(tally.signatures).toEqual({ "*": 40 });
    expect(tally.timeline[minute]).toEqual({ compared: 40, "*": 40 });
    expect(tally.examples).toEqual([]);
    const rows = await runInDurableObject(s, (_, state) =>
      state.storage.sql.exec<{ n: number }>("SELECT (SELECT COUNT(*) FROM fields) + (SELECT COUNT(*) FROM examples) + (SELECT COUNT(*) FROM signatures WHERE paths != '*') AS n").one().n,
    );
    expect(rows).toBe(0);
    const after = await runInDurableObject(s, (_, state) => state.storage.sql.databaseSize);
    console.log(`rows from before the bounds: SQLite ${before} B, after the first read ${after} B`);
    expect(before).toBeGreaterThan(STORE_BYTES);
    expect(after).toBeLessThan(STORE_BYTES);
  });

  it("a log line stays within MAX_LOG_LINE_BYTES whatever it carries", async () => {
    const w = world();
    const answer = await w.fetch(`http://cmp.test/compare/long-key/1?${"q".repeat(100)}`, { headers: { "x-request-id": "id-" + "i".repeat(12_000) } });
    expect(answer.status).toBe(200);
    expect(w.logs.length).toBeGreaterThan(0);
    const { boundedJson } = await import("../../src/observe/log");
    for (const line of w.logs) expect(utf8Bytes(boundedJson(line))).toBeLessThanOrEqual(MAX_LOG_LINE_BYTES);
  });
});
