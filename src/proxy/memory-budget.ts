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

/**
 * Reads MIRROR_MEMORY_BUDGET_MIB: a number of MiB from 0 to 96 (0: nothing is held,
 * so only bodiless shadows go and nothing is compared). Above 96, 96 applies; anything
 * else that is not a number, the default 32: both with a reason for the log line.
 */
export function memoryBudget(raw: string | undefined): MemoryBudget {
  if (raw === undefined) return DEFAULT;
  // Read on every request, parsed once per value (an isolate's variables do not change).
  if (cached?.raw === raw) return cached.budget;
  const budget = parseBudget(raw);
  cached = { raw, budget };
  return budget;
}

let cached: { raw: string; budget: MemoryBudget } | undefined;

function parseBudget(raw: string): MemoryBudget {
  if (raw.trim() === "") return DEFAULT;
  const value = Number(raw);
  const over = value > MAX_MEMORY_BUDGET_MIB;
  return value >= 0 && !over
      ? { bytes: Math.floor(value * MIB) }
      : {
          bytes: (over ? MAX_MEMORY_BUDGET_MIB : DEFAULT_MEMORY_BUDGET_MIB) * MIB,
          invalid: `MIRROR_MEMORY_BUDGET_MIB=${JSON.stringify(raw)} is not a number from 0 to ${MAX_MEMORY_BUDGET_MIB}: ${over ? MAX_MEMORY_BUDGET_MIB : DEFAULT_MEMORY_BUDGET_MIB} MiB applies`,
        };
}

/** Bytes reserved for one piece of work; released once, whatever path it ends on. */
export interface Hold {
  /** reserves `bytes` more; false (nothing reserved) when the ledger has no room, or after release */
  add(bytes: number): boolean;
  /** gives every byte back; idempotent */
  release(): void;
  /** bytes reserved by this hold */
  bytes(): number;
}

export class MemoryLedger {
  /** bytes reserved now */
  held = 0;
  /** the most ever reserved at once */
  peak = 0;

  /** the budget, set from the variable on each request */
  constructor(public limit = DEFAULT.bytes) {}

  /** Whether `bytes` more would fit now. */
  fits(bytes: number): boolean {
    return this.held + bytes <= this.limit;
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
    return {
      add: (bytes) => {
        if (released || !this.fits(bytes)) return false;
        mine += bytes;
        if ((this.held += bytes) > this.peak) this.peak = this.held;
        return true;
      },
      release: () => {
        if (!released) this.held -= mine;
        released = true;
        mine = 0;
      },
      bytes: () => mine,
    };
  }
}

/** Thrown by a read that the ledger had no room for (read-answer.ts). */
export const OVER_BUDGET = Symbol("memory_budget");
