// GET /__edge-mirror/api/captures?route=<vs>/<route>&from=<ISO>&to=<ISO>&limit=N
// streams a captured route's records (application/x-ndjson, one per line, oldest
// first, `time` in [from, to)); DELETE with the same query removes the objects whose
// records all fall in the range (an object only partly in it is kept, and counted as
// `partial` in the answer: widen the range to remove it). Bearer-protected like the
// report (admin.ts checks the token before this runs). Records older than the route's
// ttlDays are never returned; a GET also deletes the objects that hold only such
// records (expiry on read; an R2 lifecycle rule does it in production: docs/capture.md).
// Also: the captured routes' counts, for the report and the dashboard.
import type { CaptureSettings, RouteTable } from "../routing/table";
import { CAPTURE_DROPS, captureCountsKey, emptyCaptureCounts, gunzip, type CaptureBatcher, type CaptureDrop } from "../capture/batcher";
import { hourPrefix, keyTime, routePrefix } from "../capture/keys";
import type { CompareStoreNamespace } from "../observe/compare-recorder";

export const CAPTURES_PATH = "/__edge-mirror/api/captures";

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** A batch's records start at its key's time and end within this (10 s of batching, ~30 s of waitUntil): an hour of slack. */
const BATCH_SPAN_MS = HOUR_MS;

export interface CapturedRoute {
  virtualService: string;
  /** the route's name without its VirtualService */
  routeName: string;
  /** `<virtualService>/<route>` */
  route: string;
  settings: CaptureSettings;
}

export function capturedRoutes(table: RouteTable, only?: string): CapturedRoute[] {
  return table.virtualHosts.flatMap((vhost) =>
    vhost.routes.flatMap((route) => {
      const settings = route.shadow.capture;
      if (!settings || (only !== undefined && route.name !== only)) return [];
      return [{ virtualService: vhost.name, routeName: route.name.slice(vhost.name.length + 1), route: route.name, settings }];
    }),
  );
}

export interface CaptureReport {
  virtualService: string;
  route: string;
  percent: number;
  maxBodyBytes: number;
  ttlDays: number;
  captured: number;
  /** not captured, by reason (being sampled out is not a drop) */
  dropped: Record<CaptureDrop, number>;
}

/** Every captured route's counts, from its object in COMPARE_STORE, after this isolate's pending batches were written. */
export async function captureReport(table: RouteTable, store: CompareStoreNamespace | undefined, batcher: CaptureBatcher | undefined): Promise<CaptureReport[]> {
  const routes = capturedRoutes(table);
  if (routes.length === 0) return [];
  await batcher?.flushAll();
  return Promise.all(
    routes.map(async (r) => {
      const counts = { ...emptyCaptureCounts(), ...(store ? await store.get(store.idFromName(captureCountsKey(r.route))).captureCounts() : {}) };
      const dropped = Object.fromEntries(CAPTURE_DROPS.map((d) => [d, counts[d] ?? 0])) as Record<CaptureDrop, number>;
      return { virtualService: r.virtualService, route: r.routeName, percent: r.settings.perMillion / 10_000, maxBodyBytes: r.settings.maxBodyBytes, ttlDays: r.settings.ttlDays, captured: counts.captured ?? 0, dropped };
    }),
  );
}

export interface CapturesEnv {
  CAPTURES?: R2Bucket;
}

interface Query {
  route: CapturedRoute;
  from: number;
  to: number;
  limit: number;
}

export async function handleCaptures(request: Request, url: URL, env: CapturesEnv, table: RouteTable, batcher: CaptureBatcher | undefined, now = Date.now()): Promise<Response> {
  const method = request.method;
  if (method !== "GET" && method !== "DELETE") return new Response("method not allowed\n", { status: 405, headers: { allow: "GET, DELETE" } });
  const bucket = env.CAPTURES;
  if (!bucket) return json(503, { error: "no CAPTURES R2 binding: see wrangler.toml and docs/capture.md" });
  const query = readQuery(url, table, method === "GET" ? now : undefined);
  if ("error" in query) return json(query.status, { error: query.error });
  await batcher?.flushAll();
  const cutoff = now - query.route.settings.ttlDays * DAY_MS;
  if (method === "DELETE") return json(200, await deleteRange(bucket, query));
  await deleteExpired(bucket, query.route.route, cutoff);
  const from = Math.max(query.from, cutoff);
  const lines = records(bucket, { ...query, from });
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await lines.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    async cancel() {
      await lines.return(undefined);
    },
  });
  return new Response(body, { headers: { "content-type": "application/x-ndjson", "cache-control": "no-store" } });
}

/** The query, checked; GET's `from` defaults to the route's ttl ago, DELETE's to the beginning. */
function readQuery(url: URL, table: RouteTable, now: number | undefined): Query | { status: number; error: string } {
  const params = url.searchParams;
  const name = params.get("route");
  const routes = capturedRoutes(table);
  if (!name) return { status: 400, error: `name the route: ?route=<virtualService>/<route> (captured: ${routes.map((r) => r.route).join(", ") || "none"})` };
  const route = routes.find((r) => r.route === name);
  if (!route) return { status: 404, error: `no captured route named ${JSON.stringify(name)} (captured: ${routes.map((r) => r.route).join(", ") || "none"})` };
  const time = (key: "from" | "to", fallback: number): number | string => {
    const text = params.get(key);
    if (text === null || text === "") return fallback;
    const ms = Date.parse(text);
    return Number.isNaN(ms) ? `${key}: ${JSON.stringify(text)} is not an ISO 8601 time (e.g. 2026-12-07T08:00:00Z)` : ms;
  };
  const from = time("from", now === undefined ? 0 : now - route.settings.ttlDays * DAY_MS);
  const to = time("to", now === undefined ? 8.64e15 : now + 1);
  if (typeof from === "string") return { status: 400, error: from };
  if (typeof to === "string") return { status: 400, error: to };
  const limitText = params.get("limit");
  const limit = limitText === null ? Infinity : Number(limitText);
  if (limit !== Infinity && (!Number.isInteger(limit) || limit < 1)) return { status: 400, error: `limit: ${JSON.stringify(limitText)} is not a whole number ≥ 1` };
  return { route, from, to, limit };
}

interface Listed {
  key: string;
  first: number;
  last: number;
  count: number;
}

/** The route's objects that may hold records in [from, to), in key (time) order. */
async function* listRange(bucket: R2Bucket, route: string, from: number, to: number): AsyncGenerator<Listed> {
  const prefix = routePrefix(route);
  // Keys sort by the time of their first record: start an hour before `from` (a batch spans seconds).
  const startAfter = from - BATCH_SPAN_MS > 0 ? hourPrefix(route, from - BATCH_SPAN_MS) : undefined;
  let cursor: string | undefined;
  for (;;) {
    const page = await bucket.list({ prefix, cursor, startAfter: cursor ? undefined : startAfter, include: ["customMetadata"] });
    for (const o of page.objects) {
      const at = keyTime(o.key);
      if (at === undefined) continue;
      if (at >= to) return;
      const meta = o.customMetadata ?? {};
      const first = Date.parse(meta.first ?? "") || at;
      const last = Date.parse(meta.last ?? "") || at;
      if (last < from) continue;
      yield { key: o.key, first, last, count: Number(meta.count ?? 0) };
    }
    if (!page.truncated) return;
    cursor = page.cursor;
  }
}

/**
 * The records in [from, to), oldest first across objects: objects come in order of
 * their first record, so every buffered record older than the next object's first
 * can be written before that object is read (a few batches are held at a time).
 */
async function* records(bucket: R2Bucket, { route, from, to, limit }: Query): AsyncGenerator<string> {
  let left = limit;
  let held: { ms: number; text: string }[] = [];
  const release = function* (before: number) {
    held.sort((a, b) => a.ms - b.ms);
    let i = 0;
    while (i < held.length && held[i]!.ms < before && left > 0) {
      yield held[i]!.text + "\n";
      i++;
      left--;
    }
    held = held.slice(i);
  };
  for await (const o of listRange(bucket, route.route, from, to)) {
    yield* release(o.first);
    if (left <= 0) return;
    const object = await bucket.get(o.key);
    if (!object) continue;
    for (const text of (await gunzip(object.body)).split("\n")) {
      if (text === "") continue;
      const ms = Date.parse((JSON.parse(text) as { time: string }).time);
      if (ms >= from && ms < to) held.push({ ms, text });
    }
  }
  yield* release(Infinity);
}

/** Removes the objects wholly inside [from, to); reports the ones only partly inside. */
async function deleteRange(bucket: R2Bucket, { route, from, to }: Query): Promise<{ route: string; deleted: number; records: number; partial: number }> {
  const keys: string[] = [];
  let records = 0;
  let partial = 0;
  for await (const o of listRange(bucket, route.route, from, to)) {
    if (o.first >= from && o.last < to) {
      keys.push(o.key);
      records += o.count;
    } else partial++;
  }
  for (let i = 0; i < keys.length; i += 1000) await bucket.delete(keys.slice(i, i + 1000));
  return { route: route.route, deleted: keys.length, records, partial };
}

/** Deletes the route's objects whose every record is older than the cutoff. */
async function deleteExpired(bucket: R2Bucket, route: string, cutoff: number): Promise<void> {
  const expired: string[] = [];
  for await (const o of listRange(bucket, route, 0, cutoff)) if (o.last < cutoff) expired.push(o.key);
  for (let i = 0; i < expired.length; i += 1000) await bucket.delete(expired.slice(i, i + 1000));
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body, null, 2) + "\n", { status, headers: { "content-type": "application/json", "cache-control": "no-store" } });
}
