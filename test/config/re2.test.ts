// RE2 → JavaScript (src/config/re2.ts): every construct of the RE2 syntax reference
// (google/re2 doc/syntax.txt) that JavaScript reads differently is translated or
// refused with the reason, and a fixed-seed differential run checks the translations
// against re2js (RE2's own semantics) on strings chosen to tell them apart.
import { describe, expect, it } from "vitest";
import { RE2JS } from "re2js";
import { translateRe2 } from "../../src/config/re2";

/** [RE2, JavaScript source, flags] or [RE2, refusal text] */
const TRANSLATED: [string, string, string][] = [
  // Kept as written: JavaScript reads these the same way.
  ["[0-9]+", "[0-9]+", "u"],
  ["/v[0-9]+/items", "/v[0-9]+/items", "u"],
  ["a|b", "a|b", "u"],
  ["x{2,3}?", "x{2,3}?", "u"],
  ["\\d\\w\\D\\W\\b\\B", "\\d\\w\\D\\W\\b\\B", "u"],
  // Empty strings: \A and \z; ^ and $ per (?m).
  ["\\A/api\\z", "^/api$", "u"],
  ["(?m)^a$", "(?<![^\\n])a(?![^\\n])", "u"],
  ["^*", "(?:^)*", "u"],
  // `.` is anything but \n in RE2 (JavaScript's also skips \r, U+2028, U+2029); (?s).
  [".", "[^\\n]", "u"],
  ["(?s).", "[\\s\\S]", "u"],
  // Perl \s is [\t\n\f\r ] (JavaScript's \s is Unicode whitespace).
  ["\\s+", "[\\t\\n\\f\\r ]+", "u"],
  ["\\S", "[\\u{0}-\\u{8}\\v\\u{e}-\\u{1f}!-\\u{10ffff}]", "u"],
  // POSIX classes.
  ["[[:digit:]]+", "[0-9]+", "u"],
  ["[[:^alpha:]]", "[\\u{0}-@\\[-`{-\\u{10ffff}]", "u"],
  ["[[:alpha:]-z]", "[A-Za-z\\-z]", "u"],
  // Unicode classes: general categories, scripts, negations; RE2's C has no unassigned code points.
  ["\\pN+", "\\p{N}+", "u"],
  ["\\p{Greek}", "\\p{Script=Greek}", "u"],
  ["\\p{^Greek}", "\\P{Script=Greek}", "u"],
  ["\\PL", "\\P{L}", "u"],
  ["\\pC", "[\\p{Cc}\\p{Cf}\\p{Co}\\p{Cs}]", "u"],
  ["[\\PC]", "[^\\p{Cc}\\p{Cf}\\p{Co}\\p{Cs}]", "u"],
  ["[^\\PCa]", "(?![a])[\\p{Cc}\\p{Cf}\\p{Co}\\p{Cs}]", "u"],
  // Groups: (?P<name>) and (?<name>) are numbered groups; flags.
  ["(?P<id>[0-9]+)", "([0-9]+)", "u"],
  ["(?<id>[0-9]+)", "([0-9]+)", "u"],
  ["(?i)abc", "abc", "iu"],
  ["(?i:\\W)", "(?:\\W)", "iu"],
  ["a(?i)bc", "a[bB][cC]", "u"],
  ["(?i:a)b", "(?:[aA])b", "u"],
  ["(?i:k)s", "(?:[k\\u{212a}K])s", "u"],
  ["(?i:[a-z])X", "(?:[a-zA-Z\\u{212a}\\u{17f}])X", "u"],
  ["(?U)a+b*?", "a+?b*", "u"],
  ["(?)a", "a", "u"],
  // Escapes: \Q…\E, octal, hex, control letters, escaped punctuation.
  ["\\Qa.b*\\E+", "a\\.b\\*+", "u"],
  ["\\Q(x", "\\(x", "u"],
  ["\\123\\0", "S\\u{0}", "u"],
  ["\\x41\\x{1F600}", "A😀", "u"],
  ["\\a\\v", "\\u{7}\\v", "u"],
  ["\\-\\#\\ ", "-# ", "u"],
  // Classes RE2 reads differently: ] first is literal, [^]…] too.
  ["[]a]", "[\\]a]", "u"],
  ["[^]a]", "[^\\]a]", "u"],
  ["[a-]", "[a\\-]", "u"],
  // A { that is not a repetition is literal (JavaScript's u flag refuses a bare {).
  ["a{,2}", "a\\{,2\\}", "u"],
  ["a{2", "a\\{2", "u"],
];

const REFUSED: [string, string][] = [
  ["(?=a)", "lookahead/lookbehind is not RE2 syntax"],
  ["(?<!a)b", "lookahead/lookbehind is not RE2 syntax"],
  ["(a)\\1", "backreferences are not RE2 syntax"],
  ["a\\C", "\\C (any single byte) is refused by Istio's RE2 validation"],
  ["\\p{Cn}", "\\p{Cn} is not supported by RE2"],
  ["\\p{LC}", "\\p{LC} is not supported by RE2"],
  ["(?i:é)x", "put (?i) at the start of the whole pattern"],
  ["(?i:\\pL)x", "put (?i) at the start of the whole pattern"],
  ["[a", "missing closing ]"],
  ["a**", "invalid nested repetition operator"],
  ["a{1001}", "invalid repeat count"],
  ["\\Z", "invalid escape sequence"],
  ["(?x)a", "invalid or unsupported Perl syntax"],
  ["(?#c)", "invalid or unsupported Perl syntax"],
  ["a++", "invalid nested repetition operator"],
  ["\\e", "invalid escape sequence"],
  ["\\p{greek}", "invalid character class range"],
];

describe("RE2 constructs → JavaScript", () => {
  it.each(TRANSLATED)("%s → %s (%s)", (re2, js, flags) => {
    const t = translateRe2(re2, re2 === "/v[0-9]+/items" ? { plainInput: true } : {});
    expect(t).toMatchObject({ ok: true, js, ignoreCase: flags === "iu" });
  });

  it("keeps `.` where the value can hold no \\r, U+2028 or U+2029 (paths, methods, schemes)", () => {
    expect(translateRe2("/api/.*", { plainInput: true })).toMatchObject({ ok: true, js: "/api/.*" });
    expect(translateRe2("/api/.*")).toMatchObject({ ok: true, js: "/api/[^\\n]*" });
  });

  it("counts groups, named ones included, for rewrite checks", () => {
    expect(translateRe2("^/(?P<a>x)/(y)(?:z)$")).toMatchObject({ ok: true, groups: 2 });
  });
});

describe("refused with the reason", () => {
  it.each(REFUSED)("%s", (re2, reason) => {
    const t = translateRe2(re2);
    expect(t.ok).toBe(false);
    if (!t.ok) expect(t.reason).toContain(reason);
  });
});

describe("the translations match what RE2 matches (differential, fixed seed)", () => {
  // Atoms and strings chosen where RE2 and JavaScript part ways: case folding (K, ſ),
  // line terminators, astral characters, Unicode and POSIX classes.
  const ATOMS = [
    "a", "A", "K", "k", "s", "S", "\u017f", "\u212a", "é", ".", "\\d", "\\D", "\\s", "\\S", "\\w", "\\W", "\\pL", "\\PL",
    "\\p{Greek}", "\\pN", "\\pC", "[[:alpha:]]", "[[:^digit:]]", "[a-c]", "[^a-c]", "[\\PC]", "\\x{3b1}", "\\Q.*\\E", "\\A",
    "\\z", "^", "$", "\\b", "\\B", "\\n", "\\123", "[]a]", "[a-]", "\\-", "\\{", "a{,2}", "😀", "[😀-😂]",
  ];
  const ALPHABET = ["a", "b", "A", "K", "k", "s", "S", "\u017f", "\u212a", "é", "É", "α", "Α", "1", "_", " ", "\n", "\r", "\u2028", ".", "*", "-", "{", "]", "😀", "😁", "\u00ad", "\t"];
  let seed = 20260501;
  const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)]!;
  const group = (r: string) => pick([r, `(${r})`, `(?:${r})`, `(?i:${r})`, `(?s:${r})`, `(?m:${r})`, `(?U:${r})`, `(?P<g>${r})`, `${r}|${pattern(0)}`]);
  function pattern(depth: number): string {
    let out = pick(["", "", "(?i)", "(?s)", "(?m)", "(?U)"]);
    for (let i = 0, n = 1 + Math.floor(random() * 4); i < n; i++) {
      const atom = depth > 0 && random() < 0.3 ? group(pattern(depth - 1)) : pick(ATOMS);
      out += atom + (random() < 0.4 ? pick(["*", "+", "?", "{2}", "{1,3}", "*?", "+?"]) : "");
    }
    return out;
  }

  it("agrees with re2js on 800 random patterns × 25 strings", () => {
    let compared = 0;
    const disagreements: string[] = [];
    for (let i = 0; i < 800; i++) {
      const source = pattern(2);
      let re2: RE2JS;
      try {
        re2 = RE2JS.compile(source);
      } catch {
        continue; // e.g. a duplicate group name: refused by both
      }
      const t = translateRe2(source);
      if (!t.ok) continue;
      const js = new RegExp(`^(?:${t.js})$`, t.ignoreCase ? "iu" : "u");
      for (let j = 0; j < 25; j++) {
        let text = "";
        for (let k = Math.floor(random() * 5); k > 0; k--) text += pick(ALPHABET);
        compared++;
        if (re2.matches(text) !== js.test(text)) disagreements.push(`${JSON.stringify(source)} on ${JSON.stringify(text)}`);
      }
    }
    expect(compared).toBeGreaterThan(15_000);
    expect(disagreements).toEqual([]);
  });
});
