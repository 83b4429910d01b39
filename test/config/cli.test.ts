// `npm run check -- <file>` and the build's `compile`, as a user runs them.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const dir = mkdtempSync(join(tmpdir(), "edge-mirror-cli-"));

function cli(...args: string[]) {
  const run = spawnSync(process.execPath, ["--import", "tsx", "src/tools/compile-cli.ts", ...args], { encoding: "utf8" });
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
    expect(stderr).toContain("fix: check the path, or create the file");
  });

  it("exits 2 on a directory, naming the routes files in it instead of saying \"create it\"", () => {
    const routesDir = mkdtempSync(join(tmpdir(), "edge-mirror-cli-dir-"));
    writeFileSync(join(routesDir, "routes.yaml"), readFileSync("routes.yaml", "utf8"));
    const { code, stderr } = cli("check", routesDir);
    expect(code).toBe(2);
    expect(stderr).toBe(`edge-mirror: cannot read ${routesDir}: is a directory, not a file\n    fix: pass a routes file, not a directory: ${join(routesDir, "routes.yaml")}\n`);
  });

  it("checks every file it is given and exits with the worst result", () => {
    const { code, stderr } = cli("check", join(dir, "missing.yaml"), "routes.yaml");
    expect(code).toBe(2);
    expect(stderr).toContain("missing.yaml: no such file");
    expect(stderr).toContain("routes.yaml is valid");
  });

  it.each([["an unknown command", ["frobnicate"], 'unknown command "frobnicate"'], ["check without a file", ["check"], "check needs at least one routes file"], ["an unknown option", ["check", "--frob", "routes.yaml"], "edge-mirror: unknown option --frob; the options are --out, --help (-h)\nusage: "], ["--out without a value", ["compile", "--out"], "--out"]])(
    "exits 2 with usage on %s",
    (_, args, message) => {
      const { code, stderr } = cli(...args);
      expect(code).toBe(2);
      expect(stderr).toContain(message);
      expect(stderr).toContain("usage: npm run check -- <routes.yaml>...");
      expect(stderr).not.toContain("tsx src/tools/compile-cli.ts");
      expect(stderr).not.toMatch(/\n\s+at /);
    },
  );

  it("prints the usage on stdout and exits 0 for --help", () => {
    const { code, stdout } = cli("--help");
    expect(code).toBe(0);
    expect(stdout).toContain("usage: npm run check -- <routes.yaml>...");
    expect(stdout).toContain("npm run build:routes [-- <routes.yaml>] [--out generated/routes.json]");
  });
});

describe("check: one message a newcomer can act on", () => {
  const write = (name: string, text: string) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };
  const routes = readFileSync("routes.yaml", "utf8");
  const errorsOf = (stderr: string) => stderr.split("\n").filter((l) => / error: /.test(l));

  it("a misspelled kind is an error with \"did you mean\", not a skip followed by \"no VirtualService found\"", () => {
    const { code, stderr } = cli("check", write("kind-typo.yaml", routes.replace("kind: VirtualService", "kind: VirtualServce")));
    expect(code).toBe(1);
    expect(errorsOf(stderr)).toEqual([expect.stringMatching(/kind-typo\.yaml:7:7 error: VirtualServce httpbin: kind: unknown kind "VirtualServce" in networking\.istio\.io: did you mean "VirtualService"\?$/)]);
    expect(stderr).toContain("fix: write kind: VirtualService");
    expect(stderr).not.toContain("no VirtualService found");
  });

  it("a real kind of the same group (TCPRoute, two edits from HTTPRoute) is still skipped with a warning", () => {
    const tcp = "apiVersion: gateway.networking.k8s.io/v1alpha2\nkind: TCPRoute\nmetadata: {name: t}\nspec: {}\n---\n";
    const { code, stderr } = cli("check", write("tcp-route.yaml", tcp + routes));
    expect(code).toBe(0);
    expect(stderr).toMatch(/tcp-route\.yaml:1:1 warning: skipped TCPRoute t/);
  });

  it("one unclosed [ is one error at the [ with the parser's count, not 12 cascading ones", () => {
    const broken = routes.replace("  - route:", "  - [route:");
    const { code, stderr } = cli("check", write("bracket.yaml", broken));
    expect(code).toBe(1);
    expect(errorsOf(stderr)).toEqual([
      expect.stringMatching(/bracket\.yaml:14:5 error: YAML syntax: this "\[" is never closed \(the parser reported 12 YAML syntax errors; the other 11 most likely follow from this one: fix it and check again\)$/),
    ]);
    expect(stderr).toContain("1 error(s); nothing was built");
  });

  it("a tab used as indentation is the one error reported, at the tab", () => {
    const broken = routes.replace("  hosts:\n  - httpbin\n  http:", "  hosts:\n\t- httpbin\n  http:");
    const { code, stderr } = cli("check", write("tab.yaml", broken));
    expect(code).toBe(1);
    expect(errorsOf(stderr)).toEqual([expect.stringMatching(/tab\.yaml:12:1 error: YAML syntax: a tab used as indentation; YAML indents with spaces only \(the parser reported \d+ YAML syntax errors/)]);
  });
});

describe("npm run build:routes", () => {
  it("compiles the file given after -- (not routes.yaml plus it: \"found 2\")", () => {
    const other = join(dir, "other.yaml");
    writeFileSync(other, readFileSync("routes.yaml", "utf8").replace("name: httpbin\nspec:\n  hosts:", "name: other\nspec:\n  hosts:"));
    const out = join(dir, "other.json");
    const run = spawnSync("npm", ["run", "-s", "build:routes", "--", other, "--out", out], { encoding: "utf8", env: { ...process.env, EDGE_MIRROR_ROUTES: "" } });
    expect(run.stderr).toContain(`${other} → ${out}`);
    expect(run.status).toBe(0);
    expect(JSON.parse(readFileSync(out, "utf8"))).toMatchObject({ source: other, virtualHosts: [{ name: "other" }] });
  });

  it("refuses two files, saying which and pointing at check", () => {
    const { code, stderr } = cli("compile", "routes.yaml", "routes.gateway-api.yaml");
    expect(code).toBe(2);
    expect(stderr).toContain("build:routes compiles one routes file, got 2: routes.yaml routes.gateway-api.yaml (npm run check -- FILE... validates several)");
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
