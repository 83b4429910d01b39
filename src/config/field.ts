// A cursor over one YAML node that knows its field path and source position, so
// every check in the compiler can report `file:line:col Resource: spec.x[0].y`.
// Reading a field never throws: problems are recorded and `undefined` returned,
// so one run reports every error in the file.
import { isMap, isScalar, isSeq, type LineCounter, type Node, type Pair } from "yaml";
import type { Position, Problems } from "./errors";

export interface ReadContext {
  problems: Problems;
  lineCounter: LineCounter;
  /** `VirtualService httpbin` */
  resource: string;
}

/** How a map's keys are checked: known ones pass, the rest are errors with a reason. */
export interface KeyRules {
  known: readonly string[];
  /** Istio fields this version does not implement yet: refused, never ignored. */
  notYet?: Readonly<Record<string, string>>;
  /** Istio fields that cannot apply at the edge: refused with the reason. */
  refused?: Readonly<Record<string, string>>;
  /** Harmless here: accepted with a warning. */
  ignored?: Readonly<Record<string, string>>;
  /**
   * The fix for a notYet or refused key whose plain removal would change what the
   * resource means (dropping `sourceLabels` widens a match to every caller).
   */
  fixes?: Readonly<Record<string, string>>;
  /** whose fields these are, for the notYet message: "an Istio" (default) or "a Gateway API" */
  api?: string;
}

export class Field {
  constructor(
    readonly ctx: ReadContext,
    readonly node: Node | null | undefined,
    readonly path: string,
    readonly at: Position,
    /** position of this field's key, for errors about the key itself */
    readonly keyAt: Position = at,
  ) {}

  static root(ctx: ReadContext, node: Node | null | undefined): Field {
    return new Field(ctx, node, "", positionOf(ctx, node) ?? { line: 1, col: 1 });
  }

  get present(): boolean {
    return this.node !== undefined && this.node !== null && !(isScalar(this.node) && this.node.value === null);
  }

  error(message: string, fix?: string, at: Position = this.at): void {
    this.ctx.problems.add("error", at, { resource: this.ctx.resource, path: this.path || undefined, message, fix });
  }

  warn(message: string, fix?: string, at: Position = this.at): void {
    this.ctx.problems.add("warning", at, { resource: this.ctx.resource, path: this.path || undefined, message, fix });
  }

  /** How this field was read, where that is not obvious: not a problem. */
  note(message: string, at: Position = this.at): void {
    this.ctx.problems.add("note", at, { resource: this.ctx.resource, path: this.path || undefined, message });
  }

  /** The value under `key` of this map (absent fields are a Field with no node). */
  get(key: string): Field {
    const path = this.path ? `${this.path}.${key}` : key;
    if (isMap(this.node)) {
      const pair = this.node.items.find((item) => isScalar(item.key) && String(item.key.value) === key);
      if (pair) {
        const keyAt = positionOf(this.ctx, pair.key as Node) ?? this.at;
        return new Field(this.ctx, pair.value as Node | null, path, positionOf(this.ctx, pair.value as Node) ?? keyAt, keyAt);
      }
    }
    return new Field(this.ctx, undefined, path, this.at);
  }

  /** Reports a missing required field; returns whether it is present. */
  require(fix: string): boolean {
    if (!this.present) this.error("is required", fix);
    return this.present;
  }

  isMap(): boolean {
    return isMap(this.node);
  }

  /** Checks the node is a map and its keys against `rules`. Returns false if it is not a map. */
  checkMap(rules: KeyRules): boolean {
    if (!this.present) return false;
    if (!isMap(this.node)) {
      this.error(`must be a mapping, found ${describe(this.node)}`);
      return false;
    }
    for (const pair of this.node.items as Pair<Node, Node>[]) {
      const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
      const keyAt = positionOf(this.ctx, pair.key) ?? this.at;
      const path = this.path ? `${this.path}.${key}` : String(key);
      const report = (severity: "error" | "warning", message: string, fix?: string) =>
        this.ctx.problems.add(severity, keyAt, { resource: this.ctx.resource, path, message, fix });
      if (key === undefined) report("error", "keys must be plain strings");
      else if (rules.known.includes(key)) continue;
      else if (rules.notYet?.[key] !== undefined)
        report("error", `is ${rules.api ?? "an Istio"} field edge-mirror does not support yet${rules.notYet[key] ? ` (${rules.notYet[key]})` : ""}`, rules.fixes?.[key] ?? "remove it; edge-mirror refuses fields it would otherwise ignore");
      else if (rules.refused?.[key] !== undefined)
        report("error", `cannot apply at the edge: ${rules.refused[key]}`, rules.fixes?.[key] ?? "remove it");
      else if (rules.ignored?.[key] !== undefined) report("warning", `is ignored: ${rules.ignored[key]}`);
      else {
        // Every real field of the API, whatever edge-mirror does with it.
        const all = [...rules.known, ...Object.keys(rules.ignored ?? {}), ...Object.keys(rules.notYet ?? {}), ...Object.keys(rules.refused ?? {})];
        const near = nearest(key, all);
        report(
          "error",
          `unknown field "${key}"`,
          near ? `did you mean "${near}"?` : `the fields here: ${all.join(", ")}`,
        );
      }
    }
    return true;
  }

  /** Items of a sequence, each a Field with `path[i]`. */
  items(): Field[] {
    if (!this.present) return [];
    if (!isSeq(this.node)) {
      this.error(`must be a list, found ${describe(this.node)}`, "write it as a YAML list (- item)");
      return [];
    }
    return this.node.items.map((item, i) => {
      const node = item as Node | null;
      return new Field(this.ctx, node, `${this.path}[${i}]`, positionOf(this.ctx, node) ?? this.at);
    });
  }

  /** Keys and value Fields of a mapping whose keys are data (labels, headers, ports). */
  entries(): [string, Field][] {
    if (!this.present) return [];
    if (!isMap(this.node)) {
      this.error(`must be a mapping, found ${describe(this.node)}`);
      return [];
    }
    return (this.node.items as Pair<Node, Node>[]).map((pair) => {
      const key = isScalar(pair.key) ? String(pair.key.value) : "";
      const keyAt = positionOf(this.ctx, pair.key) ?? this.at;
      const value = pair.value as Node | null;
      return [key, new Field(this.ctx, value, `${this.path}.${key}`, positionOf(this.ctx, value) ?? keyAt, keyAt)];
    });
  }

  string(): string | undefined {
    if (!this.present) return undefined;
    if (isScalar(this.node) && typeof this.node.value === "string") return this.node.value;
    this.error(`must be a string, found ${describe(this.node)}`, "quote the value");
    return undefined;
  }

  number(): number | undefined {
    if (!this.present) return undefined;
    if (isScalar(this.node) && typeof this.node.value === "number" && Number.isFinite(this.node.value)) return this.node.value;
    this.error(`must be a number, found ${describe(this.node)}`);
    return undefined;
  }

  boolean(): boolean | undefined {
    if (!this.present) return undefined;
    if (isScalar(this.node) && typeof this.node.value === "boolean") return this.node.value;
    this.error(`must be true or false, found ${describe(this.node)}`);
    return undefined;
  }

  /** A list of strings. */
  strings(): string[] {
    return this.items().flatMap((item) => {
      const value = item.string();
      return value === undefined ? [] : [value];
    });
  }

  // The value rules the compiler states once. Each reports its own error and returns
  // undefined for a value that breaks it, so callers only decide what absent means.

  /**
   * A whole number ≥ 0, up to `max` when given, else up to INT32_MAX (Istio's whole
   * numbers are protobuf int32); `unit` names what is counted (`bytes`).
   */
  wholeNumber({ max, unit, fix }: { max?: number; unit?: string; fix?: string } = {}): number | undefined {
    const n = this.number();
    if (n === undefined) return undefined;
    if (Number.isInteger(n) && n >= 0 && n <= (max ?? INT32_MAX)) return n;
    if (max === undefined && n > INT32_MAX) {
      this.error(`must be at most ${INT32_MAX} (an int32 in Istio), found ${n}`, fix);
      return undefined;
    }
    const of = unit ? ` of ${unit}` : "";
    const mebibytes = unit === "bytes" && max !== undefined && max >= MIB && max % MIB === 0 ? ` (${max / MIB} MiB)` : "";
    const range = max === undefined ? "≥ 0" : `from 0 to ${max}${mebibytes}`;
    this.error(`must be a whole number${of} ${range}, found ${n}`, fix);
    return undefined;
  }

  /** A TCP port number, 1..65535. */
  port(): number | undefined {
    return this.#integerIn(PORT_RANGE, "a port number");
  }

  /** A final HTTP status a Worker can answer with: 200..599 (1xx are interim, Envoy refuses them too). */
  httpStatus(): number | undefined {
    return this.#integerIn(HTTP_STATUS_RANGE, "an HTTP status");
  }

  /** An integer within `range`; otherwise "must be <what> <min>..<max>, found <n>". */
  #integerIn({ minimum, maximum }: { minimum: number; maximum: number }, what: string): number | undefined {
    const n = this.number();
    if (n === undefined) return undefined;
    if (Number.isInteger(n) && n >= minimum && n <= maximum) return n;
    this.error(`must be ${what} ${minimum}..${maximum}, found ${n}`);
    return undefined;
  }

  /** A redirect status Istio's HTTPRedirect accepts. */
  redirectStatus(): number | undefined {
    const n = this.number();
    if (n === undefined) return undefined;
    if (REDIRECT_STATUSES.includes(n)) return n;
    this.error(`must be one of ${REDIRECT_STATUSES.join(", ")}, found ${n}`);
    return undefined;
  }

  /**
   * Istio `Percent {value: double}`, 0..100 (istio pkg/config/validation). An empty
   * Percent is proto3's default, 0; an absent one is undefined (callers know Istio's
   * default for their field).
   */
  percent(): number | undefined {
    if (!this.checkMap(PERCENT)) return undefined;
    const value = this.get("value");
    if (!value.present) return 0;
    const n = value.number();
    if (n === undefined) return undefined;
    const { minimum, maximum } = PERCENT_RANGE;
    if (n >= minimum && n <= maximum) return n;
    value.error(`must be between ${minimum} and ${maximum}, found ${n}`, "a percentage of requests, e.g. value: 10.5");
    return undefined;
  }

  /**
   * A plain percentage, 0..100, fractional allowed (edge-mirror's own fields, e.g.
   * MirrorPolicy `compare.percent`; Istio's are Percent messages: see percent()).
   */
  percentage(): number | undefined {
    const n = this.number();
    if (n === undefined) return undefined;
    const { minimum, maximum } = PERCENT_RANGE;
    if (n >= minimum && n <= maximum) return n;
    this.error(`must be a percentage from ${minimum} to ${maximum}, found ${n}`);
    return undefined;
  }

  /**
   * The deprecated integer percent (`mirrorPercent: 50`, fault `percent: 50`): warns
   * that `replacement` supersedes it, then reads a whole number 0..100.
   */
  deprecatedPercent(replacement: string): number | undefined {
    if (!this.present) return undefined;
    const key = this.path.slice(this.path.lastIndexOf(".") + 1);
    this.warn(`${key} is deprecated in Istio`, `use ${replacement}: {value: N}`, this.keyAt);
    return this.wholeNumber({ max: PERCENT_RANGE.maximum });
  }
}

const MIB = 1024 * 1024;
// The bounds of the value rules, in JSON Schema's words: schema/routes.schema.json
// states them too, and test/config/schema-drift.test.ts keeps the two equal.
export const PORT_RANGE = { minimum: 1, maximum: 65535 } as const;
/** Final statuses only: 1xx are interim answers. */
export const HTTP_STATUS_RANGE = { minimum: 200, maximum: 599 } as const;
export const PERCENT_RANGE = { minimum: 0, maximum: 100 } as const;
/** The largest protobuf int32, Istio's type for weights and other whole numbers. */
export const INT32_MAX = 2_147_483_647;
/** istio/api HTTPRedirect.redirect_code (Envoy's RedirectResponseCode). */
export const REDIRECT_STATUSES: readonly number[] = [301, 302, 303, 307, 308];
/** Istio's Percent message. */
export const PERCENT: KeyRules = { known: ["value"] };

export function positionOf(ctx: ReadContext, node: Node | null | undefined): Position | undefined {
  const offset = node?.range?.[0];
  if (offset === undefined) return undefined;
  const pos = ctx.lineCounter.linePos(offset);
  return { line: pos.line, col: pos.col };
}

function describe(node: Node | null | undefined): string {
  if (isMap(node)) return "a mapping";
  if (isSeq(node)) return "a list";
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return "null";
    return `${typeof v} ${JSON.stringify(v)}`;
  }
  return "nothing";
}

/** The closest known key within edit distance 2, for "did you mean" hints. */
export function nearest(key: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const d = distance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}
