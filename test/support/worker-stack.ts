// The worker as deployed — src/index.ts, its Durable Object classes and the bindings
// wrangler.toml declares — bundled with a test's route table in place of
// generated/routes.json (lab/shared/bundle.ts bundleWorker), and served by workerd
// (Miniflare's Node API) on a real socket, in front of recording origins. For the dashboard's browser tests: the
// pages, the pause switch and the comparison counts all run for real.
import { Miniflare } from "miniflare";
import { unstable_readConfig } from "wrangler";
import type { RouteTable } from "../../src/routing/table";
import { bundleWorker } from "../../lab/shared/bundle";
import { compatibilityDate } from "../../devkit/compatibility-date";
import { freePort } from "../../devkit/loopback";
import { ROOT } from "../../devkit/wrangler-dev";

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
