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

/** One comparison's meter, in estimated nanoseconds: a charge that would pass the limit is refused and leaves it unchanged. */
export class WorkMeter {
  spentNs = 0;

  constructor(readonly limitNs = COMPARISON_BUDGET_US * 1000) {}

  /** Charges `ns` (bytes × PARSE_NS_PER_BYTE, nodes × WALK_NS_PER_NODE); false when that would pass the limit. */
  charge(ns: number): boolean {
    if (this.spentNs + ns > this.limitNs) return false;
    this.spentNs += ns;
    return true;
  }
}

/**
 * The isolate's comparisons over a sliding second of Date.now(): a bucket that drains
 * its whole budget each second, so what was spent a second ago is forgotten and the
 * budget refills at the rate it may be spent. Date.now() moves at I/O, and every
 * comparison starts after I/O (an answer read), so the window moves with them.
 */
export class WorkWindow {
  /** estimated microseconds in the bucket at `at` */
  level = 0;
  at = 0;

  constructor(readonly limitUs = ISOLATE_BUDGET_US_PER_SECOND) {}

  /** estimated microseconds spent in the second up to `now`, as the bucket holds them */
  spentUs(now: number): number {
    this.level = Math.max(0, this.level - ((now - this.at) * this.limitUs) / 1000);
    this.at = now;
    return this.level;
  }

  /** Whether a comparison may start now. */
  allows(now: number): boolean {
    return this.spentUs(now) < this.limitUs;
  }

  charge(now: number, us: number): void {
    this.level = this.spentUs(now) + us;
  }
}
