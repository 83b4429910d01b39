// One compared request, start to end, with no Workers API: v1's and v2's answers
// (and v1's second answer, when the request was a noise sample) lifted, diffed, and
// turned into what may leave the worker — field paths and kinds for the counts, the
// paths to log, and a redacted example.
import { diffAnswers } from "./diff";
import { jsonBodyBytes, lift } from "./lift";
import { pathMatches } from "./path";
import { redactDifference } from "./redact";
import type { Answer, Difference, DiffKind, Lifted, RedactedDifference } from "./types";
import { PARSE_NS_PER_BYTE, WorkMeter } from "./work-budget";
import type { CompareSettings } from "../routing/table";

export interface PathKind {
  path: string;
  kind: DiffKind;
}

export interface CompareOutcome {
  v1Status: number;
  v2Status: number;
  /** every path where v1 and v2 differed, ignored ones included (the report lists those as "ignored") */
  differences: PathKind[];
  /** the differing paths that are not ignored: the log line's `divergent` */
  reported: string[];
  /** where v1 differed from itself; absent when this request was not a noise sample */
  noise?: PathKind[];
  /** the reported differences, redacted and cut to a preview: an example pair */
  example: RedactedDifference[];
}

/** Differences kept in one example: enough to see what changed, small enough to store many. */
export const EXAMPLE_DIFFERENCES = 8;

export function compareAnswers(
  v1: Answer,
  v2: Answer,
  noise: Answer | undefined,
  settings: Pick<CompareSettings, "headers" | "ignore" | "redact">,
  /** charged with the work done (src/compare/work-budget.ts); the caller reads what it spent */
  meter: WorkMeter = new WorkMeter(),
): CompareOutcome {
  // A healthy v2 mostly answers the same bytes: then the bodies are equal and are
  // neither parsed nor walked (the bench: 250 KiB answers cost a JSON parse each).
  // And mostly the same status and headers too: then nothing is lifted at all.
  let lifted: Lifted | undefined;
  const full = () => (lifted ??= lift(v1, settings.headers));
  const heads = (other: Answer) => diffAnswers(lift(withoutBody(v1), settings.headers), lift(withoutBody(other), settings.headers)).differences;
  const against = (other: Answer): Difference[] => {
    const bodiesEqual = sameBody(v1, other);
    if ((bodiesEqual || noBodies(v1, other)) && sameHead(v1, other)) return [];
    if (bodiesEqual) return heads(other);
    // JSON.parse is one call that cannot be stopped: its bytes are charged before it runs.
    // Past the meter the bodies (which differ) are compared as bytes: kind too_complex, their sizes as values.
    if (meter.charge(((lifted ? 0 : jsonBodyBytes(v1)) + jsonBodyBytes(other)) * PARSE_NS_PER_BYTE)) {
      const result = diffAnswers(full(), lift(other, settings.headers), { meter });
      if (!result.tooComplex) return result.differences;
    }
    return [...heads(other), { path: "/body", kind: "too_complex", v1: `${v1.body?.length ?? 0} bytes`, v2: `${other.body?.length ?? 0} bytes` }];
  };
  const found = against(v2);
  const ignored = (path: string) => settings.ignore.some((pattern) => pathMatches(pattern, path));
  const reported = found.filter((d) => !ignored(d.path));
  const outcome: CompareOutcome = {
    v1Status: v1.status,
    v2Status: v2.status,
    differences: found.map(pathKind),
    reported: reported.map((d) => d.path),
    // Redacted before it leaves this function: the example is the only place values go.
    example: reported.slice(0, EXAMPLE_DIFFERENCES).map((d) => redactDifference(d, settings.redact)),
  };
  if (noise) outcome.noise = against(noise).map(pathKind);
  return outcome;
}

/** Both bodies read whole and byte for byte the same (over-cap digests are compared as digests). */
export function sameBody(a: Answer, b: Answer): boolean {
  if (a.overCap || b.overCap || !a.body || !b.body) return false;
  return sameBytes(a.body, b.body);
}

/** Neither answer has a body (nor one over the cap). */
function noBodies(a: Answer, b: Answer): boolean {
  return a.body === undefined && b.body === undefined && !a.overCap && !b.overCap;
}

/** The same status and the same headers read: with the same body, nothing can differ. */
function sameHead(a: Answer, b: Answer): boolean {
  return a.status === b.status && sameRecord(a.headers, b.headers);
}

function sameRecord(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  for (const key in a) if (a[key] !== b[key]) return false;
  for (const key in b) if (!(key in a)) return false;
  return true;
}

function withoutBody({ status, headers }: Answer): Answer {
  return { status, headers };
}

/** Byte equality, four bytes at a time where both arrays are aligned. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  let i = 0;
  if (a.byteOffset % 4 === 0 && b.byteOffset % 4 === 0) {
    const words = a.byteLength >>> 2;
    const x = new Uint32Array(a.buffer, a.byteOffset, words);
    const y = new Uint32Array(b.buffer, b.byteOffset, words);
    for (; i < words; i++) if (x[i] !== y[i]) return false;
    i = words << 2;
  }
  for (; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

function pathKind({ path, kind }: PathKind): PathKind {
  return { path, kind };
}
