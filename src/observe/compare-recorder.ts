// Batches compared routes' counts in the isolate and sends them to each route's
// Durable Object at most once per interval (1 s): a route taking 10,000 requests a
// second across the network costs its object about one call per second per isolate,
// not one per request. The first result after a quiet interval is sent at once; the
// rest of the interval is gathered and sent when it ends, by one timer per route
// kept alive in the waitUntil of the request that started it. A failed call keeps
// its tally for the next one.
import { emptyTally, mergeTally, type Tally } from "../compare/tally";
import type { RouteIdentity } from "../compare/report";
import type { CompareStore } from "./compare-store";
import { jsonCompareLogger, type CompareLog } from "./log";

export type CompareStoreNamespace = DurableObjectNamespace<CompareStore>;

export interface CompareRoute extends RouteIdentity {
  /** the Durable Object's name: one object per route and mirror */
  key: string;
}

/** The name of a route's object for one of its mirrors. */
export function compareKey(routeName: string, mirror: string): string {
  return `${routeName} -> ${mirror}`;
}

interface Pending {
  route: CompareRoute;
  store: CompareStoreNamespace;
  tally?: Tally;
  lastFlush: number;
  timer: boolean;
}

export class CompareRecorder {
  readonly #pending = new Map<string, Pending>();

  constructor(
    /** where failures are logged */
    readonly log: (line: CompareLog) => void = jsonCompareLogger,
    readonly intervalMs = 1000,
  ) {}

  /**
   * Applies `update` to the route's pending tally. Returns a promise to keep alive
   * (ctx.waitUntil) when this call started a flush, now or at the interval's end.
   * Without a store binding nothing is kept.
   */
  add(route: CompareRoute, store: CompareStoreNamespace | undefined, update: (tally: Tally) => void): Promise<void> | undefined {
    if (!store) return undefined;
    let p = this.#pending.get(route.key);
    if (!p) this.#pending.set(route.key, (p = { route, store, lastFlush: 0, timer: false }));
    update((p.tally ??= emptyTally()));
    if (p.timer) return undefined;
    const wait = p.lastFlush + this.intervalMs - Date.now();
    if (wait <= 0) return this.#flush(p);
    p.timer = true;
    const pending = p;
    return new Promise<void>((resolve) => setTimeout(resolve, wait)).then(() => {
      pending.timer = false;
      return this.#flush(pending);
    });
  }

  /** Sends every pending tally now (the report reads the objects right after). */
  flushAll(): Promise<void> {
    return Promise.all([...this.#pending.values()].map((p) => this.#flush(p))).then(() => {});
  }

  async #flush(p: Pending): Promise<void> {
    const tally = p.tally;
    if (!tally) return;
    p.tally = undefined;
    p.lastFlush = Date.now();
    try {
      await p.store.get(p.store.idFromName(p.route.key)).record(identity(p.route), tally);
    } catch (e) {
      // Kept for the next flush: counts are added, so sending them later loses nothing.
      if (p.tally) mergeTally(tally, p.tally);
      p.tally = tally;
      this.log({ event: "compare", route: p.route.key, error: "store_failed", detail: (e as Error)?.message ?? String(e) });
    }
  }
}

function identity({ virtualService, route, mirror }: RouteIdentity): RouteIdentity {
  return { virtualService, route, mirror };
}
