// One compared route's counts, across Cloudflare's network: a SQLite-backed Durable
// Object per route and mirror (named by compareKey), fed by every isolate's batched
// tallies (compare-recorder.ts, about one call per second per isolate) and read by
// the report. Counts are added row by row in one transaction per call; the limits
// of tally.ts (paths, path sets, examples) hold here too, so the object stays small.
import { DurableObject } from "cloudflare:workers";
import { EXAMPLES_PER_PATH, MAX_EXAMPLES, MAX_PATHS, MAX_SIGNATURES, OVERFLOW, emptyTally, severer, type Tally } from "../compare/tally";
import type { RouteIdentity } from "../compare/report";
import type { DiffKind } from "../compare/types";
import { addToTimeline, MAX_MINUTE_SIGNATURES, MINUTE_MS, MINUTE_OVERFLOW, TIMELINE_MINUTES } from "../compare/timeline";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS counts (kind TEXT NOT NULL, key TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (kind, key));
CREATE TABLE IF NOT EXISTS fields (path TEXT PRIMARY KEY, kind TEXT NOT NULL, divergent INTEGER NOT NULL, noise INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS signatures (paths TEXT PRIMARY KEY, n INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS examples (id INTEGER PRIMARY KEY AUTOINCREMENT, example TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS example_paths (path TEXT NOT NULL, example INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS example_paths_by_path ON example_paths (path);`;

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

export interface StoredRoute {
  identity?: RouteIdentity;
  /** when the first tally arrived (ms since the epoch) */
  since?: number;
  tally: Tally;
}

export class CompareStore extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(SCHEMA);
  }

  /** Adds one isolate's tally. */
  record(identity: RouteIdentity, tally: Tally): void {
    const sql = this.ctx.storage.sql;
    this.ctx.storage.transactionSync(() => {
      sql.exec("INSERT OR IGNORE INTO meta (key, value) VALUES ('identity', ?), ('since', ?)", JSON.stringify(identity), String(Date.now()));
      const add = (kind: string, key: string, n: number) => {
        if (n !== 0) sql.exec("INSERT INTO counts (kind, key, n) VALUES (?, ?, ?) ON CONFLICT (kind, key) DO UPDATE SET n = n + excluded.n", kind, key, n);
      };
      for (const name of TOTALS) add("total", name, tally[name]);
      for (const [kind, of] of Object.entries(MAPS)) for (const [key, n] of Object.entries(of(tally))) add(kind, key, n);
      // Divergence over time: counts rows of kind "minute:<start>", at most MAX_MINUTE_SIGNATURES sets a minute, TIMELINE_MINUTES kept.
      for (const [minute, counts] of Object.entries(tally.timeline ?? {})) {
        const kind = `minute:${minute}`;
        let kept = count(sql, "SELECT COUNT(*) AS n FROM counts WHERE kind = ? AND key NOT IN ('compared', ?)", kind, MINUTE_OVERFLOW);
        for (const [key, n] of Object.entries(counts)) {
          const known = key === "compared" || key === MINUTE_OVERFLOW || count(sql, "SELECT COUNT(*) AS n FROM counts WHERE kind = ? AND key = ?", kind, key) > 0;
          if (!known && kept >= MAX_MINUTE_SIGNATURES) add(kind, MINUTE_OVERFLOW, n);
          else {
            if (!known) kept++;
            add(kind, key, n);
          }
        }
      }
      const oldest = Date.now() - TIMELINE_MINUTES * MINUTE_MS;
      sql.exec("DELETE FROM counts WHERE kind LIKE 'minute:%' AND CAST(substr(kind, 8) AS INTEGER) < ?", oldest);

      let paths = count(sql, "SELECT COUNT(*) AS n FROM fields");
      for (const [path, f] of Object.entries(tally.fields)) {
        const seen = sql.exec<{ kind: string }>("SELECT kind FROM fields WHERE path = ?", path).toArray()[0];
        if (seen) sql.exec("UPDATE fields SET kind = ?, divergent = divergent + ?, noise = noise + ? WHERE path = ?", severer(seen.kind as DiffKind, f.kind), f.divergent, f.noise, path);
        else if (paths < MAX_PATHS) {
          sql.exec("INSERT INTO fields (path, kind, divergent, noise) VALUES (?, ?, ?, ?)", path, f.kind, f.divergent, f.noise);
          paths++;
        } else add("total", "droppedPaths", f.divergent + f.noise);
      }

      let signatures = count(sql, "SELECT COUNT(*) AS n FROM signatures");
      for (const [key, n] of Object.entries(tally.signatures)) {
        const known = count(sql, "SELECT COUNT(*) AS n FROM signatures WHERE paths = ?", key) > 0;
        const stored = known || key === OVERFLOW || signatures < MAX_SIGNATURES ? key : OVERFLOW;
        if (!known && stored === key && key !== OVERFLOW) signatures++;
        sql.exec("INSERT INTO signatures (paths, n) VALUES (?, ?) ON CONFLICT (paths) DO UPDATE SET n = n + excluded.n", stored, n);
      }

      let examples = count(sql, "SELECT COUNT(*) AS n FROM examples");
      for (const e of tally.examples) {
        if (examples >= MAX_EXAMPLES) break;
        const wanted = e.differences.some((d) => count(sql, "SELECT COUNT(*) AS n FROM example_paths WHERE path = ?", d.path) < EXAMPLES_PER_PATH);
        if (!wanted) continue;
        const id = sql.exec<{ id: number }>("INSERT INTO examples (example) VALUES (?) RETURNING id", JSON.stringify(e)).one().id;
        for (const d of e.differences) sql.exec("INSERT INTO example_paths (path, example) VALUES (?, ?)", d.path, id);
        examples++;
      }
    });
  }

  /** Everything counted so far. */
  snapshot(): StoredRoute {
    const sql = this.ctx.storage.sql;
    const tally = emptyTally();
    const maps: Record<string, Record<string, number>> = {};
    for (const [kind, of] of Object.entries(MAPS)) maps[kind] = of(tally);
    for (const row of sql.exec<{ kind: string; key: string; n: number }>("SELECT kind, key, n FROM counts")) {
      if (row.kind === "total") tally[row.key as (typeof TOTALS)[number]] = row.n;
      else if (maps[row.kind]) maps[row.kind]![row.key] = row.n;
      else if (row.kind.startsWith("minute:")) addToTimeline(tally.timeline, row.kind.slice("minute:".length), row.key, row.n);
    }
    for (const f of sql.exec<{ path: string; kind: string; divergent: number; noise: number }>("SELECT path, kind, divergent, noise FROM fields")) {
      tally.fields[f.path] = { kind: f.kind as DiffKind, divergent: f.divergent, noise: f.noise };
    }
    for (const s of sql.exec<{ paths: string; n: number }>("SELECT paths, n FROM signatures")) tally.signatures[s.paths] = s.n;
    tally.examples = sql.exec<{ example: string }>("SELECT example FROM examples ORDER BY id").toArray().map((r) => JSON.parse(r.example));
    const meta = new Map(sql.exec<{ key: string; value: string }>("SELECT key, value FROM meta").toArray().map((r) => [r.key, r.value]));
    const out: StoredRoute = { tally };
    if (meta.has("identity")) out.identity = JSON.parse(meta.get("identity")!);
    if (meta.has("since")) out.since = Number(meta.get("since"));
    return out;
  }

  /** Adds one isolate's capture counts (an object named captureCountsKey(route), src/capture/batcher.ts): counts rows of kind "capture". */
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
    this.ctx.storage.sql.exec("DELETE FROM meta; DELETE FROM counts; DELETE FROM fields; DELETE FROM signatures; DELETE FROM examples; DELETE FROM example_paths;");
  }
}

function count(sql: SqlStorage, query: string, ...bindings: SqlStorageValue[]): number {
  return sql.exec<{ n: number }>(query, ...bindings).one().n;
}
