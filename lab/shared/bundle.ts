// The ways the lab (and the tests) build the worker:
//   bundleApp           src/app.ts with a compiled route table inlined, bundled by
//                       esbuild as wrangler does (one ES module for workerd), in memory;
//   bundleWorker        src/index.ts itself (its Durable Object classes too), the table
//                       in place of generated/routes.json, optionally minified and with
//                       modules swapped out (WITHOUT_DASHBOARD: the admin surface), in memory;
//   bundleEntry         another tree's entry (an older commit's src/index.ts, its own
//                       generated/routes.json beside it) bundled exactly as
//                       bundleWorker bundles ours, for before/after comparisons;
//   buildDeployBundle   exactly `npm run bundle` (`wrangler deploy --dry-run`, whose
//                       [build] compiles the routes file), from a copy of the project
//                       in a temp dir, so the shared generated/routes.json is never
//                       rewritten under anyone.
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, readdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { build, type BuildOptions } from "esbuild";
import type { RouteTable } from "../../src/routing/table";
import { ROOT } from "./root";

/** The esbuild settings every worker bundle here shares (wrangler's, for workerd). */
const WORKER_BUILD = {
  bundle: true,
  format: "esm",
  platform: "neutral",
  conditions: ["workerd", "worker", "browser"],
  mainFields: ["module", "main"],
  target: "es2022",
  // The runtime's own modules (Durable Object base classes) are provided by workerd.
  external: ["cloudflare:*"],
  write: false,
  logLevel: "silent",
} satisfies BuildOptions;

/**
 * One ES module serving createApp(table), exporting the Durable Object classes
 * wrangler.toml binds (as src/index.ts does), for runtimes that bind them.
 */
export async function bundleApp(table: RouteTable): Promise<string> {
  const entry =
    `import { createApp } from "./src/app.ts";\nexport default createApp(${JSON.stringify(table)});\n` +
    `export { CompareStore } from "./src/observe/compare-store.ts";\n` +
    `export { AdminGuard } from "./src/admin/guard.ts";\n`;
  const result = await build({
    ...WORKER_BUILD,
    stdin: { contents: entry, resolveDir: ROOT, loader: "ts", sourcefile: "lab-entry.ts" },
  });
  const out = result.outputFiles[0];
  if (!out) throw new Error("esbuild wrote no bundle");
  return out.text;
}

export interface DeployBundle {
  /** the bundle's .js file */
  path: string;
  /** its name in wrangler's outdir */
  file: string;
  /** wrangler's "Total Upload: …" figure */
  wranglerSummary?: string;
}

/** Files of the project wrangler needs to build the worker. */
const PROJECT_FILES = ["src", "wrangler.toml", "package.json", "tsconfig.json"];

/** `wrangler deploy --dry-run --outdir` in `tmp`, compiling `routesFile` (EDGE_MIRROR_ROUTES). */
export function buildDeployBundle({ tmp, routesFile }: { tmp: string; routesFile: string }): DeployBundle {
  const proj = join(tmp, "project-src");
  mkdirSync(proj, { recursive: true });
  for (const f of PROJECT_FILES) cpSync(join(ROOT, f), join(proj, f), { recursive: true });
  symlinkSync(join(ROOT, "node_modules"), join(proj, "node_modules"), "dir");
  const outdir = join(tmp, "dist");
  const r = spawnSync(join(ROOT, "node_modules", ".bin", "wrangler"), ["deploy", "--dry-run", "--outdir", outdir], {
    cwd: proj,
    encoding: "utf8",
    env: { ...process.env, EDGE_MIRROR_ROUTES: routesFile, WRANGLER_SEND_METRICS: "false", CI: "1", NO_COLOR: "1" },
  });
  const output = `${r.stdout ?? ""}${r.stderr ?? ""}`;
  if (r.status !== 0) throw new Error(`wrangler deploy --dry-run failed:\n${output.slice(-3000)}`);
  const js = readdirSync(outdir).filter((f) => f.endsWith(".js"));
  if (js.length !== 1 || !js[0]) throw new Error(`expected one .js in the bundle, found: ${js.join(", ") || "none"}`);
  return { path: join(outdir, js[0]), file: js[0], wranglerSummary: /Total Upload: ([^\n]+)/.exec(output)?.[1]?.trim() };
}

export interface BundleOptions {
  /** as wrangler.toml's minify = true (the lab measures the deployed shape) */
  minify?: boolean;
  /** modules replaced by source text, by a path pattern: the lab's "without this" builds */
  replace?: { filter: RegExp; contents: string }[];
}


/** src/index.ts as one ES module, with `table` where the build's generated/routes.json would be. */
export async function bundleWorker(table: RouteTable, { minify = false, replace = [] }: BundleOptions = {}): Promise<string> {
  return bundleEntry(join(ROOT, "src", "index.ts"), {
    minify,
    plugins: [
      {
        name: "route-table",
        setup(b) {
          b.onResolve({ filter: /generated\/routes\.json$/ }, () => ({ path: "routes.json", namespace: "route-table" }));
          b.onLoad({ filter: /.*/, namespace: "route-table" }, () => ({ contents: JSON.stringify(table), loader: "json" }));
          replace.forEach(({ filter }, i) => b.onResolve({ filter }, () => ({ path: String(i), namespace: "replaced" })));
          b.onLoad({ filter: /.*/, namespace: "replaced" }, (a) => ({ contents: replace[Number(a.path)]!.contents, loader: "ts", resolveDir: join(ROOT, "src") }));
        },
      },
    ],
  });
}

/** Any worker entry as one ES module, with the settings bundleWorker uses; its imports resolve from where it is. */
export async function bundleEntry(entry: string, { minify = false, plugins = [] }: { minify?: boolean; plugins?: BuildOptions["plugins"] } = {}): Promise<string> {
  const result = await build({ ...WORKER_BUILD, entryPoints: [entry], minify, plugins });
  const out = result.outputFiles[0];
  if (!out) throw new Error("esbuild wrote no bundle");
  return out.text;
}

/**
 * The worker without its admin surface (src/admin/admin.ts: the dashboard of issue 12,
 * sign-in, the pause switch's and the report's APIs, all one module since issue 18):
 * what the proxy alone costs (scripts/check-bundle.ts, lab/bench/dashboard-ab.ts).
 * The Durable Object classes stay: wrangler.toml binds them.
 */
export const WITHOUT_DASHBOARD = {
  filter: /admin\/admin$/,
  contents: 'export async function handleAdmin(): Promise<Response> { return new Response("not found\\n", { status: 404 }); }',
};
