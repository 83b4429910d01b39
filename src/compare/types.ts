// The shapes the comparison core works on: an answer as the worker read it, the
// answer lifted into a tree, and the differences between two lifted answers.
// Plain data only, so the same values can cross into a Durable Object or a log.

/** A parsed JSON value. */
export type Json = null | boolean | number | string | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}

/** One side's answer, as read by the worker (no Workers types: this module runs anywhere). */
export interface Answer {
  status: number;
  /** response headers, any case; several values already joined with ", " as `Headers` does */
  headers: Readonly<Record<string, string>>;
  /** the body up to the cap; undefined when there was none */
  body?: Uint8Array;
  /**
   * set when the body was larger than the cap: its digest, computed by the caller (the
   * worker: the SHA-256 of the first cap bytes, and the declared length — the rest is
   * never read, so a large answer costs no more than the cap)
   */
  overCap?: { sha256: string };
}

/**
 * A body by what it can be compared as. A digest names its algorithm
 * (`sha256:…` from the caller over a whole over-cap body, `fnv64:…` over the bytes otherwise),
 * so digests of different origin never compare equal by accident.
 */
export type LiftedBody =
  | { kind: "json"; value: Json }
  | { kind: "text"; value: string }
  | { kind: "digest"; value: string; overCap: boolean };

/** The part of an answer that is compared: status, the configured headers (lowercase names), the body. */
export interface Lifted {
  status: number;
  headers: Record<string, string>;
  body?: LiftedBody;
}

/**
 * value: a primitive changed; type: the JSON type (or the body's kind) changed;
 * missing: in v1, not in v2; added: in v2, not in v1; length: an array's length changed;
 * order: an array holds the same elements in another order;
 * too_complex: the bodies differ, and comparing them field by field would have passed
 * one comparison's CPU budget (src/compare/work-budget.ts), so they were compared by digest.
 */
export type DiffKind = "value" | "type" | "missing" | "added" | "length" | "order" | "too_complex";

/** Kinds that change the shape of an answer: never explained away as noise (Keploy refuses to, too). */
export const STRUCTURAL_KINDS: ReadonlySet<DiffKind> = new Set<DiffKind>(["missing", "added", "type"]);

/**
 * One difference at one field path (`/body/user/name`). Hashes and values are absent on
 * the side where the field is absent. Values are references into the lifted trees: run them
 * through `redactDifference` before storing or logging them.
 */
export interface Difference {
  path: string;
  kind: DiffKind;
  v1Hash?: string;
  v2Hash?: string;
  v1?: Json;
  v2?: Json;
}

/** A difference fit to store: values redacted and cut to a preview; hashes are of the redacted values. */
export interface RedactedDifference {
  path: string;
  kind: DiffKind;
  v1Hash?: string;
  v2Hash?: string;
  /** JSON text of v1's value, redacted, at most the preview limit in characters */
  v1?: string;
  v2?: string;
}
