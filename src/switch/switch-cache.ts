// How an isolate knows the pause switch without a Durable Object call per request:
// it keeps the caps it last read and reads again, in ctx.waitUntil, when they are
// older than SWITCH_REFRESH_MS — so a request costs a clock read and a comparison,
// and a change reaches every isolate within that time (plus the read itself).
// An isolate that has never read the switch plans without it and hands the pending
// read to the pipeline, whose shadows (already in waitUntil) wait for it: the client
// is never delayed, and a paused route is not mirrored even by a fresh isolate.
import { switchCaps, type SwitchCaps, type SwitchState } from "./switch-state";
import { SWITCH_OBJECT, type MirrorSwitch } from "./mirror-switch";
import { jsonSwitchLogger, type SwitchLog } from "../observe/log";

/** How old the caps an isolate plans with may be. Also in docs/dashboard.md ("The pause switch"). */
export const SWITCH_REFRESH_MS = 5_000;
/** After a failed read, try again sooner than a full refresh. */
const RETRY_MS = 1_000;
/** Nothing could be read and nothing is known: mirroring stops (fail safe, as an unreadable MIRROR_PERCENT_CAP). */
const UNREADABLE: SwitchCaps = { perMillion: 0, routes: {} };

export interface SwitchLookup {
  /** the caps last read; absent until this isolate's first read has answered */
  caps?: SwitchCaps;
  /** while the isolate has never read the switch: its first read (never rejects) */
  pending?: Promise<SwitchCaps>;
}

export class SwitchCache {
  #caps: SwitchCaps | undefined;
  #freshUntil = 0;
  #reading: Promise<SwitchCaps> | undefined;
  /** `{ caps }` for the caps known now: the same object for every request until they change */
  #known: SwitchLookup | undefined;
  readonly #now: () => number;
  readonly #log: (line: SwitchLog) => void;

  constructor(now: () => number = Date.now, log: (line: SwitchLog) => void = jsonSwitchLogger) {
    this.#now = now;
    this.#log = log;
  }

  /** The caps to plan with; starts a read (handed to `waitUntil`) when they are stale. */
  lookup(read: () => Promise<SwitchState>, waitUntil: (promise: Promise<unknown>) => void): SwitchLookup {
    const caps = this.#caps;
    if (caps !== undefined && this.#now() < this.#freshUntil) return (this.#known ??= { caps });
    if (this.#reading === undefined) {
      this.#reading = this.#read(read);
      waitUntil(this.#reading);
    }
    return caps !== undefined ? (this.#known ??= { caps }) : { pending: this.#reading };
  }

  /** A change made through this isolate applies here at once; other isolates see it within SWITCH_REFRESH_MS. */
  prime(state: SwitchState): void {
    this.#caps = switchCaps(state);
    this.#known = undefined;
    this.#freshUntil = this.#now() + SWITCH_REFRESH_MS;
  }

  async #read(read: () => Promise<SwitchState>): Promise<SwitchCaps> {
    try {
      this.#caps = switchCaps(await read());
      this.#known = undefined;
      this.#freshUntil = this.#now() + SWITCH_REFRESH_MS;
    } catch (e) {
      this.#log({ event: "switch", error: "read_failed", detail: (e as Error)?.message ?? String(e) });
      // Keep what was known; if nothing was, stop mirroring until a read succeeds.
      this.#freshUntil = this.#now() + RETRY_MS;
      this.#caps ??= UNREADABLE;
      this.#known = undefined;
    } finally {
      this.#reading = undefined;
    }
    return this.#caps!;
  }
}

/** The lookup for one request: none without the MIRROR_SWITCH binding (tests, the bench's plain workerd). */
export function switchLookup(
  namespace: DurableObjectNamespace<MirrorSwitch> | undefined,
  cache: SwitchCache,
  waitUntil: (promise: Promise<unknown>) => void,
): SwitchLookup | undefined {
  if (namespace === undefined) return undefined;
  return cache.lookup(() => namespace.get(namespace.idFromName(SWITCH_OBJECT)).read() as Promise<SwitchState>, waitUntil);
}
