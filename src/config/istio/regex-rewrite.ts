// rewrite.uriRegexRewrite (Istio RegexRewrite → Envoy regex_rewrite): the RE2 pattern,
// translated for the worker like every regex (re2.ts), and the substitution as RE2's
// GlobalReplace reads it — `\0`–`\9` name groups, `\\` is a backslash, any other
// backslash is an error (RE2::CheckRewriteString) — checked against the group count.
import type { Field } from "../field";
import { readRegex } from "../string-match";
import { translateRe2 } from "../re2";
import type { Rewrite } from "../../routing/table";

export function readRegexRewrite(f: Field, match: string, rewrite: string): Rewrite["uriRegex"] | undefined {
  // Paths never hold \r, U+2028 or U+2029 (re2.ts plainInput).
  const regex = readRegex(f.get("match"), match, { plainInput: true });
  if (!regex) return undefined;
  const t = translateRe2(match, { plainInput: true });
  const groups = t.ok ? t.groups : 0;
  for (const m of rewrite.matchAll(/\\(.?)/g)) {
    const next = m[1]!;
    if (next === "\\") continue;
    if (!/^\d$/.test(next)) {
      f.get("rewrite").error(`${JSON.stringify(rewrite)} has ${next ? `"\\${next}"` : "a trailing \\"}: RE2 rewrites know only \\0–\\9 (groups) and \\\\ (a backslash)`, "write \\\\ for a literal backslash");
      return undefined;
    }
    if (Number(next) > groups) {
      f.get("rewrite").error(`${JSON.stringify(rewrite)} uses group \\${next}, but the pattern has ${groups} group${groups === 1 ? "" : "s"} (RE2 refuses it)`, "add the (group) to match, or use a group the pattern has");
      return undefined;
    }
  }
  const out: NonNullable<Rewrite["uriRegex"]> = { match, rewrite };
  if (regex.js !== undefined) out.js = regex.js;
  if (regex.ignoreCase) out.ignoreCase = true;
  return out;
}
