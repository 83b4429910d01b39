// MirrorPolicy capture (issue 20), end to end inside workerd: requests through the
// worker to the recording origins, records batched into the R2 bucket wrangler.toml
// binds as CAPTURES (the vitest pool's local R2), read back through
// GET /__edge-mirror/api/captures and straight from the bucket's objects. Routes on
// host cap.test (test/support/routes.integration.yaml), one per scenario, so each has
// its own key prefix and counts object. One app serves a scenario's requests, as one
// isolate would: batches are per isolate.
import { describe, expect, it } from "vitest";
import { inject } from "vitest";
import { createExecutionContext, env as bindings, waitOnExecutionContext } from "cloudflare:test";
import { createApp, isolateBudgets } from "../../src/app";
import type { BatcherOptions } from "../../src/capture/batcher";
import { batchKey, routePrefix } from "../../src/capture/keys";
import { gunzip, gzip } from "../../src/capture/batcher";
import type { CaptureRecord } from "../../src/capture/record";
// The replay side's reader (npm run replay): every record the API serves must pass it.
import { parseRecord } from "../../src/tools/replay-record";
import type { CaptureLog } from "../../src/observe/log";
import { sha256, table } from "../support/harness";

const TOKEN = "test-admin-token";
const v1Url = `http://127.0.0.1:${Object.entries(JSON.parse(inject("originNames")) as Record<string, string>).find(([, name]) => name === "v1")![0]}`;
const BUCKET = (bindings as unknown as { CAPTURES: R2Bucket }).CAPTURES;
const BASE_ENV = { COMPARE_STORE: bindings.COMPARE_STORE, ADMIN_GUARD: bindings.ADMIN_GUARD, CAPTURES: BUCKET, EDGE_MIRROR_ADMIN_TOKEN: TOKEN };

let counter = 0;

/** One isolate: an app whose batches and log lines the test can see. */
function isolate(options: BatcherOptions = {}, { random = 0, env = BASE_ENV as Record<string, unknown> } = {}) {
  const logs: CaptureLog[] = [];
  const budgets = isolateBudgets();
  const app = createApp(table, { random: () => random, logger: () => {}, budgets, capture: { flushMs: 200, log: (l) => logs.push(l), ...options } });
  const pending: Promise<void>[] = [];
  async function send(url: string, init: RequestInit = {}) {
    const headers = new Headers(init.headers);
    if (!headers.has("x-request-id")) headers.set("x-request-id", `cap-${Date.now()}-${++counter}`);
    const ctx = createExecutionContext();
    const response = await app.fetch(new Request(url, { ...init, headers }), env, ctx);
    const bytes = new Uint8Array(await response.arrayBuffer());
    const settled = waitOnExecutionContext(ctx);
    pending.push(settled);
    return { response, bytes, requestId: headers.get("x-request-id")!, settled: () => settled };
  }
  async function api(query: string, method = "GET") {
    const ctx = createExecutionContext();
    const response = await app.fetch(new Request(`http://cap.test/__edge-mirror/api/${query}`, { method, headers: { authorization: `Bearer ${TOKEN}` } }), env, ctx);
    const body = await response.text();
    await waitOnExecutionContext(ctx);
    return { response, body };
  }
  async function captures(query: string): Promise<CaptureRecord[]> {
    const { response, body } = await api(`captures?${query}`);
    expect(response.status, body).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/x-ndjson");
    const lines = body.split("\n").filter(Boolean);
    lines.forEach((l, i) => parseRecord(l, `line ${i + 1}`));
    return lines.map((l) => JSON.parse(l) as CaptureRecord);
  }
  return { send, api, captures, logs, budgets, settleAll: () => Promise.all(pending) };
}

/** Every object under a route's prefix, gunzipped, with its custom metadata. */
async function objects(route: string): Promise<{ key: string; text: string; meta: Record<string, string> }[]> {
  const listed = await BUCKET.list({ prefix: routePrefix(route), include: ["customMetadata"] });
  return Promise.all(
    listed.objects.map(async (o) => {
      const got = (await BUCKET.get(o.key))!;
      return { key: o.key, text: await gunzip(got.body), meta: o.customMetadata ?? {} };
    }),
  );
}

describe("capture: a captured exchange read back through the API", () => {
  it("records the request (method, URL, headers, body) and v1's answer, on a route without a mirror", async () => {
    const w = isolate();
    const body = JSON.stringify({ name: "ada", n: 7 });
    const sent = await w.send("http://cap.test/anything/users/7?x=1", { method: "POST", body, headers: { "content-type": "application/json", accept: "application/json" } });
    expect(sent.response.status).toBe(200);
    const [record, ...rest] = await w.captures("route=cap/plain");
    expect(rest).toEqual([]);
    expect(record).toMatchObject({
      v: 1,
      id: sent.requestId,
      route: "cap/plain",
      request: { method: "POST", url: "http://cap.test/anything/users/7?x=1", body, bodyEncoding: "utf8", bodyBytes: body.length, bodyTruncated: false },
      response: { status: 200, body: new TextDecoder().decode(sent.bytes), bodyEncoding: "utf8", bodyBytes: sent.bytes.byteLength, bodyTruncated: false },
    });
    expect(record!.request.headers).toContainEqual(["accept", "application/json"]);
    expect(record!.response.headers).toContainEqual(["x-origin", "v1"]);
    expect(Date.parse(record!.time)).toBeGreaterThan(Date.now() - 60_000);
    expect(record!.timing.headersMs).toBeGreaterThanOrEqual(0);
    expect(record!.timing.endMs).toBeGreaterThanOrEqual(record!.timing.headersMs);
    // The object: gzip NDJSON under the contract's key, with first / last / count metadata.
    const [object] = (await objects("cap/plain")).filter((o) => o.text.includes(sent.requestId));
    expect(object!.key).toMatch(/^captures\/cap\/plain\/\d{4}-\d\d-\d\d\/\d\d\/\d{13}-[0-9a-f]{8}-\d+\.ndjson\.gz$/);
    expect(object!.meta).toEqual({ first: record!.time, last: record!.time, count: "1" });
  });

  it("a GET without a body has none: body absent, bodyBytes 0", async () => {
    const w = isolate();
    const sent = await w.send("http://cap.test/nobody");
    const [record] = (await w.captures("route=cap/plain")).filter((r) => r.id === sent.requestId);
    expect(record!.request).not.toHaveProperty("body");
    expect(record!.request).toMatchObject({ method: "GET", bodyBytes: 0, bodyTruncated: false });
  });

  it("the client's answer is byte for byte v1's with capture on, and a body past maxBodyBytes is stored truncated, marked so", async () => {
    const w = isolate();
    const direct = new Uint8Array(await (await fetch(`${v1Url}/compare/big/200000`)).arrayBuffer());
    const sent = await w.send("http://cap.test/compare/big/200000");
    expect(sent.bytes.byteLength).toBe(direct.byteLength);
    expect(await sha256(sent.bytes)).toBe(await sha256(direct));
    const [record] = (await w.captures("route=cap/big")).filter((r) => r.id === sent.requestId);
    expect(record!.response).toMatchObject({ bodyBytes: direct.byteLength, bodyTruncated: true, bodyEncoding: "utf8" });
    expect(record!.response.body).toBe(new TextDecoder().decode(direct.subarray(0, 1024)));
  });

  it("a compared, mirrored route is captured too: the client's bytes are v1's, the comparison and the capture each read their own copy", async () => {
    const w = isolate();
    const direct = new Uint8Array(await (await fetch(`${v1Url}/compare/same`)).arrayBuffer());
    const sent = await w.send("http://cap.test/compare/same");
    expect(await sha256(sent.bytes)).toBe(await sha256(direct));
    await sent.settled();
    const [record] = (await w.captures("route=cap/mirrored")).filter((r) => r.id === sent.requestId);
    expect(record!.response.body).toBe(new TextDecoder().decode(direct));
  });

  it("a request body is captured from the worker's own branch while the primary streams it (v1 receives every byte)", async () => {
    const w = isolate();
    const big = "x".repeat(300_000);
    const sent = await w.send("http://cap.test/compare/big/10", { method: "POST", body: big });
    const answer = JSON.parse(new TextDecoder().decode(sent.bytes)) as unknown[];
    expect(Array.isArray(answer)).toBe(true);
    const [record] = (await w.captures("route=cap/big")).filter((r) => r.id === sent.requestId);
    expect(record!.request).toMatchObject({ body: "x".repeat(1024), bodyBytes: 300_000, bodyTruncated: true });
  });
});

describe("capture: secrets never stored", () => {
  const secrets = ["REQ-SECRET-1", "COOKIE-SECRET-2", "KEY-SECRET-3", "PW-SECRET-4", "PROXY-SECRET-5", "SECRET-v1"];

  it("Authorization, Proxy-Authorization, a cookie, a redacted header and body paths: none of their values in the API's answer or the bucket's objects", async () => {
    const w = isolate();
    const sent = await w.send("http://cap.test/compare/secret", {
      method: "POST",
      headers: {
        authorization: "Bearer REQ-SECRET-1",
        "proxy-authorization": "Basic PROXY-SECRET-5",
        cookie: "sid=COOKIE-SECRET-2",
        "x-api-key": "KEY-SECRET-3",
        "content-type": "application/json",
      },
      body: JSON.stringify({ user: "ada", password: "PW-SECRET-4" }),
    });
    // v1's answer carries them (set-cookie, authorization, /body/session/token, /body/auth echoes the request's).
    const answer = new TextDecoder().decode(sent.bytes);
    expect(answer).toContain("SECRET-v1");
    expect(answer).toContain("REQ-SECRET-1");
    const { body: api } = await w.api("captures?route=cap/secret");
    const stored = (await objects("cap/secret")).map((o) => o.text).join("\n");
    for (const text of [api, stored]) {
      expect(text).toContain(sent.requestId);
      for (const s of secrets) expect(text).not.toContain(s);
    }
    const record = api.split("\n").filter(Boolean).map((l) => JSON.parse(l) as CaptureRecord).find((r) => r.id === sent.requestId)!;
    expect(record.request.headers).toEqual(
      expect.arrayContaining([
        ["authorization", "[redacted]"],
        ["proxy-authorization", "[redacted]"],
        ["cookie", "[redacted]"],
        ["x-api-key", "[redacted]"],
      ]),
    );
    expect(JSON.parse(record.request.body!)).toEqual({ user: "ada", password: "[redacted]" });
    expect(record.response.headers).toEqual(expect.arrayContaining([["set-cookie", "[redacted]"], ["authorization", "[redacted]"]]));
    expect(JSON.parse(record.response.body!)).toEqual({ session: { token: "[redacted]", user: "ada" }, auth: "[redacted]" });
  });

  it("a body that cannot be parsed as JSON on a route with body paths is replaced whole (what cannot be redacted is not stored)", async () => {
    const w = isolate();
    const sent = await w.send("http://cap.test/compare/secret", { method: "POST", body: "password=PW-SECRET-4&user=ada", headers: { "content-type": "application/x-www-form-urlencoded" } });
    const { body: api } = await w.api("captures?route=cap/secret");
    expect(api).toContain(sent.requestId);
    expect(api).not.toContain("PW-SECRET-4");
    const record = api.split("\n").filter(Boolean).map((l) => JSON.parse(l) as CaptureRecord).find((r) => r.id === sent.requestId)!;
    expect(record.request).toMatchObject({ body: "[redacted]", bodyBytes: 29 });
  });
});

describe("capture: batches, by size and by time", () => {
  it("a batch is written 10 s (here: flushMs) after its first record even when no request follows", async () => {
    const w = isolate({ flushMs: 400 });
    const started = Date.now();
    const sent = await w.send("http://cap.test/batch/time");
    expect((await objects("cap/batch")).some((o) => o.text.includes(sent.requestId))).toBe(false);
    // The request's waitUntil holds the timer, and ends once the batch is in R2.
    await sent.settled();
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
    expect((await objects("cap/batch")).filter((o) => o.text.includes(sent.requestId))).toHaveLength(1);
    expect(w.logs.filter((l) => l.outcome === "flushed")).toHaveLength(1);
  });

  it("records of one isolate and route share an object until it would pass maxBytes; then it is written at once", async () => {
    const w = isolate({ flushMs: 20_000, maxBytes: 2500 });
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push((await w.send(`http://cap.test/batch/size/${i}`)).requestId);
    // Records of ~700 bytes: full batches are written long before the 20 s timer.
    let found: { key: string; text: string; meta: Record<string, string> }[] = [];
    for (let t = 0; t < 40; t++) {
      found = (await objects("cap/batch")).filter((o) => ids.some((id) => o.text.includes(id)));
      if (found.length >= 2) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(found.length).toBeGreaterThanOrEqual(2);
    for (const o of found) {
      expect(new TextEncoder().encode(o.text).byteLength).toBeLessThanOrEqual(2500);
      expect(Number(o.meta.count)).toBe(o.text.split("\n").filter(Boolean).length);
      expect(Number(o.meta.count)).toBeGreaterThan(1);
    }
    // The API writes this isolate's open batch first: all 12 come back, oldest first.
    const back = (await w.captures("route=cap/batch")).filter((r) => ids.includes(r.id));
    expect(back.map((r) => r.id)).toEqual(ids);
    await w.settleAll();
  });
});

describe("capture: sampling, counts and drops", () => {
  it("percent: 1 samples like mirrorPercentage (a draw below 10 000 per million); sampled out is not a drop", async () => {
    const out = isolate({}, { random: 0.5 });
    const skipped = await out.send("http://cap.test/sampled/a");
    const inn = isolate({}, { random: 0.005 });
    const taken = await inn.send("http://cap.test/sampled/b");
    const ids = (await inn.captures("route=cap/sampled")).map((r) => r.id);
    expect(ids).toContain(taken.requestId);
    expect(ids).not.toContain(skipped.requestId);
    await out.settleAll();
    const { body } = await inn.api("report");
    const entry = (JSON.parse(body) as { captures: { route: string; captured: number; dropped: Record<string, number> }[] }).captures.find((c) => c.route === "sampled")!;
    expect(entry).toMatchObject({ captured: 1, dropped: { too_large: 0, bucket_error: 0, memory_budget: 0 } });
  });

  it("a record larger than a batch is dropped as too_large, a failed write as bucket_error; both counted in the report; the client never sees either", async () => {
    const tiny = isolate({ maxBytes: 600 });
    const a = await tiny.send("http://cap.test/ttl/too-large", { method: "POST", body: "y".repeat(2000) });
    expect(a.response.status).toBe(200);
    await tiny.settleAll();
    expect(tiny.logs.filter((l) => l.outcome === "too_large")).toHaveLength(1);

    const failing = { put: async () => { throw new Error("R2 is down"); }, list: BUCKET.list.bind(BUCKET), get: BUCKET.get.bind(BUCKET), delete: BUCKET.delete.bind(BUCKET) };
    const broken = isolate({}, { env: { ...BASE_ENV, CAPTURES: failing } });
    const b = await broken.send("http://cap.test/ttl/bucket-error");
    expect(b.response.status).toBe(200);
    await broken.settleAll();
    expect(broken.logs.filter((l) => l.outcome === "bucket_error")).toHaveLength(1);

    const { body } = await tiny.api("report");
    const entry = (JSON.parse(body) as { captures: { route: string; captured: number; dropped: Record<string, number> }[] }).captures.find((c) => c.route === "ttl")!;
    expect(entry.dropped).toMatchObject({ too_large: 1, bucket_error: 1 });
  });

  it("within the isolate's memory ledger: reserved while read and batched, given back once written; past MIRROR_MEMORY_BUDGET_MIB dropped as memory_budget", async () => {
    const w = isolate();
    const sent = await w.send("http://cap.test/ttl/ledger", { method: "POST", body: "z".repeat(5000) });
    expect(w.budgets.memory.peak).toBeGreaterThanOrEqual(65_536 + 5000);
    await sent.settled();
    expect(w.budgets.memory.held).toBe(0);
    expect((await w.captures("route=cap/ttl")).map((r) => r.id)).toContain(sent.requestId);

    const tight = isolate({}, { env: { ...BASE_ENV, MIRROR_MEMORY_BUDGET_MIB: "0.01" } });
    const direct = new Uint8Array(await (await fetch(`${v1Url}/compare/same`)).arrayBuffer());
    const dropped = await tight.send("http://cap.test/compare/same");
    expect(await sha256(dropped.bytes)).toBe(await sha256(direct));
    await tight.settleAll();
    expect(tight.logs.filter((l) => l.outcome === "memory_budget")).toHaveLength(1);
    expect(tight.budgets.memory.held).toBe(0);
    const { body } = await tight.api("report");
    const entry = (JSON.parse(body) as { captures: { route: string; dropped: Record<string, number> }[] }).captures.find((c) => c.route === "mirrored")!;
    expect(entry.dropped.memory_budget).toBeGreaterThanOrEqual(1);
  });

  it("without the CAPTURES binding capture is skipped, with one log line per isolate; the client's answer is unaffected", async () => {
    const { CAPTURES: _, ...env } = BASE_ENV;
    const w = isolate({}, { env });
    const direct = new Uint8Array(await (await fetch(`${v1Url}/compare/same`)).arrayBuffer());
    for (let i = 0; i < 3; i++) {
      const sent = await w.send("http://cap.test/compare/same");
      expect(sent.response.status).toBe(200);
      expect(await sha256(sent.bytes)).toBe(await sha256(direct));
    }
    await w.settleAll();
    expect(w.logs.map((l) => l.outcome)).toEqual(["no_bucket"]);
    expect(w.logs[0]!.detail).toContain("CAPTURES");
    const { response } = await w.api("captures?route=cap/plain");
    expect(response.status).toBe(503);
  });
});

describe("capture: the API's range, order, limit, expiry and DELETE", () => {
  /** Writes an object as the batcher would, for records at the given times. */
  async function plant(route: string, times: number[], tag: string): Promise<string> {
    const exchange = {
      request: { method: "GET", url: "http://cap.test/planted", headers: [], bodyBytes: 0, bodyTruncated: false },
      response: { status: 200, headers: [], bodyBytes: 0, bodyTruncated: false },
      timing: { headersMs: 1, endMs: 1 },
      where: {},
    };
    const lines = times.map((ms, i) => JSON.stringify({ v: 1, id: `${tag}-${i}`, time: new Date(ms).toISOString(), route, ...exchange }));
    const key = batchKey(route, Math.min(...times), "0000beef", ++counter);
    await BUCKET.put(key, await gzip(lines.join("\n") + "\n"), { customMetadata: { first: new Date(Math.min(...times)).toISOString(), last: new Date(Math.max(...times)).toISOString(), count: String(times.length) } });
    return key;
  }

  it("records older than ttlDays are never returned, and their objects are deleted when read", async () => {
    const w = isolate();
    const day = 86_400_000;
    const old = await plant("cap/ttl", [Date.now() - 2 * day], "expired");
    const fresh = await plant("cap/ttl", [Date.now() - 1000], "fresh");
    const ids = (await w.captures(`route=cap/ttl&from=${new Date(Date.now() - 3 * day).toISOString()}`)).map((r) => r.id);
    expect(ids).toContain("fresh-0");
    expect(ids).not.toContain("expired-0");
    expect(await BUCKET.head(old)).toBeNull();
    expect(await BUCKET.head(fresh)).not.toBeNull();
  });

  it("oldest first across overlapping objects, [from, to) and limit; DELETE removes whole objects in the range and counts partial ones", async () => {
    const w = isolate();
    const t0 = Date.now() - 600_000;
    await plant("cap/plain", [t0, t0 + 3000, t0 + 6000], "a");
    await plant("cap/plain", [t0 + 1000, t0 + 4000], "b");
    await plant("cap/plain", [t0 + 20_000], "c");
    const iso = (ms: number) => new Date(ms).toISOString();
    const all = await w.captures(`route=cap/plain&from=${iso(t0)}&to=${iso(t0 + 30_000)}`);
    expect(all.map((r) => r.id)).toEqual(["a-0", "b-0", "a-1", "b-1", "a-2", "c-0"]);
    expect((await w.captures(`route=cap/plain&from=${iso(t0 + 1000)}&to=${iso(t0 + 6000)}`)).map((r) => r.id)).toEqual(["b-0", "a-1", "b-1"]);
    expect((await w.captures(`route=cap/plain&from=${iso(t0)}&to=${iso(t0 + 30_000)}&limit=2`)).map((r) => r.id)).toEqual(["a-0", "b-0"]);

    const del = await w.api(`captures?route=cap/plain&from=${iso(t0 + 500)}&to=${iso(t0 + 30_000)}`, "DELETE");
    expect(JSON.parse(del.body)).toEqual({ route: "cap/plain", deleted: 2, records: 3, partial: 1 });
    expect((await w.captures(`route=cap/plain&from=${iso(t0)}&to=${iso(t0 + 30_000)}`)).map((r) => r.id)).toEqual(["a-0", "a-1", "a-2"]);
  });

  it("answers 400 for a bad time or limit, 404 for a route that is not captured, 401 without the token", async () => {
    const w = isolate();
    expect((await w.api("captures?route=cap/plain&from=yesterday")).response.status).toBe(400);
    expect((await w.api("captures?route=cap/plain&limit=0")).response.status).toBe(400);
    expect((await w.api("captures")).response.status).toBe(400);
    expect((await w.api("captures?route=cmp/same")).response.status).toBe(404);
    const app = createApp(table);
    const ctx = createExecutionContext();
    const res = await app.fetch(new Request("http://cap.test/__edge-mirror/api/captures?route=cap/plain"), BASE_ENV, ctx);
    expect(res.status).toBe(401);
  });
});
