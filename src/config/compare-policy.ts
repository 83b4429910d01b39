// MirrorPolicy `compare` (issue 11): opt-in comparison of v1's and v2's answers on
// the routes a policy targets. Every field is checked here, with its position and
// path, and every default filled in (defaults.ts), so the worker reads plain numbers:
//
//   compare:
//     percent: 100            # of the mirrored requests, how many are compared
//     noisePercent: 10        # of the compared GET/HEAD requests, how many also get a second v1 call
//     headers: [content-type] # response headers compared, besides the status
//     ignore: []              # field paths never reported: /body/meta/servedAt, /headers/date
//     redact: []              # field paths whose values never leave the worker
//     maxBodyBytes: 262144    # larger bodies are compared by digest only
//     gate: {maxDivergencePercent: 1, minCompared: 200, maxLatencyShiftMs: 20}
//                             # maxLatencyShiftMs (absent: not judged): v2 − v1, per request (issue 21)
import type { Field, KeyRules } from "./field";
import type { CompareSettings } from "../routing/table";
import { defaultCompareSettings } from "./defaults";
import { warnFinerThanStep } from "./per-million";
import { perMillion } from "../routing/per-million";
import { splitPath } from "../compare/path";

export const COMPARE: KeyRules = { known: ["percent", "noisePercent", "headers", "ignore", "redact", "maxBodyBytes", "gate"] };
export const COMPARE_GATE: KeyRules = { known: ["maxDivergencePercent", "minCompared", "maxLatencyShiftMs"] };
/** The largest latency-shift limit, ms: ten minutes, longer than any shadow may take. */
export const MAX_LATENCY_SHIFT_LIMIT_MS = 600_000;

/**
 * Up to three bodies of this size are held per compared request (v1, v2, and v1 again
 * for noise) in an isolate of 128 MB, with their parsed trees.
 */
export const MAX_COMPARE_BODY_BYTES = 1024 * 1024;

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const ROOTS = ["status", "headers", "body"];

/** The `compare` block, defaults filled in; undefined when it is absent (or not a mapping). */
export function readCompare(field: Field): CompareSettings | undefined {
  if (!field.checkMap(COMPARE)) return undefined;
  const settings = defaultCompareSettings();
  // In millionths, truncated as every percentage is (routing/per-million.ts).
  const percent = field.get("percent").percentage();
  if (percent !== undefined) {
    warnFinerThanStep(field.get("percent"), percent);
    settings.perMillion = perMillion(percent);
  }
  const noise = field.get("noisePercent").percentage();
  if (noise !== undefined) {
    warnFinerThanStep(field.get("noisePercent"), noise);
    settings.noisePerMillion = perMillion(noise);
  }
  if (field.get("headers").present) settings.headers = headerNames(field.get("headers"));
  settings.ignore = fieldPaths(field.get("ignore"));
  settings.redact = fieldPaths(field.get("redact"));
  const cap = field.get("maxBodyBytes").wholeNumber({ max: MAX_COMPARE_BODY_BYTES, unit: "bytes" });
  if (cap !== undefined) settings.maxBodyBytes = cap;
  const gate = field.get("gate");
  if (gate.checkMap(COMPARE_GATE)) {
    const max = gate.get("maxDivergencePercent").percentage();
    if (max !== undefined) settings.gate.maxDivergencePercent = max;
    const min = gate.get("minCompared").wholeNumber();
    if (min !== undefined) settings.gate.minCompared = min;
    const shift = gate.get("maxLatencyShiftMs");
    const ms = shift.number();
    if (ms !== undefined && !(ms >= 0 && ms <= MAX_LATENCY_SHIFT_LIMIT_MS)) {
      shift.error(`must be a number of ms from 0 to ${MAX_LATENCY_SHIFT_LIMIT_MS}, found ${ms}`, "the largest slowdown of v2 against v1 the rollout tolerates, e.g. 20");
    } else if (ms !== undefined) settings.gate.maxLatencyShiftMs = ms;
  }
  return settings;
}

function headerNames(list: Field): string[] {
  return list.items().flatMap((item) => {
    const name = item.string();
    if (name === undefined) return [];
    if (!HEADER_NAME.test(name)) {
      item.error(`"${name}" is not a header name`, "write the name only, e.g. content-type");
      return [];
    }
    return [name.toLowerCase()];
  });
}

/** JSON-pointer field paths as the report writes them: /status, /headers/<name>, /body/…, with * for any element. */
export function fieldPaths(list: Field): string[] {
  return list.items().flatMap((item) => {
    const path = item.string();
    if (path === undefined) return [];
    const segments = splitPath(path);
    const root = segments?.[0];
    if (!segments || root === undefined || !ROOTS.includes(root) || segments.includes("") || (root === "status" && segments.length > 1)) {
      item.error(`"${path}" is not a field path`, "write a path as the report shows it: /status, /headers/date, /body/meta/servedAt, /body/items/*/price");
      return [];
    }
    // splitPath lower-cases the header name (header names are case-insensitive).
    return [`/${segments.join("/")}`];
  });
}
