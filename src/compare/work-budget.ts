// How much CPU comparing may take (issue 17). An isolate runs one thing at a time:
// a comparison's synchronous work (JSON.parse, the hashes, the walk) delays every
// other request on the isolate by as long as it runs. Workers cannot time it
// (Date.now() moves only at I/O), so work is counted in units it can count — bytes
// parsed and nodes walked — and turned into estimated microseconds at the slowest
// rates measured on this project's machine (Node 20.20.2, 2026-12-07,
// `npx tsx lab/bench/compare-cost.ts`):
//   JSON.parse: 5.4–7.5 ns per byte for arrays of records, 18.5–26.5 ns per byte
//   for one object of 25,000–100,000 keys (the worst);
//   hashing and walking: 106–220 ns per node walked (both trees counted).
// A 1 MiB answer of 100,000 keys differing in every value cost 112 ms to compare,
// 256 KiB answers 16–19 ms, 64 KiB 2.5 ms, 16 KiB 0.7 ms.

/** Estimated cost of parsing one byte of JSON, in nanoseconds (the worst rate measured). */
export const PARSE_NS_PER_BYTE = 27;
/** Estimated cost of hashing and walking one node, in nanoseconds (the worst rate measured). */
export const WALK_NS_PER_NODE = 220;

/**
 * One comparison's estimated work, at most: past it the body is compared by digest
 * (kind `too_complex`). 8 ms at the worst rates: about 150 KiB of JSON parsed with
 * nothing walked, or two 64 KiB answers differing everywhere (2.5 ms measured).
 * The delay one comparison can add to a neighbour's request is bounded by this.
 */
export const COMPARISON_BUDGET_US = 8_000;

/**
 * One isolate's comparisons, per sliding second, at most: past it comparisons are
 * skipped (reason `cpu_budget`) until the second refills. 40 ms a second: 4 % of
 * the isolate's time, so at most five full comparisons a second can stall it.
 */
export const ISOLATE_BUDGET_US_PER_SECOND = 40_000;

/** One comparison's meter: charges refused past the limit leave it unchanged. */
export class WorkMeter {
  #spentNs = 0;
  readonly #limitNs: number;

  constructor(limitUs = COMPARISON_BUDGET_US) {
    this.#limitNs = limitUs * 1000;
  }

  /** estimated microseconds charged so far */
  get spentUs(): number {
    return this.#spentNs / 1000;
  }

  /** Charges parsing `bytes` of JSON; false when that would pass the limit. */
  parse(bytes: number): boolean {
    return this.#charge(bytes * PARSE_NS_PER_BYTE);
  }

  /** Charges walking `nodes` nodes; false when that would pass the limit. */
  walk(nodes: number): boolean {
    return this.#charge(nodes * WALK_NS_PER_NODE);
  }

  #charge(ns: number): boolean {
    if (this.#spentNs + ns > this.#limitNs) return false;
    this.#spentNs += ns;
    return true;
  }
}

const SLOTS = 10;
const SLOT_MS = 100;

/**
 * The isolate's comparisons over a sliding second of Date.now(), in ten 100 ms slots.
 * Date.now() moves at I/O, and every comparison starts after I/O (an answer read),
 * so the window moves with them.
 */
export class WorkWindow {
  readonly #limitUs: number;
  readonly #slots = new Float64Array(SLOTS);
  readonly #slotAt = new Float64Array(SLOTS).fill(-Infinity);

  constructor(limitUsPerSecond = ISOLATE_BUDGET_US_PER_SECOND) {
    this.#limitUs = limitUsPerSecond;
  }

  /** estimated microseconds spent in the second up to `now` */
  spentUs(now: number): number {
    const slot = Math.floor(now / SLOT_MS);
    let sum = 0;
    for (let i = 0; i < SLOTS; i++) if (this.#slotAt[i]! > slot - SLOTS) sum += this.#slots[i]!;
    return sum;
  }

  /** Whether a comparison may start now. */
  allows(now: number): boolean {
    return this.spentUs(now) < this.#limitUs;
  }

  charge(now: number, us: number): void {
    const slot = Math.floor(now / SLOT_MS);
    const i = slot % SLOTS;
    if (this.#slotAt[i] !== slot) {
      this.#slotAt[i] = slot;
      this.#slots[i] = 0;
    }
    this.#slots[i]! += us;
  }
}
