// `npm run check -- <file>` and the build's `compile`, as a user runs them.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const dir = mkdtempSync(join(tmpdir(), "edge-mirror-cli-"));

function cli(...args: string[]) {
  const run = spawnSync(process.execPath, ["--import", "tsx", "src/config/cli.ts", ...args], { encoding: "utf8" });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
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

  it("exits 2 (an I/O error, as documented) with a clear message for a missing file", () => {
    const { code, stderr } = cli("check", join(dir, "missing.yaml"));
    expect(code).toBe(2);
    expect(stderr).toContain("missing.yaml: no such file");
    expect(stderr).toContain("fix: create it");
  });

  it("checks every file it is given and exits with the worst result", () => {
    const { code, stderr } = cli("check", join(dir, "missing.yaml"), "routes.yaml");
    expect(code).toBe(2);
    expect(stderr).toContain("missing.yaml: no such file");
    expect(stderr).toContain("routes.yaml is valid");
  });

  it.each([["an unknown command", ["frobnicate"], 'unknown command "frobnicate"'], ["check without a file", ["check"], "check needs at least one routes file"], ["an unknown option", ["check", "--frob", "routes.yaml"], "Unknown option '--frob'"], ["--out without a value", ["compile", "--out"], "--out"]])(
    "exits 2 with usage on %s",
    (_, args, message) => {
      const { code, stderr } = cli(...args);
      expect(code).toBe(2);
      expect(stderr).toContain(message);
      expect(stderr).toContain("usage: tsx src/config/cli.ts compile");
      expect(stderr).not.toMatch(/\n\s+at /);
    },
  );

  it("prints the usage on stdout and exits 0 for --help", () => {
    const { code, stdout } = cli("--help");
    expect(code).toBe(0);
    expect(stdout).toContain("usage: tsx src/config/cli.ts compile");
  });
});

describe("compile", () => {
  it("writes the route table where --out says", () => {
    const out = join(dir, "routes.json");
    expect(cli("compile", "routes.yaml", "--out", out).code).toBe(0);
    expect(JSON.parse(readFileSync(out, "utf8"))).toMatchObject({ version: 1, source: "routes.yaml" });
  });

  it("exits 2 with a clear message when the output cannot be written", () => {
    const blocker = join(dir, "a-file");
    writeFileSync(blocker, "");
    const { code, stderr } = cli("compile", "routes.yaml", "--out", join(blocker, "routes.json"));
    expect(code).toBe(2);
    expect(stderr).toMatch(/cannot write .*a-file\/routes\.json: /);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it("exits 1 and writes nothing when the routes file has errors", () => {
    const bad = join(dir, "bad-compile.yaml");
    writeFileSync(bad, "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: x}\nspec: {hosts: [x]}\n");
    const out = join(dir, "never.json");
    const { code, stderr } = cli("compile", bad, "--out", out);
    expect(code).toBe(1);
    expect(stderr).toContain("nothing was built");
    expect(existsSync(out)).toBe(false);
  });
});
