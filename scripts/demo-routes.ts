// `npm start`'s routes file, served so that a broken edit is told, not hung on.
//
// wrangler dev compiles the file $EDGE_MIRROR_ROUTES names when its [build] runs (on
// start, and on every save of routes.yaml, which it watches). The demo points it at a
// temp file it keeps in step with the user's file (plus scripts/demo-compare.yaml, when
// given), and compiles each version itself first, in this process:
//   - valid: the temp file is the user's text (+ the policy), and the worker serves it;
//   - errors: they are reported against the file the user edited (routes.yaml:22:5, or
//     scripts/demo-compare.yaml:14:3 for a line of the appended policy), and the temp
//     file becomes a stand-in whose one route answers every request 503 with those
//     errors in the body. wrangler's build succeeds, so wrangler neither dumps its error
//     object nor holds requests until the file is fixed (it used to, for ten minutes).
// Fixing the file serves it again on the next save.
import { mkdtempSync, readFileSync, rmSync, unwatchFile, watchFile, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileRoutes } from "../src/config/compile";
import { formatProblem, type ConfigProblem } from "../src/config/errors";
import type { RouteTable } from "../src/routing/table";

export interface ServeRoutesOptions {
  /** the routes file the user edits */
  routes: string;
  /** how messages name it (routes.yaml); `routes` by default */
  shownAs?: string;
  /** a file appended after `---` (the demo's MirrorPolicy), named in messages as given */
  append?: string;
  /** called after each save that changed what is served (not for the first version) */
  onChange?: (state: ServedState) => void;
  /** how often the user's file is looked at (ms) */
  pollMs?: number;
}

export interface ServedState {
  /** whether the user's file compiled; when not, every request is answered 503 */
  valid: boolean;
  /** the errors, as `check` prints them, against the files the user knows */
  errors: string[];
  /** VirtualServices, routes and mirrors, when valid */
  summary?: string;
}

export interface ServedRoutes {
  /** the file wrangler dev compiles (EDGE_MIRROR_ROUTES) */
  file: string;
  state(): ServedState;
  stop(): void;
}

/** The status of every answer while the routes file has errors: the service is not there yet, and says why. */
export const BROKEN_STATUS = 503;

export function serveRoutes({ routes, shownAs = routes, append, onChange, pollMs = 100 }: ServeRoutesOptions): ServedRoutes {
  const dir = mkdtempSync(join(tmpdir(), "edge-mirror-demo-"));
  const file = join(dir, "routes.demo.yaml");
  let state: ServedState = { valid: false, errors: [] };
  let written: string | undefined;

  const update = (notify: boolean) => {
    const next = compileServed(routes, shownAs, append);
    if (next.text === written) return;
    writeFileSync(file, next.text);
    written = next.text;
    state = next.state;
    if (notify) onChange?.(state);
  };
  update(false);
  const listener = () => update(true);
  watchFile(routes, { interval: pollMs }, listener);
  return {
    file,
    state: () => state,
    stop() {
      unwatchFile(routes, listener);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What to serve for the user's file as it is now: its text, or the stand-in that answers 503. */
export function compileServed(routes: string, shownAs: string, append?: string): { text: string; state: ServedState } {
  let own: string;
  try {
    own = readFileSync(routes, "utf8");
  } catch (e) {
    // An editor may remove the file for an instant while saving; the next save serves it.
    const errors = [`${shownAs}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`];
    return { text: standIn(shownAs, errors), state: { valid: false, errors } };
  }
  const extra = append === undefined ? undefined : readFileSync(append, "utf8");
  const text = extra === undefined ? own : `${own.trimEnd()}\n---\n${extra}`;
  // The appended policy starts two lines after the user's text: its own line 1 is line ownLines + 2.
  const ownLines = own.trimEnd().split("\n").length;
  const { table, problems } = compileRoutes(text, shownAs);
  if (table) return { text, state: { valid: true, errors: [], summary: summary(table) } };
  const located = problems
    .filter((p) => p.severity === "error")
    .map((p): ConfigProblem => (append !== undefined && p.line > ownLines + 1 ? { ...p, file: append, line: p.line - ownLines - 1 } : p));
  // The policy's errors while the user's file has its own are their consequence ("no VirtualService
  // named httpbin" after a syntax error): only the user's file's are shown then.
  const inOwnFile = located.filter((p) => p.file === shownAs);
  const errors = (inOwnFile.length > 0 ? inOwnFile : located).sort((a, b) => a.line - b.line || a.col - b.col).map(formatProblem);
  return { text: standIn(shownAs, errors), state: { valid: false, errors } };
}

/**
 * A routes file whose one route answers every host 503, with the errors in the body
 * (Istio's directResponse; a wildcard host needs a Gateway). The worker's own paths
 * (the dashboard, the report) still work.
 */
function standIn(shownAs: string, errors: string[]): string {
  const count = errors.length === 1 ? "an error" : `${errors.length} errors`;
  const body =
    `edge-mirror demo: ${shownAs} has ${count}, so the worker answers ${BROKEN_STATUS} to every request until it is fixed.\n` +
    `Save the corrected file and it is served again within seconds.\n\n${errors.join("\n")}\n`;
  return [
    "apiVersion: networking.istio.io/v1",
    "kind: Gateway",
    "metadata: {name: edge-mirror-demo}",
    "spec:",
    "  servers:",
    '  - {port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}',
    "---",
    "apiVersion: networking.istio.io/v1",
    "kind: VirtualService",
    "metadata: {name: routes-file-has-errors}",
    "spec:",
    '  hosts: ["*"]',
    "  gateways: [edge-mirror-demo]",
    "  http:",
    // JSON is YAML: the errors travel as one double-quoted scalar, escapes and all.
    `  - directResponse: {status: ${BROKEN_STATUS}, body: {string: ${JSON.stringify(body.slice(0, 64 * 1024))}}}`,
    "",
  ].join("\n");
}

function summary(table: RouteTable): string {
  const routes = table.virtualHosts.flatMap((v) => v.routes);
  const mirrors = routes.reduce((n, r) => n + r.mirrors.length, 0);
  return `${table.virtualHosts.length} virtual host(s), ${routes.length} route(s), ${mirrors} mirror(s)`;
}
