// The one check of a worker bundle, for CI (scripts/check-bundle.ts) and the bench:
// the YAML parser must not be in it (routes.yaml is compiled at build time, the
// worker imports only the JSON) and it must stay within the budgets below. The parser
// is found by its identifiers and, when a source map sits next to the bundle, by
// its files.
import { existsSync, readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

/**
 * The proxy's budget: the worker without its admin surface (scripts/check-bundle.ts
 * builds that too). 25 KiB until capture (issue 20: the capture path in src/capture/)
 * added 2.6 KiB gzipped to it on 2026-12-07 (`npm run bundle` against main ae953e9:
 * 23.0 → 25.6 KiB; the captures API adds 1.9 KiB to the admin surface, 17.8 → 19.7).
 * Capture code runs only on captured requests, but is parsed with the rest.
 * Then 28 KiB: the storage bounds (bounded log lines, byte limits in the tally, +0.5 KiB)
 * and W3C trace context on the shadow (+0.8 KiB) took it past 26 the same day.
 * Then 29 KiB: the route page's history (issue 21 item 6) is counted where the rest of
 * the tally is, by every isolate and the route's Durable Object, both in this build:
 * shadows, errors, skips and the shift per minute (tally.ts addShadow/addCompared),
 * the hourly roll-up and its rows (timeline.ts pruneTimeline/setKey, compare-store.ts),
 * the latest-examples rule, example row ids and the curl's two fields: 28,638 → 29,270 B
 * (+632 B) on 2026-12-07 (`npm run bundle` after rebasing on main 070349f).
 * Then 30 KiB: verdicts per endpoint (issue 21 item 2) template each compared request's
 * path and count it per endpoint where the comparison is counted, in the isolate and the
 * route's Durable Object (src/compare/endpoint.ts, endpoint-tally.ts, the store's
 * endpoints rows; compared requests only): 29,657 → 30,539 B (+882 B) on main 45213e0
 * (2026-12-07, the minified proxy build scripts/check-bundle.ts makes).
 */
export const BUNDLE_LIMIT_BYTES = 30 * 1024;
/**
 * The admin surface (src/admin/admin.ts and what only it reaches): the dashboard
 * (src/dashboard/, hono/jsx, two pages, styles and charts), the report, pause-switch
 * and captures APIs, sign-in with its AdminGuard Durable Object and session epochs.
 * It adds nothing to a proxied request's work (lab/bench/DASHBOARD.md); only to the
 * upload. 15 KiB until 2026-12-07, when the one admin module (issue 17/18: the guard,
 * sessions, one bearer check) and the captures API (issue 20) took it from 13.9 to
 * 19.7 KiB gzipped (`npm run bundle`). Then 22 KiB: the paired latency shift's
 * statistics (src/compare/latency-shift.ts, run only when a report is built) and
 * GET /__edge-mirror/metrics (src/admin/metrics.ts) took it from 19.7 to 21.9 KiB on
 * 2026-12-07 (issue 21; the proxy 26.9 → 27.0 KiB). Then 22.5 KiB: "where" (issue 21
 * item 3: src/compare/where-report.ts and the route page's Where card) took it from
 * 22,397 to 23,002 B (+605 B) against main 5ddcee3 (`npm run bundle`); its recording
 * side (src/compare/where.ts, the store's rows) added 922 B to the proxy, 27,716 →
 * 28,638 B, inside the 28 KiB. Then 26 KiB: the route page's history
 * (src/dashboard/history.tsx: range picker, three charts, field sparklines), the
 * example page with copy-as-curl, the reset confirmation and the verdict reasons
 * took it from 23,002 to 26,754 B (+3,752 B) on 2026-12-07 (issue 21 item 6, `npm
 * run bundle` after rebasing on main 070349f): 26.5 KiB. Then 27.5 KiB: verdicts per
 * endpoint (issue 21 item 2: src/compare/endpoint-report.ts, the edge_mirror_endpoint_*
 * metric families, the route page's endpoints table) took it from 26,777 to 27,666 B
 * (+889 B) on main 45213e0 (2026-12-07: the dry run's gzip less the minified proxy
 * build's, as check-bundle reports it).
 * The whole bundle may be this much larger than the proxy's budget.
 */
export const DASHBOARD_BYTES = 27.5 * 1024;
/** Identifiers of the `yaml` package (wrangler.toml does not minify, so they survive bundling). */
const YAML_MARKERS = ["parseAllDocuments", "YAMLMap", "YAMLSeq", "YAMLParseError", "LineCounter"];

export interface BundleCheck {
  file: string;
  rawBytes: number;
  gzipBytes: number;
  /** YAML parser identifiers found in the code */
  yamlMarkers: string[];
  /** files of the yaml package named by the source map */
  yamlSources: string[];
  /** files of the build-time compiler (src/config) named by the source map */
  compilerSources: string[];
  /** every source the map names, relative */
  sources: string[];
  /** what is wrong, one sentence each; empty when the bundle passes */
  problems: string[];
}

/** `limitBytes`: the whole deploy bundle's limit by default (the proxy's budget plus the dashboard's). */
export function checkBundle(file: string, limitBytes = BUNDLE_LIMIT_BYTES + DASHBOARD_BYTES): BundleCheck {
  const code = readFileSync(file);
  const text = code.toString("utf8");
  const gzipBytes = gzipSync(code, { level: 9 }).length;
  const yamlMarkers = YAML_MARKERS.filter((m) => text.includes(m));
  let sources: string[] = [];
  if (existsSync(`${file}.map`)) {
    try {
      sources = (JSON.parse(readFileSync(`${file}.map`, "utf8")) as { sources?: string[] }).sources ?? [];
    } catch {}
  }
  const yamlSources = sources.filter((s) => /node_modules\/yaml\//.test(s));
  const compilerSources = sources.filter((s) => /src\/config\//.test(s));
  const problems: string[] = [];
  if (yamlMarkers.length > 0 || yamlSources.length > 0) {
    const found = [...yamlMarkers, ...yamlSources].join(", ");
    problems.push(`the YAML parser is in the bundle (found ${found}): src/index.ts must import only generated/routes.json`);
  }
  if (gzipBytes > limitBytes) problems.push(`the bundle is over ${limitBytes / 1024} KiB gzipped`);
  return {
    file,
    rawBytes: code.length,
    gzipBytes,
    yamlMarkers,
    yamlSources,
    compilerSources,
    sources: sources.map((s) => s.replace(/^(\.\.\/)+/, "")),
    problems,
  };
}
