// `npm run check:links` (and the first step of `npm test`): every relative link in
// README.md and docs/*.md must name a file or directory that exists in the
// repository, and every `#anchor` must be a heading of the target Markdown file
// (GitHub's slug rule: lower-cased, punctuation but `-` and `_` dropped, spaces to
// `-`, repeats numbered `-1`, `-2`). Offline and fast: it reads only those files.
// Links to other sites (`scheme:`) are not followed; exit 1 lists each broken link
// as file:line.
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const root = resolve(dirname(new URL(import.meta.url).pathname), "..");
const args = process.argv.slice(2);
const files =
  args.length > 0
    ? args.map((f) => resolve(f))
    : [join(root, "README.md"), ...readdirSync(join(root, "docs")).filter((f) => f.endsWith(".md")).map((f) => join(root, "docs", f))];

/** GitHub's heading anchors for one Markdown file (code fences skipped). */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  let fence = false;
  for (const line of markdown.split("\n")) {
    if (/^\s*(```|~~~)/.test(line)) fence = !fence;
    if (fence) continue;
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const text = m[1]!
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1") // links keep their text
      .replace(/<[^>]+>/g, "");
    const base = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** Inline links and images `[text](target)` outside code fences and code spans, with their line numbers. */
export function links(markdown: string): { target: string; line: number }[] {
  const out: { target: string; line: number }[] = [];
  let fence = false;
  markdown.split("\n").forEach((raw, i) => {
    if (/^\s*(```|~~~)/.test(raw)) {
      fence = !fence;
      return;
    }
    if (fence) return;
    const line = raw.replace(/`[^`]*`/g, "``");
    for (const m of line.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) out.push({ target: m[1]!, line: i + 1 });
  });
  return out;
}

const cache = new Map<string, Set<string>>();
const problems: string[] = [];
let checked = 0;
for (const file of files) {
  const text = readFileSync(file, "utf8");
  for (const { target, line } of links(text)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // another site or mailto:
    checked++;
    const [path, anchor] = target.split("#", 2) as [string, string | undefined];
    const dest = path === "" ? file : resolve(dirname(file), decodeURIComponent(path));
    const where = `${relative(root, file)}:${line}`;
    if (!existsSync(dest)) {
      problems.push(`${where}: ${target}: no such file`);
      continue;
    }
    if (anchor === undefined || anchor === "") continue;
    if (statSync(dest).isDirectory() || !dest.endsWith(".md")) {
      if (!/^L\d+(-L\d+)?$/.test(anchor)) problems.push(`${where}: ${target}: an anchor into a file that is not Markdown`);
      continue;
    }
    let set = cache.get(dest);
    if (!set) cache.set(dest, (set = anchors(readFileSync(dest, "utf8"))));
    if (!set.has(decodeURIComponent(anchor).toLowerCase())) problems.push(`${where}: ${target}: no heading "#${anchor}" in ${relative(root, dest)}`);
  }
}
for (const p of problems) console.error(p);
if (problems.length > 0) {
  console.error(`check-links: ${problems.length} broken of ${checked} relative links in ${files.length} files`);
  process.exitCode = 1;
} else console.log(`check-links: ${checked} relative links in ${files.length} files resolve`);
