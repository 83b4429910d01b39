// The worker as it was at an earlier commit, for before/after benchmarks
// (lab/bench/before-after.ts): that commit checked out in a temporary git worktree
// (this tree's node_modules linked in), a routes file compiled by that commit's own
// compiler (the table format changes between commits), and its src/index.ts bundled
// as bundleEntry bundles every worker here. The worktree is removed afterwards.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bundleEntry } from "./bundle";
import { ROOT } from "./root";

/** Runs a command in the repository; its stdout, trimmed; throws with its output when it fails. */
export function runInRepo(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed:\n${`${r.stdout ?? ""}${r.stderr ?? ""}`.trim()}`);
  return r.stdout.trim();
}

/** The worker at `ref` as one ES module, serving `routesYaml` compiled by that commit's own compile CLI (`src/tools/compile-cli.ts`, before 2026-12-07 `src/config/cli.ts`). */
export async function bundleAt(ref: string, routesYaml: string, { minify = false }: { minify?: boolean } = {}): Promise<string> {
  const tmp = mkdtempSync(join(tmpdir(), "edge-mirror-at-"));
  const tree = join(tmp, "tree");
  runInRepo("git", ["worktree", "add", "--detach", tree, ref]);
  try {
    symlinkSync(join(ROOT, "node_modules"), join(tree, "node_modules"), "dir");
    const routesFile = join(tmp, "routes.yaml");
    writeFileSync(routesFile, routesYaml);
    // That tree's CLI (`compile [routes.yaml] [--out file]` since the first commits) under this tree's tsx.
    runInRepo(process.execPath, [join(ROOT, "node_modules", "tsx", "dist", "cli.mjs"), compileCli(tree), "compile", routesFile, "--out", join(tree, "generated", "routes.json")]);
    return await bundleEntry(join(tree, "src", "index.ts"), { minify });
  } finally {
    // The link first, so removing the worktree cannot reach the shared node_modules.
    try {
      unlinkSync(join(tree, "node_modules"));
    } catch {}
    runInRepo("git", ["worktree", "remove", "--force", tree]);
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** The compile CLI of a checked-out tree: src/tools/compile-cli.ts since 2026-12-07, src/config/cli.ts before. */
function compileCli(tree: string): string {
  const now = join(tree, "src", "tools", "compile-cli.ts");
  return existsSync(now) ? now : join(tree, "src", "config", "cli.ts");
}
