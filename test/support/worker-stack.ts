// The worker as deployed — src/index.ts, its Durable Object classes and the bindings
// wrangler.toml declares — bundled by esbuild with a test's route table in place of
// generated/routes.json, and served by workerd (Miniflare's Node API) on a real
// socket, in front of recording origins. For the dashboard's browser tests: the
// pages, the pause switch and the comparison counts all run for real.
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { unstable_readConfig } from "wrangler";
import type { RouteTable } from "../../src/routing/table";
import { compatibilityDate } from "./compatibility-date";
import { freePort } from "./loopback";
import { ROOT } from "./wrangler-dev";

/** src/index.ts as one ES module, with `table` where the build's generated/routes.json would be. */
export async function bundleWorker(table: RouteTable): Promise<string> {
  const result = await build({
    entryPoints: [`${ROOT}src/index.ts`],
    bundle: true,
    format: "esm",
    platform: "neutral",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    target: "es2022",
    external: ["cloudflare:*"],
    write: false,
    logLevel: "silent",
    plugins: [
      {
        name: "route-table",
        setup(b) {
          b.onResolve({ filter: /generated\/routes\.json$/ }, () => ({ path: "routes.json", namespace: "route-table" }));
          b.onLoad({ filter: /.*/, namespace: "route-table" }, () => ({ contents: JSON.stringify(table), loader: "json" }));
        },
      },
    ],
  });
  const out = result.outputFiles[0];
  if (!out) throw new Error("esbuild wrote no bundle");
  return out.text;
}

/** wrangler.toml's Durable Object bindings, SQLite-backed where its migrations say so. */
function durableObjects(): Record<string, { className: string; useSQLite: boolean }> {
  const config = unstable_readConfig({ config: `${ROOT}wrangler.toml` }, { hideWarnings: true } as never) as {
    migrations: { new_sqlite_classes?: string[] }[];
    durable_objects: { bindings: { name: string; class_name: string }[] };
  };
  const sqlite = new Set(config.migrations.flatMap((m) => m.new_sqlite_classes ?? []));
  return Object.fromEntries(config.durable_objects.bindings.map((b) => [b.name, { className: b.class_name, useSQLite: sqlite.has(b.class_name) }]));
}

export interface WorkerStack {
  port: number;
  url: string;
  /** the worker's JSON log lines, parsed */
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}

export async function startWorker(table: RouteTable, bindings: Record<string, string>): Promise<WorkerStack> {
  const port = await freePort();
  const logs: Record<string, unknown>[] = [];
  const mf = new Miniflare({
    modules: true,
    script: await bundleWorker(table),
    compatibilityDate: compatibilityDate(),
    durableObjects: durableObjects(),
    bindings,
    host: "127.0.0.1",
    port,
    handleRuntimeStdio(out, err) {
      out.on("data", (chunk: Buffer) => {
        for (const line of chunk.toString("utf8").split("\n")) {
          if (line.startsWith("{")) {
            try {
              logs.push(JSON.parse(line));
            } catch {}
          }
        }
      });
      err.resume();
    },
  });
  await mf.ready;
  return { port, url: `http://127.0.0.1:${port}`, logs, close: () => mf.dispose() };
}
