// The isolate's memory ledger (issue 17, Scientist's rule: the experiment never hurts
// the caller). A Workers isolate has 128 MB and serves many requests at once; past
// it the runtime kills the isolate with every request in flight on it (error 1102).
// Every byte the worker holds for the experiment is reserved here before it is read:
// the shadow's body copy (body-tap.ts), the worker's branch of v1's answer, v2's
// answer and the noise answer (comparison.ts). Work that would pass the budget is not
// started (reason `memory_budget`); the client's own request and answer never pass
// through the ledger. One ledger per app, i.e. per isolate (createApp).

/** MIRROR_MEMORY_BUDGET_MIB when unset or unreadable. */
export const DEFAULT_MEMORY_BUDGET_MIB = 32;
/** The most it may be set to: the rest of the isolate's 128 MB is the worker's own. */
export const MAX_MEMORY_BUDGET_MIB = 96;
const MIB = 1024 * 1024;

export interface MemoryBudget {
  bytes: number;
  /** why the variable's value was not used as it is */
  invalid?: string;
}

const DEFAULT: MemoryBudget = { bytes: DEFAULT_MEMORY_BUDGET_MIB * MIB };
let cached: { raw: string; budget: MemoryBudget } | undefined;

/**
 * Reads MIRROR_MEMORY_BUDGET_MIB: a number of MiB from 0 to 96 (0: nothing is held,
 * so only bodiless shadows go and nothing is compared). Above 96, 96 applies; anything
 * else that is not a number, the default 32: both with a reason for the log line.
 */
export function memoryBudget(raw: string | undefined): MemoryBudget {
  if (raw === undefined || raw.trim() === "") return DEFAULT;
  if (cached?.raw === raw) return cached.budget;
  const value = Number(raw);
  const quoted = `MIRROR_MEMORY_BUDGET_MIB=${JSON.stringify(raw)}`;
  const budget: MemoryBudget =
    !Number.isFinite(value) || value < 0
      ? { bytes: DEFAULT.bytes, invalid: `${quoted} is not a number from 0 to ${MAX_MEMORY_BUDGET_MIB}; the default ${DEFAULT_MEMORY_BUDGET_MIB} MiB applies` }
      : value > MAX_MEMORY_BUDGET_MIB
        ? { bytes: MAX_MEMORY_BUDGET_MIB * MIB, invalid: `${quoted} is over the maximum; ${MAX_MEMORY_BUDGET_MIB} MiB applies` }
        : { bytes: Math.floor(value * MIB) };
  cached = { raw, budget };
  return budget;
}

/** Bytes reserved for one piece of work; released once, whatever path it ends on. */
export interface Hold {
  /** reserves `bytes` more; false (nothing reserved) when the ledger has no room, or after release */
  add(bytes: number): boolean;
  /** gives every byte back; idempotent */
  release(): void;
  readonly bytes: number;
}

export class MemoryLedger {
  #held = 0;
  #peak = 0;
  #refused = 0;
  #limit: number;

  constructor(limit = DEFAULT.bytes) {
    this.#limit = limit;
  }

  /** The budget, read from the variable on each request (cached: the variable changes only with a deploy). */
  set limit(bytes: number) {
    this.#limit = bytes;
  }
  get limit(): number {
    return this.#limit;
  }
  /** bytes reserved now */
  get held(): number {
    return this.#held;
  }
  /** the most ever reserved at once */
  get peak(): number {
    return this.#peak;
  }
  /** reservations refused */
  get refused(): number {
    return this.#refused;
  }

  /** Whether `bytes` more would fit now. */
  fits(bytes: number): boolean {
    return this.#held + bytes <= this.#limit;
  }

  /** A hold with `bytes` reserved, or undefined (nothing reserved) when they do not fit. */
  reserve(bytes: number): Hold | undefined {
    const hold = this.hold();
    return hold.add(bytes) ? hold : undefined;
  }

  /** An empty hold, to reserve into as bytes arrive (an unsized stream). */
  hold(): Hold {
    let mine = 0;
    let released = false;
    const add = (bytes: number): boolean => {
      if (released || this.#held + bytes > this.#limit) {
        this.#refused++;
        return false;
      }
      mine += bytes;
      this.#held += bytes;
      if (this.#held > this.#peak) this.#peak = this.#held;
      return true;
    };
    const release = (): void => {
      if (released) return;
      released = true;
      this.#held -= mine;
      mine = 0;
    };
    return {
      add,
      release,
      get bytes() {
        return mine;
      },
    };
  }
}

/** Thrown by a read that the ledger had no room for (read-answer.ts). */
export class OverBudget extends Error {
  constructor() {
    super("the isolate's memory budget (MIRROR_MEMORY_BUDGET_MIB) is used up");
  }
}
