// One compared route's counts, across Cloudflare's network: a SQLite-backed Durable
// Object per route and mirror (named by compareKey), fed by every isolate's batched
// tallies (compare-recorder.ts, about one call per second per isolate) and read by
// the report. The object holds its tally in memory (loaded once from SQLite), adds
// each call with tally.ts's mergeTally — the one copy of the limits on paths, path
// sets, examples and the timeline, in entries and in bytes — and writes the rows the
// call changed in one transaction (per endpoint, one JSON row: endpoint-tally.ts's
// bounds). So what is stored is bounded by those limits
// (docs/guarantees-storage.md), and snapshot() reads nothing unbounded.
import { DurableObject } from "cloudflare:workers";
import { boundExample, emptyTally, mergeTally, OVERFLOW, type Example, type Tally } from "../compare/tally";
import type { RouteIdentity } from "../compare/report";
import type { DiffKind } from "../compare/types";
import { addToTimeline, MINUTE_OVERFLOW, pruneHours, pruneTimeline, type Timeline } from "../compare/timeline";
import { DIMENSIONS, OTHER, whereRows, type Dimension } from "../compare/where";
import { OTHER_ENDPOINT, type EndpointTally } from "../compare/endpoint-tally";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS counts (kind TEXT NOT NULL, key TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (kind, key));
CREATE TABLE IF NOT EXISTS fields (path TEXT PRIMARY KEY, kind TEXT NOT NULL, divergent INTEGER NOT NULL, noise INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS signatures (paths TEXT PRIMARY KEY, n INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS examples (id INTEGER PRIMARY KEY AUTOINCREMENT, example TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS where_values (dimension TEXT NOT NULL, value TEXT NOT NULL, counts TEXT NOT NULL, PRIMARY KEY (dimension, value));
CREATE TABLE IF NOT EXISTS hours (hour TEXT PRIMARY KEY, counts TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS endpoints (endpoint TEXT PRIMARY KEY, data TEXT NOT NULL);
DROP TABLE IF EXISTS example_paths;`;

/** The tally's single counters, stored as counts rows of kind "total". */
const TOTALS = ["mirrored", "compared", "noiseSamples", "droppedPaths"] as const;
/** The tally's count maps, stored as counts rows of this kind. */
const MAPS: Record<string, (t: Tally) => Record<string, number>> = {
  "status:v1": (t: Tally) => t.statuses.v1,
  "status:v2": (t: Tally) => t.statuses.v2,
  "latency:v1": (t: Tally) => t.latency.v1,
  "latency:v2": (t: Tally) => t.latency.v2,
  // v2 − v1 per compared request (latency-shift.ts): at most SHIFT_KEYS_MAX rows.
  shift: (t: Tally) => t.latencyShift,
  skipped: (t: Tally) => t.skipped,
  shadowErrors: (t: Tally) => t.shadowErrors,
};
/** Every row but meta's. */
const CLEAR = "DELETE FROM counts;DELETE FROM fields;DELETE FROM signatures;DELETE FROM examples;DELETE FROM where_values;DELETE FROM hours;DELETE FROM endpoints";
/** The timeline's minutes are counts rows of kind "minute:<start>"; its hours (tally.hours) one row each in hours (their counts as JSON: a row per key cost ~130 B of SQLite each). */
const MINUTE = "minute:";

export interface StoredRoute {
  identity?: RouteIdentity;
  /** when the first tally arrived (ms since the epoch) */
  since?: number;
  tally: Tally;
}

export class CompareStore extends DurableObject<Env> {
  #loaded?: StoredRoute;
  /** each kept example's row id: an evicted one is deleted by it (two equal examples are two rows) */
  #rows = new WeakMap<Example, number>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(SCHEMA);
  }

  /** Adds one isolate's tally. */
  record(identity: RouteIdentity, incoming: Tally): void {
    const state = this.#load();
    try {
      this.ctx.storage.transactionSync(() => {
        if (state.identity === undefined) {
          state.identity = identity;
          state.since = Date.now();
          this.ctx.storage.sql.exec("INSERT OR REPLACE INTO meta VALUES ('identity', ?), ('since', ?)", JSON.stringify(identity), String(state.since));
        }
        const before = new Set(state.tally.examples);
        const where = whereRows(state.tally.where);
        mergeTally(state.tally, incoming);
        for (const row of whereRows(state.tally.where)) where.delete(row);
        this.#write(state.tally, incoming, before, ...this.#prune(state.tally, Date.now()), where);
      });
    } catch (e) {
      // The transaction rolled back: read the stored state again next time.
      this.#loaded = undefined;
      throw e;
    }
  }

  /** Forgets old minutes, adding them into their hours, and old hours: [minutes forgotten, hours changed, hours forgotten]. */
  #prune(t: Tally, now: number): [string[], Timeline, string[]] {
    const changed: Timeline = {};
    const minutes = pruneTimeline(t.timeline, now, changed);
    mergeTally(t, { ...emptyTally(), hours: changed });
    return [minutes, changed, pruneHours(t.hours, now)];
  }

  /**
   * Writes the rows of `state` that `incoming` touched (with the merged values), the
   * examples not in `before`, and deletes the examples evicted, the minutes and hours
   * forgotten and the where values folded into `other` (`whereGone`: "dimension value").
   */
  #write(t: Tally, incoming: Tally, before: Set<Example>, forgotten: string[], hours: Timeline = {}, forgottenHours: string[] = [], whereGone: Set<string> = new Set()): void {
    const sql = this.ctx.storage.sql;
    const put = (kind: string, key: string, n: number | undefined) => {
      if (n !== undefined) sql.exec("INSERT OR REPLACE INTO counts VALUES (?, ?, ?)", kind, key, n);
    };
    for (const name of TOTALS) put("total", name, t[name]);
    for (const [kind, of] of Object.entries(MAPS)) for (const key of Object.keys(of(incoming))) put(kind, key, of(t)[key]);
    for (const [minute, counts] of Object.entries(incoming.timeline)) {
      for (const key of [...Object.keys(counts), MINUTE_OVERFLOW]) put(MINUTE + minute, key, t.timeline[minute]?.[key]);
    }
    for (const minute of forgotten) sql.exec("DELETE FROM counts WHERE kind = ?", MINUTE + minute);
    for (const hour of Object.keys({ ...incoming.hours, ...hours })) {
      if (t.hours[hour]) sql.exec("INSERT OR REPLACE INTO hours VALUES (?, ?)", hour, JSON.stringify(t.hours[hour]));
    }
    for (const hour of forgottenHours) sql.exec("DELETE FROM hours WHERE hour = ?", hour);
    for (const path of Object.keys(incoming.fields)) {
      const f = t.fields[path];
      if (f) sql.exec("INSERT OR REPLACE INTO fields VALUES (?, ?, ?, ?)", path, f.kind, f.divergent, f.noise);
    }
    for (const key of [...Object.keys(incoming.signatures), OVERFLOW]) {
      const n = t.signatures[key];
      if (n !== undefined) sql.exec("INSERT OR REPLACE INTO signatures VALUES (?, ?)", key, n);
    }
    // One row per endpoint the call touched (its JSON: bounded by endpoint-tally.ts); past MAX_ENDPOINTS, "other"'s.
    for (const name of Object.keys(incoming.endpoints ?? {})) {
      const key = t.endpoints[name] ? name : OTHER_ENDPOINT;
      if (t.endpoints[key]) sql.exec("INSERT OR REPLACE INTO endpoints VALUES (?, ?)", key, JSON.stringify(t.endpoints[key]));
    }
    for (const e of t.examples) {
      if (!before.delete(e)) this.#rows.set(e, sql.exec<{ id: number }>("INSERT INTO examples (example) VALUES (?) RETURNING id", JSON.stringify(e)).one().id);
    }
    // What is left was evicted (tally.ts's rule): each by its row id.
    for (const e of before) sql.exec("DELETE FROM examples WHERE id = ?", this.#rows.get(e) ?? -1);
    // One row per (dimension, value), at most MAX_WHERE_VALUES + 1 per dimension (where.ts): the values this call touched, and `other`.
    for (const d of DIMENSIONS) {
      const touched = Object.keys(incoming.where?.[d] ?? {});
      if (touched.length === 0) continue;
      for (const value of new Set([...touched, OTHER])) {
        const c = t.where[d]?.[value];
        if (c) sql.exec("INSERT OR REPLACE INTO where_values VALUES (?, ?, ?)", d, value, JSON.stringify(c));
      }
    }
    for (const row of whereGone) {
      const space = row.indexOf(" ");
      sql.exec("DELETE FROM where_values WHERE dimension = ? AND value = ?", row.slice(0, space), row.slice(space + 1));
    }
  }

  /** Everything counted so far: bounded by tally.ts's limits, held in memory. */
  snapshot(): StoredRoute {
    return this.#load();
  }

  /** Adds one isolate's capture counts (an object named captureCountsKey(route), src/capture/batcher.ts): counts rows of kind "capture", a few reason names, so bounded. */
  recordCapture(counts: Record<string, number>): void {
    const sql = this.ctx.storage.sql;
    this.ctx.storage.transactionSync(() => {
      for (const [key, n] of Object.entries(counts)) {
        if (n !== 0) sql.exec("INSERT INTO counts (kind, key, n) VALUES ('capture', ?, ?) ON CONFLICT (kind, key) DO UPDATE SET n = n + excluded.n", key, n);
      }
    });
  }

  /** The capture counts added so far. */
  captureCounts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const row of this.ctx.storage.sql.exec<{ key: string; n: number }>("SELECT key, n FROM counts WHERE kind = 'capture'")) out[row.key] = row.n;
    return out;
  }

  /** Forgets everything (a new v2 was deployed: its verdict starts from nothing). */
  reset(): void {
    this.ctx.storage.sql.exec(`DELETE FROM meta;${CLEAR}`);
    this.#loaded = { tally: emptyTally() };
  }

  /**
   * The stored tally, read once per object lifetime row by row through tally.ts's
   * rules, so memory stays within the bounds even for rows an older version stored
   * without them (issue 17 measured 64 MB); when the rules did not keep a row as it
   * was, the tables are rewritten from the bounded tally, once.
   */
  #load(): StoredRoute {
    if (this.#loaded) return this.#loaded;
    const sql = this.ctx.storage.sql;
    const tally = emptyTally();
    let dirty = false;
    const add = (fill: (t: Tally) => void, kept: () => unknown = () => 0) => {
      const row = emptyTally();
      fill(row);
      mergeTally(tally, row);
      if (kept() === undefined) dirty = true;
    };
    for (const { kind, key, n } of sql.exec<{ kind: string; key: string; n: number }>("SELECT * FROM counts")) {
      const minute = kind.slice(MINUTE.length);
      if (kind === "total") tally[key as (typeof TOTALS)[number]] += n;
      else if (MAPS[kind]) add((t) => (MAPS[kind]!(t)[key] = n));
      else if (kind.startsWith(MINUTE)) add((t) => addToTimeline(t.timeline, minute, key, n), () => tally.timeline[minute]?.[key]);
    }
    for (const { path, kind, divergent, noise } of sql.exec<{ path: string; kind: DiffKind; divergent: number; noise: number }>("SELECT * FROM fields")) {
      add((t) => (t.fields[path] = { kind, divergent, noise }), () => tally.fields[path]);
    }
    for (const { hour, counts } of sql.exec<{ hour: string; counts: string }>("SELECT * FROM hours")) {
      add((t) => {
        for (const [key, n] of Object.entries(JSON.parse(counts) as Record<string, number>)) addToTimeline(t.hours, hour, key, n);
      }, () => tally.hours[hour]);
    }
    for (const { paths, n } of sql.exec<{ paths: string; n: number }>("SELECT * FROM signatures")) add((t) => (t.signatures[paths] = n), () => tally.signatures[paths]);
    for (const { dimension, value, counts } of sql.exec<{ dimension: Dimension; value: string; counts: string }>("SELECT * FROM where_values")) {
      add((t) => (t.where = { [dimension]: { [value]: JSON.parse(counts) } }), () => (Object.hasOwn(tally.where[dimension] ?? {}, value) ? 0 : undefined));
    }
    for (const { endpoint, data } of sql.exec<{ endpoint: string; data: string }>("SELECT * FROM endpoints")) {
      add((t) => (t.endpoints[endpoint] = JSON.parse(data) as EndpointTally), () => tally.endpoints[endpoint]);
    }
    let examples = 0;
    for (const { id, example } of sql.exec<{ id: number; example: string }>("SELECT id, example FROM examples ORDER BY id")) {
      const e = boundExample(JSON.parse(example) as Example);
      if (JSON.stringify(e) !== example) dirty = true;
      this.#rows.set(e, id);
      add((t) => t.examples.push(e));
      examples++;
    }
    const [minutes, , hours] = this.#prune(tally, Date.now());
    if (minutes.length + hours.length > 0 || tally.examples.length < examples) dirty = true;
    const state: StoredRoute = { tally };
    for (const { key, value } of sql.exec<{ key: string; value: string }>("SELECT * FROM meta")) {
      if (key === "identity") state.identity = JSON.parse(value);
      if (key === "since") state.since = Number(value);
    }
    if (dirty) {
      this.ctx.storage.transactionSync(() => {
        sql.exec(CLEAR);
        this.#write(tally, tally, new Set(), []);
      });
    }
    return (this.#loaded = state);
  }
}
