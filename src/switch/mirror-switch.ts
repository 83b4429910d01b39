// The pause switch's one Durable Object (SQLite-backed): the caps an operator set on
// the dashboard or with POST /__edge-mirror/api/mirroring, and who set them when.
// Durable Object state outlives deploys, so a pause made in an incident stays until
// someone lifts it. Isolates read it through switch-cache.ts, never per request.
// It also holds each admin name's session epoch (src/admin/session.ts): signing out
// raises it, which ends every browser session of that name at once, everywhere.
import { DurableObject } from "cloudflare:workers";
import { SWITCH_HISTORY, type SwitchChange, type SwitchChangeRequest, type SwitchState } from "./switch-state";

/** The name of the one object: the switch is network-wide. */
export const SWITCH_OBJECT = "mirror-switch";
/** The global cap's row in `caps` (route names always contain a slash). */
const GLOBAL = "*";

export class MirrorSwitch extends DurableObject<Env> {
  #state: SwitchState;
  #epochs = new Map<string, number>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    sql.exec("CREATE TABLE IF NOT EXISTS caps (scope TEXT PRIMARY KEY, percent REAL NOT NULL)");
    sql.exec("CREATE TABLE IF NOT EXISTS changes (id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, who TEXT NOT NULL, route TEXT, percent REAL)");
    sql.exec("CREATE TABLE IF NOT EXISTS sessions (name TEXT PRIMARY KEY, epoch INTEGER NOT NULL)");
    for (const row of sql.exec<{ name: string; epoch: number }>("SELECT name, epoch FROM sessions")) this.#epochs.set(row.name, row.epoch);
    // Read once: every later read is answered from memory (the object is single-threaded).
    this.#state = { routes: {}, changes: [] };
    for (const row of sql.exec<{ scope: string; percent: number }>("SELECT scope, percent FROM caps")) {
      if (row.scope === GLOBAL) this.#state.percentCap = row.percent;
      else this.#state.routes[row.scope] = row.percent;
    }
    const changes = sql.exec<{ at: number; who: string; route: string | null; percent: number | null }>(
      "SELECT at, who, route, percent FROM changes ORDER BY id DESC LIMIT ?",
      SWITCH_HISTORY,
    );
    for (const row of changes) this.#state.changes.push(change(row.at, row.who, row.route, row.percent));
  }

  read(): SwitchState {
    return this.#state;
  }

  /** An admin name's session epoch: 0 until its first sign-out. */
  sessionEpoch(name: string): number {
    return this.#epochs.get(name) ?? 0;
  }

  /** Ends every session of `name` (cookies carry an HMAC over the epoch); returns the new epoch. */
  signOut(name: string): number {
    const epoch = this.sessionEpoch(name) + 1;
    this.ctx.storage.sql.exec("INSERT INTO sessions (name, epoch) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET epoch = excluded.epoch", name, epoch);
    this.#epochs.set(name, epoch);
    return epoch;
  }

  /** Applies a change (validated by the caller) and records it; returns the new state. */
  apply(request: SwitchChangeRequest, who: string): SwitchState {
    const sql = this.ctx.storage.sql;
    const scope = request.route ?? GLOBAL;
    const at = Date.now();
    this.ctx.storage.transactionSync(() => {
      if (request.percentCap === null) sql.exec("DELETE FROM caps WHERE scope = ?", scope);
      else sql.exec("INSERT INTO caps (scope, percent) VALUES (?, ?) ON CONFLICT (scope) DO UPDATE SET percent = excluded.percent", scope, request.percentCap);
      sql.exec("INSERT INTO changes (at, who, route, percent) VALUES (?, ?, ?, ?)", at, who, request.route ?? null, request.percentCap);
      sql.exec("DELETE FROM changes WHERE id <= (SELECT MAX(id) FROM changes) - ?", SWITCH_HISTORY);
    });
    const state: SwitchState = { routes: { ...this.#state.routes }, changes: [change(at, who, request.route ?? null, request.percentCap), ...this.#state.changes].slice(0, SWITCH_HISTORY) };
    const global = request.route === undefined ? request.percentCap : this.#state.percentCap;
    if (global !== null && global !== undefined) state.percentCap = global;
    if (request.route !== undefined) {
      if (request.percentCap === null) delete state.routes[request.route];
      else state.routes[request.route] = request.percentCap;
    }
    this.#state = state;
    return state;
  }
}

function change(at: number, who: string, route: string | null, percentCap: number | null): SwitchChange {
  return route === null ? { at, who, percentCap } : { at, who, route, percentCap };
}
