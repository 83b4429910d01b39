// One compared route's counts, across Cloudflare's network: a SQLite-backed Durable
// Object per route and mirror (named by compareKey), fed by every isolate's batched
// tallies (compare-recorder.ts, about one call per second per isolate) and read by
// the report. The object holds its tally in memory (loaded once from SQLite), adds
// each call with tally.ts's mergeTally — the one copy of the limits on paths, path
// sets, examples and the timeline, in entries and in bytes — and writes the rows the
// call changed in one transaction. So what is stored is bounded by those limits
// (docs/guarantees-storage.md), and snapshot() reads nothing unbounded.
import { DurableObject } from "cloudflare:workers";
import { boundExample, emptyTally, mergeTally, OVERFLOW, type Example, type Tally } from "../compare/tally";
import type { RouteIdentity } from "../compare/report";
import type { DiffKind } from "../compare/types";
import { addToTimeline, MINUTE_OVERFLOW, pruneTimeline } from "../compare/timeline";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS counts (kind TEXT NOT NULL, key TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (kind, key));
CREATE TABLE IF NOT EXISTS fields (path TEXT PRIMARY KEY, kind TEXT NOT NULL, divergent INTEGER NOT NULL, noise INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS signatures (paths TEXT PRIMARY KEY, n INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS examples (id INTEGER PRIMARY KEY AUTOINCREMENT, example TEXT NOT NULL);
DROP TABLE IF EXISTS example_paths;`;

/** The tally's single counters, stored as counts rows of kind "total". */
const TOTALS = ["mirrored", "compared", "noiseSamples", "droppedPaths"] as const;
/** The tally's count maps, stored as counts rows of this kind. */
const MAPS = {
  "status:v1": (t: Tally) => t.statuses.v1,
  "status:v2": (t: Tally) => t.statuses.v2,
  "latency:v1": (t: Tally) => t.latency.v1,
  "latency:v2": (t: Tally) => t.latency.v2,
  skipped: (t: Tally) => t.skipped,
  shadowErrors: (t: Tally) => t.shadowErrors,
};
/** The timeline's minutes are counts rows of kind "minute:<start>". */
const MINUTE = "minute:";

export interface StoredRoute {
  identity?: RouteIdentity;
  /** when the first tally arrived (ms since the epoch) */
  since?: number;
  tally: Tally;
}

interface Loaded extends StoredRoute {
  /** each stored example's row */
  rows: Map<Example, number>;
}

export class CompareStore extends DurableObject<Env> {
  #loaded?: Loaded;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(SCHEMA);
  }

  /** Adds one isolate's tally. */
  record(identity: RouteIdentity, incoming: Tally): void {
    const state = this.#load();
    const sql = this.ctx.storage.sql;
    try {
      this.ctx.storage.transactionSync(() => {
        if (state.identity === undefined) {
          state.identity = identity;
          state.since = Date.now();
          sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('identity', ?), ('since', ?)", JSON.stringify(identity), String(state.since));
        }
        const t = state.tally;
        const examples = new Set(t.examples);
        mergeTally(t, incoming);
        const forgotten = pruneTimeline(t.timeline, Date.now());

        const put = (kind: string, key: string, n: number | undefined) => {
          if (n !== undefined) sql.exec("INSERT INTO counts (kind, key, n) VALUES (?, ?, ?) ON CONFLICT (kind, key) DO UPDATE SET n = excluded.n", kind, key, n);
        };
        for (const name of TOTALS) put("total", name, t[name]);
        for (const [kind, of] of Object.entries(MAPS)) for (const key of Object.keys(of(incoming))) put(kind, key, of(t)[key]);
        for (const minute of Object.keys(incoming.timeline ?? {})) {
          const counts = t.timeline[minute];
          if (!counts) continue;
          for (const key of [...Object.keys(incoming.timeline[minute]!), MINUTE_OVERFLOW]) put(MINUTE + minute, key, counts[key]);
        }
        for (const minute of forgotten) sql.exec("DELETE FROM counts WHERE kind = ?", MINUTE + minute);
        for (const path of Object.keys(incoming.fields)) {
          const f = t.fields[path];
          if (f) sql.exec("INSERT OR REPLACE INTO fields (path, kind, divergent, noise) VALUES (?, ?, ?, ?)", path, f.kind, f.divergent, f.noise);
        }
        for (const key of [...Object.keys(incoming.signatures), OVERFLOW]) {
          const n = t.signatures[key];
          if (n !== undefined) sql.exec("INSERT OR REPLACE INTO signatures (paths, n) VALUES (?, ?)", key, n);
        }
        for (const e of t.examples) {
          if (examples.delete(e)) continue;
          state.rows.set(e, sql.exec<{ id: number }>("INSERT INTO examples (example) VALUES (?) RETURNING id", JSON.stringify(e)).one().id);
        }
        // What is left was evicted (the oldest first, by tally.ts's rule).
        for (const e of examples) {
          sql.exec("DELETE FROM examples WHERE id = ?", state.rows.get(e)!);
          state.rows.delete(e);
        }
      });
    } catch (e) {
      // The transaction rolled back: read the stored state again next time.
      this.#loaded = undefined;
      throw e;
    }
  }

  /** Everything counted so far: bounded by tally.ts's limits, held in memory. */
  snapshot(): StoredRoute {
    const { identity, since, tally } = this.#load();
    const out: StoredRoute = { tally };
    if (identity !== undefined) out.identity = identity;
    if (since !== undefined) out.since = since;
    return out;
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
    this.ctx.storage.sql.exec("DELETE FROM meta; DELETE FROM counts; DELETE FROM fields; DELETE FROM signatures; DELETE FROM examples;");
    this.#loaded = { tally: emptyTally(), rows: new Map() };
  }

  /**
   * The stored tally, read once per object lifetime row by row through tally.ts's
   * rules, so memory stays within the bounds even for rows an older version stored
   * without them (issue 17 measured 64 MB); rows the rules do not keep are removed.
   */
  #load(): Loaded {
    if (this.#loaded) return this.#loaded;
    const sql = this.ctx.storage.sql;
    const tally = emptyTally();
    const add = (fill: (t: Tally) => void) => {
      const row = emptyTally();
      fill(row);
      mergeTally(tally, row);
    };
    const read = { fields: 0, signatures: 0, examples: 0, minutes: 0 };
    const maps: Record<string, (t: Tally) => Record<string, number>> = MAPS;
    for (const row of sql.exec<{ kind: string; key: string; n: number }>("SELECT kind, key, n FROM counts")) {
      if (row.kind === "total") tally[row.key as (typeof TOTALS)[number]] += row.n;
      else if (maps[row.kind]) add((t) => (maps[row.kind]!(t)[row.key] = row.n));
      else if (row.kind.startsWith(MINUTE)) {
        read.minutes++;
        add((t) => addToTimeline(t.timeline, row.kind.slice(MINUTE.length), row.key, row.n));
      }
    }
    for (const f of sql.exec<{ path: string; kind: string; divergent: number; noise: number }>("SELECT path, kind, divergent, noise FROM fields")) {
      read.fields++;
      add((t) => (t.fields[f.path] = { kind: f.kind as DiffKind, divergent: f.divergent, noise: f.noise }));
    }
    for (const s of sql.exec<{ paths: string; n: number }>("SELECT paths, n FROM signatures")) {
      read.signatures++;
      add((t) => (t.signatures[s.paths] = s.n));
    }
    const ids = new Map<Example, number>();
    for (const r of sql.exec<{ id: number; example: string }>("SELECT id, example FROM examples ORDER BY id")) {
      read.examples++;
      const e = boundExample(JSON.parse(r.example) as Example);
      add((t) => t.examples.push(e));
      ids.set(e, r.id);
    }
    pruneTimeline(tally.timeline, Date.now());
    const rows = new Map<Example, number>();
    for (const e of tally.examples) rows.set(e, ids.get(e)!);
    const meta = new Map(sql.exec<{ key: string; value: string }>("SELECT key, value FROM meta").toArray().map((r) => [r.key, r.value]));
    const loaded: Loaded = { tally, rows };
    if (meta.has("identity")) loaded.identity = JSON.parse(meta.get("identity")!);
    if (meta.has("since")) loaded.since = Number(meta.get("since"));
    const kept = {
      fields: Object.keys(tally.fields).length,
      signatures: Object.keys(tally.signatures).length,
      examples: tally.examples.length,
      minutes: Object.values(tally.timeline).reduce((n, counts) => n + Object.keys(counts).length, 0),
    };
    if (Object.entries(read).some(([table, n]) => kept[table as keyof typeof kept] !== n)) this.#rewrite(loaded);
    return (this.#loaded = loaded);
  }

  /** Replaces every stored row with the bounded tally (once, for rows stored before the bounds). */
  #rewrite(state: Loaded): void {
    const sql = this.ctx.storage.sql;
    const t = state.tally;
    this.ctx.storage.transactionSync(() => {
      sql.exec("DELETE FROM counts; DELETE FROM fields; DELETE FROM signatures; DELETE FROM examples;");
      const put = (kind: string, key: string, n: number) => sql.exec("INSERT INTO counts (kind, key, n) VALUES (?, ?, ?)", kind, key, n);
      for (const name of TOTALS) put("total", name, t[name]);
      for (const [kind, of] of Object.entries(MAPS)) for (const [key, n] of Object.entries(of(t))) put(kind, key, n);
      for (const [minute, counts] of Object.entries(t.timeline)) for (const [key, n] of Object.entries(counts)) put(MINUTE + minute, key, n);
      for (const [path, f] of Object.entries(t.fields)) sql.exec("INSERT INTO fields (path, kind, divergent, noise) VALUES (?, ?, ?, ?)", path, f.kind, f.divergent, f.noise);
      for (const [key, n] of Object.entries(t.signatures)) sql.exec("INSERT INTO signatures (paths, n) VALUES (?, ?)", key, n);
      state.rows.clear();
      for (const e of t.examples) state.rows.set(e, sql.exec<{ id: number }>("INSERT INTO examples (example) VALUES (?) RETURNING id", JSON.stringify(e)).one().id);
    });
  }
}
