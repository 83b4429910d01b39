// RE2 (Istio and Envoy regexes) → an equivalent JavaScript RegExp source, at build
// time. re2js parses the pattern exactly as RE2 (Go's flavour, which Istio validates
// with) does, so whatever it refuses is refused here with its reason; a small
// tokenizer then rewrites every construct JavaScript reads differently — `\A`, `\z`,
// POSIX and Perl classes, `\pN`, `(?P<name>…)`, flags, `\Q…\E`, octal escapes, `.`
// and `\s` — or refuses the pattern with the reason. Never accepted-then-never-matching.
// The result runs with the `u` flag (RE2 matches code points), plus `i` when the
// whole pattern is case-insensitive. re2js stays a build-time dependency.
import { RE2JS } from "re2js";

export interface Re2Options {
  /**
   * The value can hold no \r, U+2028 or U+2029 (a URL path, a method, a scheme), so
   * JavaScript's `.` already means RE2's "anything but \n" and is kept as written.
   */
  plainInput?: boolean;
}

export type Re2Translation =
  | { ok: true; /** JavaScript source for `new RegExp(js, ignoreCase ? "iu" : "u")` */ js: string; ignoreCase: boolean; groups: number }
  /** `syntax`: not RE2 at all (the reason is RE2's own message); else RE2 that is refused here, with why */
  | { ok: false; reason: string; syntax: boolean };

/** Istio refuses longer patterns (pkg/config/validation: "regex is too large"). */
export const MAX_REGEX_LENGTH = 1024;

export function translateRe2(source: string, options: Re2Options = {}): Re2Translation {
  let groups: number;
  try {
    groups = RE2JS.compile(source).groupCount();
  } catch (e) {
    return explainSyntaxError((e as Error).message);
  }
  try {
    // First as one JS `i` flag; if a case-sensitive part needs the flag off, again
    // with each case-insensitive part spelled out.
    let t = new Translator(source, options, "flag");
    let js = t.run();
    let ignoreCase = t.sawFolded;
    if (t.sawFolded && t.sawCaseSensitive) {
      t = new Translator(source, options, "expand");
      js = t.run();
      ignoreCase = false;
    }
    new RegExp(js, ignoreCase ? "iu" : "u"); // the last word: V8 must read it too
    return { ok: true, js, ignoreCase, groups };
  } catch (e) {
    return { ok: false, reason: e instanceof Refusal ? e.message : `has no JavaScript equivalent here (${(e as Error).message})`, syntax: false };
  }
}

class Refusal extends Error {}

/** RE2's own message, or a plainer one for the constructs people bring from PCRE and JavaScript. */
function explainSyntaxError(message: string): Re2Translation {
  const detail = message.replace(/^error parsing regexp: /, "");
  const plain = (reason: string): Re2Translation => ({ ok: false, reason, syntax: false });
  if (/`\(\?[=!]|`\(\?<[=!]/.test(detail)) return plain("lookahead/lookbehind is not RE2 syntax, so Istio would reject it");
  if (/escape sequence: `\\[1-9]/.test(detail)) return plain("backreferences are not RE2 syntax, so Istio would reject it");
  if (detail.includes("`\\C`")) return plain("\\C (any single byte) is refused by Istio's RE2 validation, and JavaScript matches characters, not bytes");
  return { ok: false, reason: detail, syntax: true };
}

type Flags = { i: boolean; m: boolean; s: boolean; U: boolean };
/** A character class as code point ranges plus JavaScript property escapes. */
interface ClassSet {
  ranges: [number, number][];
  props: string[];
  /** RE2's \PC: not Cc/Cf/Co/Cs, which no single JavaScript escape says */
  notOther?: boolean;
}

const MAX = 0x10ffff;
const OTHER = "\\p{Cc}\\p{Cf}\\p{Co}\\p{Cs}"; // RE2's C has no unassigned code points; JavaScript's has
const CATEGORIES = new Set("C Cc Cf Co Cs L Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No P Pc Pd Pe Pf Pi Po Ps S Sc Sk Sm So Z Zl Zp Zs".split(" "));
const PERL: Record<string, [number, number][]> = {
  d: [[0x30, 0x39]],
  s: [[0x09, 0x0a], [0x0c, 0x0d], [0x20, 0x20]],
  w: [[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]],
};
const POSIX: Record<string, [number, number][]> = {
  alnum: [[0x30, 0x39], [0x41, 0x5a], [0x61, 0x7a]],
  alpha: [[0x41, 0x5a], [0x61, 0x7a]],
  ascii: [[0x00, 0x7f]],
  blank: [[0x09, 0x09], [0x20, 0x20]],
  cntrl: [[0x00, 0x1f], [0x7f, 0x7f]],
  digit: [[0x30, 0x39]],
  graph: [[0x21, 0x7e]],
  lower: [[0x61, 0x7a]],
  print: [[0x20, 0x7e]],
  punct: [[0x21, 0x2f], [0x3a, 0x40], [0x5b, 0x60], [0x7b, 0x7e]],
  space: [[0x09, 0x0d], [0x20, 0x20]],
  upper: [[0x41, 0x5a]],
  word: [[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]],
  xdigit: [[0x30, 0x39], [0x41, 0x46], [0x61, 0x66]],
};
const SYNTAX = new Set("^$\\.*+?()[]{}|");
const CLASS_SYNTAX = new Set("\\]^-[");

class Translator {
  private pos = 0;
  private out = "";
  /** a case-insensitive literal or class was emitted / a case-sensitive one */
  sawFolded = false;
  sawCaseSensitive = false;

  constructor(
    private readonly src: string,
    private readonly options: Re2Options,
    /** "flag": case-insensitivity becomes the JS `i` flag; "expand": spelled out per atom */
    private readonly fold: "flag" | "expand",
  ) {}

  run(): string {
    this.sequence({ i: false, m: false, s: false, U: false });
    return this.out;
  }

  /** Items up to a `)` (consumed by the caller) or the end; flags set inline last to the group's end. */
  private sequence(flags: Flags): void {
    let atom = -1; // where the last quantifiable atom starts in `out`
    let assertion = false;
    while (this.pos < this.src.length) {
      const c = this.src[this.pos]!;
      if (c === ")") return;
      const quantifier = atom >= 0 ? this.quantifier() : undefined;
      if (quantifier !== undefined) {
        const lazy = quantifier.lazy !== flags.U; // (?U) swaps greedy and lazy
        if (assertion) this.out = `${this.out.slice(0, atom)}(?:${this.out.slice(atom)})`; // JS cannot repeat an assertion
        this.out += quantifier.text + (lazy ? "?" : "");
        atom = -1;
        continue;
      }
      atom = this.out.length;
      assertion = false;
      this.pos++;
      if (c === "|") {
        this.out += "|";
        atom = -1;
      } else if (c === "(") {
        if (this.group(flags)) atom = -1;
      } else if (c === "^") {
        this.out += flags.m ? "(?<![^\\n])" : "^";
        assertion = true;
      } else if (c === "$") {
        this.out += flags.m ? "(?![^\\n])" : "$";
        assertion = true;
      } else if (c === ".") {
        this.out += flags.s ? "[\\s\\S]" : this.options.plainInput ? "." : "[^\\n]";
      } else if (c === "[") {
        this.emitClass(this.bracketClass(flags));
      } else if (c === "\\") {
        const kind = this.escape(flags);
        if (kind === "assertion") assertion = true;
        if (kind === "literals") atom = this.lastLiteral;
      } else {
        this.pos--;
        this.literal(this.codePoint(), flags);
      }
    }
  }

  private lastLiteral = -1;

  /** After `(`: a group, or inline flags. Returns true when nothing quantifiable was emitted. */
  private group(outer: Flags): boolean {
    const rest = this.src.slice(this.pos);
    const named = /^\?P?<[A-Za-z0-9_]+>/.exec(rest);
    if (named) {
      // JavaScript group names must be identifiers; numbering is what matters (rewrite \1).
      this.pos += named[0].length;
      return this.body("(", { ...outer });
    }
    const inline = /^\?([imsU]*)(?:-([imsU]*))?([:)])/.exec(rest);
    if (!inline) return this.body("(", { ...outer });
    this.pos += inline[0].length;
    const flags = { ...outer };
    for (const f of inline[1]!) flags[f as keyof Flags] = true;
    for (const f of inline[2] ?? "") flags[f as keyof Flags] = false;
    if (inline[3] === ":") return this.body("(?:", flags);
    Object.assign(outer, flags); // (?flags): until the enclosing group closes
    return true;
  }

  private body(open: string, flags: Flags): boolean {
    this.out += open;
    this.sequence(flags);
    this.pos++; // ")"
    this.out += ")";
    return false;
  }

  private quantifier(): { text: string; lazy: boolean } | undefined {
    const rest = this.src.slice(this.pos);
    const m = /^(?:[*+?]|\{\d+(?:,\d*)?\})/.exec(rest);
    if (!m) return undefined;
    this.pos += m[0].length;
    const lazy = this.src[this.pos] === "?";
    if (lazy) this.pos++;
    return { text: m[0], lazy };
  }

  /** After `\` outside a class. */
  private escape(flags: Flags): "assertion" | "literals" | "atom" {
    const c = this.src[this.pos]!;
    if (c === "A" || c === "z" || c === "b" || c === "B") {
      this.pos++;
      this.out += c === "A" ? "^" : c === "z" ? "$" : `\\${c}`;
      return "assertion";
    }
    if (c === "Q") {
      this.pos++;
      const end = this.src.indexOf("\\E", this.pos);
      const text = this.src.slice(this.pos, end < 0 ? undefined : end);
      this.pos = end < 0 ? this.src.length : end + 2;
      this.lastLiteral = -1;
      for (const ch of text) {
        this.lastLiteral = this.out.length;
        this.literal(ch.codePointAt(0)!, flags);
      }
      return "literals";
    }
    if ("dDwW".includes(c) && !(flags.i && this.fold === "expand")) {
      this.pos++;
      if (c === "w" || c === "W") this.noteCase(flags);
      this.out += `\\${c}`; // the same ASCII sets in JavaScript (and the same folding under i)
      return "atom";
    }
    if ("dDsSwWpP".includes(c)) {
      this.emitClass(this.classEscape(flags)!);
      return "atom";
    }
    this.pos--;
    this.literal(this.classChar(), flags);
    return "atom";
  }

  /** `\d \s \w` (and negations), `\pN`, `\p{Name}`, `\p{^Name}`, `\PN`; undefined if none at pos (after `\`). */
  private classEscape(flags: Flags): ClassSet | undefined {
    const c = this.src[this.pos]!;
    const lower = c.toLowerCase();
    if (lower in PERL && "dswDSW".includes(c)) {
      this.pos++;
      return { ranges: this.item(PERL[lower]!, c !== lower, flags), props: [] };
    }
    if (c !== "p" && c !== "P") return undefined;
    this.pos++;
    let name: string;
    if (this.src[this.pos] === "{") {
      const end = this.src.indexOf("}", this.pos);
      name = this.src.slice(this.pos + 1, end);
      this.pos = end + 1;
    } else name = String.fromCodePoint(this.codePoint());
    let negated = c === "P";
    if (name.startsWith("^")) [name, negated] = [name.slice(1), !negated];
    if (name === "Cn" || name === "LC") throw new Refusal(`\\p{${name}} is not supported by RE2 (Envoy's engine)`);
    this.noteCase(flags);
    if (flags.i && this.fold === "expand")
      throw new Refusal("a case-insensitive Unicode class in part of a pattern has no JavaScript equivalent; put (?i) at the start of the whole pattern");
    if (name === "C") return negated ? { ranges: [], props: [], notOther: true } : { ranges: [], props: [OTHER] };
    const property = name === "Any" || CATEGORIES.has(name) ? name : `Script=${name}`;
    return { ranges: [], props: [`\\${negated ? "P" : "p"}{${property}}`] };
  }

  /** After `[`: Go's parseClass. */
  private bracketClass(flags: Flags): ClassSet & { negated: boolean } {
    const set: ClassSet & { negated: boolean } = { ranges: [], props: [], negated: false };
    if (this.src[this.pos] === "^") {
      set.negated = true;
      this.pos++;
    }
    let first = true;
    while (first || this.src[this.pos] !== "]") {
      first = false;
      const posix = /^\[:(\^?)([a-z]+):\]/.exec(this.src.slice(this.pos));
      if (posix) {
        this.pos += posix[0].length;
        set.ranges.push(...this.item(POSIX[posix[2]!]!, posix[1] === "^", flags));
        continue;
      }
      if (this.src[this.pos] === "\\") {
        this.pos++;
        const escaped = this.classEscape(flags);
        if (escaped) {
          set.ranges.push(...escaped.ranges);
          set.props.push(...escaped.props);
          if (escaped.notOther) set.notOther = true;
          continue;
        }
        this.pos--;
      }
      const lo = this.classChar();
      let hi = lo;
      if (this.src[this.pos] === "-" && this.src[this.pos + 1] !== "]") {
        this.pos++;
        hi = this.classChar();
      }
      set.ranges.push(...this.item([[lo, hi]], false, flags));
    }
    this.pos++; // "]"
    return set;
  }

  /** One character of a class, or an escaped literal: RE2's parseEscape. */
  private classChar(): number {
    if (this.src[this.pos] !== "\\") return this.codePoint();
    const c = this.src[++this.pos]!;
    this.pos++;
    const simple: Record<string, number> = { a: 7, f: 12, t: 9, n: 10, r: 13, v: 11 };
    if (c in simple) return simple[c]!;
    if (c >= "0" && c <= "7") {
      // Octal: up to three digits (a lone \1..\7 would be a backreference; RE2 refused it already).
      let value = Number(c);
      for (let n = 1; n < 3 && /[0-7]/.test(this.src[this.pos] ?? ""); n++) value = value * 8 + Number(this.src[this.pos++]);
      return value;
    }
    if (c === "x") {
      if (this.src[this.pos] === "{") {
        const end = this.src.indexOf("}", this.pos);
        const value = parseInt(this.src.slice(this.pos + 1, end), 16);
        this.pos = end + 1;
        return value;
      }
      this.pos += 2;
      return parseInt(this.src.slice(this.pos - 2, this.pos), 16);
    }
    return c.codePointAt(0)!; // escaped punctuation is itself
  }

  private codePoint(): number {
    const cp = this.src.codePointAt(this.pos)!;
    this.pos += cp > 0xffff ? 2 : 1;
    return cp;
  }

  private noteCase(flags: Flags): void {
    if (flags.i) this.sawFolded = true;
    else this.sawCaseSensitive = true;
  }

  private literal(cp: number, flags: Flags): void {
    const variants = caseVariants(cp);
    if (variants.length > 1) this.noteCase(flags);
    if (flags.i && this.fold === "expand" && variants.length > 1) {
      if (cp > 0x7f && !variants.every((v) => v <= 0x7f || v === 0x17f || v === 0x212a))
        throw new Refusal("case-insensitive non-ASCII letters in part of a pattern have no JavaScript equivalent; put (?i) at the start of the whole pattern");
      this.out += `[${variants.map(classChar).join("")}]`;
      return;
    }
    const ch = String.fromCodePoint(cp);
    const printable = cp >= 0x20 && cp !== 0x7f && !(cp >= 0x80 && cp < 0xa0) && !(cp >= 0xd800 && cp <= 0xdfff);
    this.out += SYNTAX.has(ch) ? `\\${ch}` : printable ? ch : escapeCp(cp);
  }

  /**
   * One class item, as RE2 folds it (Go's appendFoldedRange): under a case-insensitive
   * part of a mixed pattern the other cases are added by hand, then a negated item
   * (\\D, [:^alpha:]) is complemented.
   */
  private item(ranges: readonly [number, number][], negated: boolean, flags: Flags): [number, number][] {
    const cased = ranges.some(([lo, hi]) => hasCase(lo, hi));
    if (cased) this.noteCase(flags);
    const folded = flags.i && this.fold === "expand" && cased ? foldAscii(ranges) : [...ranges];
    return negated ? complement(folded) : folded;
  }

  private emitClass(set: ClassSet & { negated?: boolean }): void {
    const items =
      set.ranges.map(([lo, hi]) => (lo === hi ? classChar(lo) : hi === lo + 1 ? classChar(lo) + classChar(hi) : `${classChar(lo)}-${classChar(hi)}`)).join("") +
      set.props.join("");
    if (!set.notOther) {
      const single = !set.negated && set.ranges.length === 0 && set.props.length === 1 && set.props[0] !== OTHER;
      this.out += single ? items : `[${set.negated ? "^" : ""}${items}]`;
      return;
    }
    // \PC inside a class: the union (or its negation) spelled with an alternative / a lookahead.
    if (set.negated) this.out += items ? `(?![${items}])[${OTHER}]` : `[${OTHER}]`;
    else this.out += items ? `(?:[${items}]|[^${OTHER}])` : `[^${OTHER}]`;
  }
}

function classChar(cp: number): string {
  const ch = String.fromCodePoint(cp);
  if (CLASS_SYNTAX.has(ch)) return `\\${ch}`;
  return cp >= 0x20 && cp < 0x7f ? ch : escapeCp(cp);
}

const NAMED_ESCAPES: Record<number, string> = { 9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f", 13: "\\r" };

function escapeCp(cp: number): string {
  return NAMED_ESCAPES[cp] ?? `\\u{${cp.toString(16)}}`;
}

function complement(ranges: readonly [number, number][]): [number, number][] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  let next = 0;
  for (const [lo, hi] of sorted) {
    if (lo > next) out.push([next, lo - 1]);
    next = Math.max(next, hi + 1);
  }
  if (next <= MAX) out.push([next, MAX]);
  return out;
}

/** The code points a literal matches case-insensitively (simple case folding, as RE2 and JS `iu`). */
function caseVariants(cp: number): number[] {
  const set = new Set([cp]);
  // The two ASCII letters whose fold orbit leaves ASCII: k ↔ K (Kelvin), s ↔ ſ (long s).
  if (cp === 0x6b || cp === 0x4b) set.add(0x212a);
  if (cp === 0x73 || cp === 0x53) set.add(0x17f);
  for (let round = 0; round < 2; round++)
    for (const v of [...set]) {
      const ch = String.fromCodePoint(v);
      for (const w of [ch.toLowerCase(), ch.toUpperCase()]) if ([...w].length === 1) set.add(w.codePointAt(0)!);
    }
  if (set.size === 1) return [cp];
  const self = new RegExp(`^${escapeCp(cp)}$`, "iu");
  return [...set].filter((v) => self.test(String.fromCodePoint(v)));
}

/** Whether a range holds a letter with another case (bounded: huge ranges count as cased). */
function hasCase(lo: number, hi: number): boolean {
  if (hi - lo > 0x3000) return true;
  for (let cp = lo; cp <= hi; cp++) {
    const ch = String.fromCodePoint(cp);
    if (ch.toLowerCase() !== ch.toUpperCase()) return true;
  }
  return false;
}

/** Adds the other case of ASCII letters (and K/ſ); refuses non-ASCII letters it cannot fold by hand. */
function foldAscii(ranges: readonly [number, number][]): [number, number][] {
  const out = [...ranges];
  for (const [lo, hi] of ranges) {
    if (hi > 0x7f && hasCase(Math.max(lo, 0x80), hi))
      throw new Refusal("a case-insensitive class with non-ASCII letters in part of a pattern has no JavaScript equivalent; put (?i) at the start of the whole pattern");
    for (const [a, z, shift] of [[0x41, 0x5a, 0x20], [0x61, 0x7a, -0x20]] as const) {
      const from = Math.max(lo, a);
      const to = Math.min(hi, z);
      if (from <= to) out.push([from + shift, to + shift]);
    }
    if (lo <= 0x6b && hi >= 0x6b || lo <= 0x4b && hi >= 0x4b) out.push([0x212a, 0x212a]);
    if (lo <= 0x73 && hi >= 0x73 || lo <= 0x53 && hi >= 0x53) out.push([0x17f, 0x17f]);
  }
  return out;
}
