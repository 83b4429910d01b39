// Judges a soak run: the invariants (verify.ts) over all its requests, the memory
// criterion over the memory phase's rounds, and the figures the report shows.
import { failureCauses, groupBy, verify, UNHANDLED, SHADOW_HOST, type Figures, type Invariant } from "./verify";
import { fmtBytes, mib } from "./format";
import type { SoakRequest } from "./mix";
import type { SoakRun } from "./run";

type CheckKey = Invariant | "memory";

const CHECKS: [CheckKey, string][] = [
  ["transport", "every request was sent and answered (no connection error, no timeout)"],
  ["answer", "every client got v1's exact answer (status, x-origin, body bytes)"],
  ["v1Once", "v1 received every request exactly once, intact (method, URL, SHA-256, X-Forwarded-Host)"],
  ["shadowArrivedOnce", "every eligible shadow (body ≤ cap) reached v2 exactly once (or was skipped body_incomplete because its primary failed)"],
  ["shadowIntact", "every shadow at v2 is intact (method, raw URL, byte count, SHA-256)"],
  ["shadowAuthority", `every shadow at v2 carries X-Forwarded-Host: ${SHADOW_HOST}`],
  ["overCapNotSent", "no over-cap body reached v2"],
  ["overCapLogged", 'every over-cap request has a shadow line skipped: "body_too_large" (or "body_incomplete" when its primary failed)'],
  ["missingHasReason", "no shadow is missing without a logged reason"],
  ["shadowLineWellFormed", "exactly one shadow line per request, with one outcome (status / skipped / error), agreeing with v2"],
  ["requestLine", "exactly one request line per request, with the status the client got (an error field only on non-200), one shadow on it, destination httpbin/v1"],
  ["noStrays", "nothing at the origins or in the logs that no request explains (no stray or duplicate shadows)"],
  ["noUnhandled", "no unhandled error: workerd stderr clean, no internal error, workerd alive"],
  ["memory", "workerd's RSS does not grow round over round under concurrent uploads at / over the cap"],
];

export interface CheckResult {
  key: CheckKey;
  text: string;
  ok: boolean;
  count: number;
  /** the first five violations */
  examples: string[];
}

export interface LatencyStats {
  n: number;
  p50: number | null;
  p99: number | null;
  max: number | null;
}

export interface KindRow extends LatencyStats {
  kind: string;
  requests: number;
  methods: string;
  sizes: string;
  chunked: number | "–";
  failures: number;
  expected: number;
  arrived: number;
  skipped: string;
}

export interface SoakEvaluation {
  checks: CheckResult[];
  passed: number;
  failed: number;
  /** figures of the mixed load, the memory phase and both */
  figures: { load: Figures; mem: Figures; all: Figures };
  causes: { load: Record<string, number>; mem: Record<string, number>; all: Record<string, number> };
  loadStats: LatencyStats;
  kinds: KindRow[];
  memViolations: string[];
  /** baseline + 4 × concurrency × cap + 64 MiB: a yardstick for the memory phase, not a check */
  memBoundKiB: number;
  memPhasePeakKiB: number;
  /** workerd stderr lines that do not look like errors */
  stderrNoise: string[];
}

export function evaluate(run: SoakRun): SoakEvaluation {
  const { load, memReqs, memRounds, runId, config, cap } = run;
  const all = [...load, ...memReqs];
  const { v, fig } = verify(all, run, `${runId}-warmup-`);
  // Per phase (any id of this run is ours: the other phase's are not strays).
  const figOf = (reqs: SoakRequest[]) => verify(reqs, run, `${runId}-`).fig;

  const memViolations = memoryViolations(run);
  const checks = CHECKS.map(([key, text]): CheckResult => {
    const bad = key === "memory" ? memViolations : v[key];
    return { key, text, ok: bad.length === 0, count: bad.length, examples: bad.slice(0, 5) };
  });
  const passed = checks.filter((c) => c.ok).length;

  const kinds = [...groupBy(load, (q) => q.kind).entries()].map(([kind, qs]): KindRow => {
    const sizes = qs.map((q) => q.size).filter((s): s is number => s !== null);
    const kf = figOf(qs);
    return {
      kind,
      requests: qs.length,
      methods: [...new Set(qs.map((q) => q.method))].join(", "),
      sizes: sizes.length ? `${fmtBytes(Math.min(...sizes))} – ${fmtBytes(Math.max(...sizes))}` : "no body",
      chunked: sizes.length ? qs.filter((q) => q.chunked).length : "–",
      failures: kf.failures,
      expected: kf.shadowsExpected,
      arrived: kf.shadowsArrived,
      skipped: Object.entries(kf.skipped).map(([k, n]) => `${k} ${n}`).join(", ") || "–",
      ...latencyStats(qs),
    };
  });

  const baseline = run.rss.baselineKiB ?? 0;
  return {
    checks,
    passed,
    failed: checks.length - passed,
    figures: { load: figOf(load), mem: figOf(memReqs), all: fig },
    causes: {
      load: failureCauses(load, run.logs.request),
      mem: failureCauses(memReqs, run.logs.request),
      all: failureCauses(all, run.logs.request),
    },
    loadStats: latencyStats(load),
    kinds,
    memViolations,
    // The worker's share of a round: the copies it holds are bounded by concurrency × cap
    // (each copy plus its concatenation and the outgoing shadow body); far beyond that means
    // bodies are being retained.
    memBoundKiB: baseline + (4 * config.concurrency * cap) / 1024 + 64 * 1024,
    memPhasePeakKiB: Math.max(0, ...memRounds.map((m) => m.peakKiB ?? 0)),
    stderrNoise: run.logs.stderr.filter((l) => !UNHANDLED.test(l)),
  };
}

/**
 * The at-cap rounds must not keep growing: later rounds' peaks may not exceed the
 * first rounds' by more than 10 % + 16 MiB (allocator and V8 heap noise), and RSS
 * after a round may not rise every round; the over-cap rounds likewise.
 */
function memoryViolations({ memRounds }: SoakRun): string[] {
  const out: string[] = [];
  const capRounds = memRounds.filter((m) => m.kind === "mem at-cap");
  if (capRounds.length >= 2) {
    const half = Math.ceil(capRounds.length / 2);
    const early = Math.max(...capRounds.slice(0, half).map((m) => m.peakKiB ?? 0));
    const late = Math.max(...capRounds.slice(half).map((m) => m.peakKiB ?? 0));
    if (late > early * 1.1 + 16 * 1024) out.push(`at-cap rounds: peak grew from ${mib(early)} (rounds 1–${half}) to ${mib(late)} (rounds ${half + 1}–${capRounds.length})`);
    const increasing = capRounds.every((m, i) => i === 0 || (m.afterKiB ?? 0) > (capRounds[i - 1]!.afterKiB ?? 0) + 4 * 1024);
    if (increasing && capRounds.length >= 3) out.push(`RSS after each at-cap round rose every round: ${capRounds.map((m) => mib(m.afterKiB)).join(" → ")}`);
  }
  const overRounds = memRounds.filter((m) => m.kind === "mem over-cap");
  if (overRounds.length >= 2) {
    const first = overRounds[0]!.peakKiB ?? 0;
    const last = Math.max(...overRounds.slice(1).map((m) => m.peakKiB ?? 0));
    if (last > first * 1.1 + 16 * 1024) out.push(`over-cap rounds: peak grew from ${mib(first)} to ${mib(last)}`);
  }
  return out;
}

function quantile(sorted: number[], q: number): number | null {
  if (!sorted.length) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i] ?? null;
}

/** Client latency (whole exchange) of the requests that were answered. */
function latencyStats(reqs: SoakRequest[]): LatencyStats {
  const xs = reqs
    .filter((r) => !r.error)
    .map((r) => r.latencyMs)
    .sort((a, b) => a - b);
  return { n: xs.length, p50: quantile(xs, 0.5), p99: quantile(xs, 0.99), max: xs.length ? xs[xs.length - 1]! : null };
}
