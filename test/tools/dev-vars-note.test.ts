// `npm run dev` (scripts/dev-vars-note.ts, then wrangler dev): without an admin token
// /__edge-mirror/ answers a bare 404 by design, so the developer is told why, and how
// to set one, before wrangler starts.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { hasLocalAdminToken, NOTE } from "../../scripts/dev-vars-note";

// Run from a directory outside the project: tsx by its path, not by its name.
const NOTE_SCRIPT = ["--import", pathToFileURL(resolve("node_modules/tsx/dist/loader.mjs")).href, resolve("scripts/dev-vars-note.ts")];
const fresh = () => mkdtempSync(join(tmpdir(), "edge-mirror-dev-vars-"));

describe("npm run dev's note about the admin token", () => {
  it("finds the token in .dev.vars, in .env without a .dev.vars, or in the environment", () => {
    const none = fresh();
    expect(hasLocalAdminToken(none, {})).toBe(false);
    expect(hasLocalAdminToken(none, { EDGE_MIRROR_ADMIN_TOKEN: "t" })).toBe(true);
    const devVars = fresh();
    writeFileSync(join(devVars, ".dev.vars"), "OTHER=1\nEDGE_MIRROR_ADMIN_TOKEN=secret\n");
    expect(hasLocalAdminToken(devVars, {})).toBe(true);
    const dotEnv = fresh();
    writeFileSync(join(dotEnv, ".env"), "EDGE_MIRROR_ADMIN_TOKEN = secret\n");
    expect(hasLocalAdminToken(dotEnv, {})).toBe(true);
    const empty = fresh();
    writeFileSync(join(empty, ".dev.vars"), "EDGE_MIRROR_ADMIN_TOKEN=\n");
    expect(hasLocalAdminToken(empty, {})).toBe(false);
  });

  it("is printed on stderr (exit 0, so wrangler dev still starts) in a directory without a token", () => {
    const dir = fresh();
    const env = { ...process.env };
    delete env.EDGE_MIRROR_ADMIN_TOKEN;
    const run = spawnSync(process.execPath, NOTE_SCRIPT, { cwd: dir, encoding: "utf8", env });
    expect(run.status).toBe(0);
    expect(run.stderr.trim()).toBe(NOTE);
    expect(NOTE).toContain("echo 'EDGE_MIRROR_ADMIN_TOKEN=");
    writeFileSync(join(dir, ".dev.vars"), "EDGE_MIRROR_ADMIN_TOKEN=secret\n");
    expect(spawnSync(process.execPath, NOTE_SCRIPT, { cwd: dir, encoding: "utf8", env }).stderr).toBe("");
  });
});
