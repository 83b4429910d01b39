// `npm run check -- <file>` and the build's `compile`, as a user runs them.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const dir = mkdtempSync(join(tmpdir(), "edge-mirror-cli-"));

function cli(...args: string[]) {
  const run = spawnSync(process.execPath, ["--import", "tsx", "src/config/cli.ts", ...args], { encoding: "utf8" });
  return { code: run.status, stderr: run.stderr };
}

describe("check", () => {
  it("exits 0 on a valid file and says what it found", () => {
    const { code, stderr } = cli("check", "routes.yaml");
    expect(code).toBe(0);
    expect(stderr).toContain("routes.yaml is valid (1 VirtualService(s), 1 route(s), 1 mirror(s))");
  });

  it("exits 1 on errors, printing each with position and fix, and no stack trace", () => {
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, readFileSync("routes.yaml", "utf8").replace("mirrorPercentage:", "mirorPercentage:").replace("subset: v2\n    mirror", "subset: v9\n    mirror"));
    const { code, stderr } = cli("check", bad);
    expect(code).toBe(1);
    expect(stderr).toMatch(/bad\.yaml:22:5 error: VirtualService httpbin: spec\.http\[0\]\.mirorPercentage: unknown field "mirorPercentage"\n {4}fix: did you mean "mirrorPercentage"\?/);
    expect(stderr).toContain("1 error(s); nothing was built");
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it("exits 1 with a clear message for a missing file", () => {
    const { code, stderr } = cli("check", join(dir, "missing.yaml"));
    expect(code).toBe(1);
    expect(stderr).toContain("missing.yaml: no such file");
  });

  it("exits 2 with usage when called wrongly", () => {
    expect(cli("frobnicate").code).toBe(2);
  });
});

describe("compile", () => {
  it("writes the route table where --out says", () => {
    const out = join(dir, "routes.json");
    expect(cli("compile", "routes.yaml", "--out", out).code).toBe(0);
    expect(JSON.parse(readFileSync(out, "utf8"))).toMatchObject({ version: 1, source: "routes.yaml" });
  });
});
