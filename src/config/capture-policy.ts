// MirrorPolicy `capture` (issue 20): record a sample of a route's exchanges (the
// request and v1's answer) to the R2 bucket bound as CAPTURES, for replay later
// (`npm run replay`, docs/capture.md). A route need not mirror to capture.
//
//   capture:
//     percent: 1              # of the route's requests
//     maxBodyBytes: 65536     # per request and per answer; larger bodies are stored truncated, marked so
//     redact: []              # field paths (same syntax as compare) whose values never leave the worker
//     ttlDays: 7              # older records are never returned, and deleted when read
import type { Field, KeyRules } from "./field";
import type { CaptureSettings } from "../routing/table";
import { fieldPaths } from "./compare-policy";

export const CAPTURE: KeyRules = { known: ["percent", "maxBodyBytes", "redact", "ttlDays"] };

/**
 * A record holds two bodies of up to this size (base64 grows them by a third) and
 * must fit one batch (1 MiB, src/capture/batcher.ts) or it is dropped as too_large.
 */
export const MAX_CAPTURE_BODY_BYTES = 1024 * 1024;
/** R2 keeps objects for as long as one likes; a year bounds what a replay reads. */
export const MAX_CAPTURE_TTL_DAYS = 365;

export function defaultCaptureSettings(): CaptureSettings {
  return { perMillion: 10_000, maxBodyBytes: 65_536, redact: [], ttlDays: 7 };
}

/** The `capture` block, defaults filled in; undefined when it is absent (or not a mapping). */
export function readCapture(field: Field): CaptureSettings | undefined {
  if (!field.checkMap(CAPTURE)) return undefined;
  const settings = defaultCaptureSettings();
  const percent = field.get("percent").percentage();
  if (percent !== undefined) settings.perMillion = Math.round(percent * 10_000);
  const cap = field.get("maxBodyBytes").wholeNumber({ max: MAX_CAPTURE_BODY_BYTES, unit: "bytes" });
  if (cap !== undefined) settings.maxBodyBytes = cap;
  settings.redact = fieldPaths(field.get("redact"));
  const ttl = field.get("ttlDays").wholeNumber({ max: MAX_CAPTURE_TTL_DAYS, unit: "days" });
  if (ttl !== undefined) {
    if (ttl === 0) field.get("ttlDays").error("must be at least 1 day", "write ttlDays: 1 or more");
    else settings.ttlDays = ttl;
  }
  return settings;
}
