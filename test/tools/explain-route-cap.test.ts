// `npm run explain -- … --route-cap VS/ROUTE=PERCENT`: plans as if the pause switch
// capped that route, exactly as the worker's decision step does (kill_switch).
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { compileRoutes } from "../../src/config/compile";
import { formatProblem } from "../../src/config/errors";
import { ExplainInputError, explainRequest } from "../../src/tools/explain";
import { explainJson } from "../../src/tools/explain-json";
import { seedRoutes, VIRTUAL_SERVICE_MIRROR } from "../../devkit/seed-routes";

function seedTable() {
  const result = compileRoutes(seedRoutes(VIRTUAL_SERVICE_MIRROR, 9081, 9082));
  if (!result.table) throw new Error(result.problems.map(formatProblem).join("\n"));
  return result.table;
}

describe("explain --route-cap", () => {
  const table = seedTable();
  const url = "http://httpbin:8000/headers";

  it("a paused route: the mirror is not sampled, reason kill_switch, and the lines say so", () => {
    expect(explainJson(table, "GET", url, [], { routeCaps: { "httpbin/http[0]": 0 } }).mirrors?.[0]).toMatchObject({ mirrored: false, reason: "kill_switch" });
    expect(explainRequest(table, "GET", url, [], { routeCaps: { "httpbin/http[0]": 0 } })).toContain(
      "  capped out for this draw (MIRROR_PERCENT_CAP, or the pause switch of /__edge-mirror/): not mirrored, reason kill_switch",
    );
  });

  it("a cap on a route this file does not have is refused, naming the routes it has", () => {
    expect(() => explainJson(table, "GET", url, [], { routeCaps: { "other/http[0]": 0 } })).toThrow(
      new ExplainInputError('--route-cap other/http[0]=0: this routes file has no route "other/http[0]"; its routes, as the dashboard names them: httpbin/http[0]'),
    );
  });

  it("a cap above the draw leaves the request mirrored", () => {
    expect(explainJson(table, "GET", url, [], { random: 0.4, routeCaps: { "httpbin/http[0]": 50 } }).mirrors?.[0]).toMatchObject({ mirrored: true });
    expect(explainJson(table, "GET", url, [], { random: 0.6, routeCaps: { "httpbin/http[0]": 50 } }).mirrors?.[0]).toMatchObject({ mirrored: false, reason: "kill_switch" });
  });

  it("the lower of --cap and --route-cap wins", () => {
    expect(explainJson(table, "GET", url, [], { random: 0.3, mirrorPercentCap: 20, routeCaps: { "httpbin/http[0]": 50 } }).mirrors?.[0]).toMatchObject({ reason: "kill_switch" });
    expect(explainJson(table, "GET", url, [], { random: 0.3, mirrorPercentCap: 50, routeCaps: { "httpbin/http[0]": 20 } }).mirrors?.[0]).toMatchObject({ reason: "kill_switch" });
  });

  it("a percentage outside 0–100 is an input error", () => {
    expect(() => explainRequest(table, "GET", url, [], { routeCaps: { "httpbin/http[0]": 101 } })).toThrow(ExplainInputError);
  });

  it("the CLI reads repeated --route-cap VS/ROUTE=PERCENT, and refuses one without =", () => {
    const run = (...args: string[]) => spawnSync(process.execPath, ["--import", "tsx", "src/tools/explain-cli.ts", "routes.yaml", "GET", url, "--json", ...args], { encoding: "utf8" });
    const paused = run("--route-cap", "httpbin/http[0]=5", "--route-cap", "httpbin/http[0]=0");
    expect(paused.status).toBe(0);
    expect(JSON.parse(paused.stdout).mirrors[0]).toMatchObject({ reason: "kill_switch" });
    const bad = run("--route-cap", "httpbin/http[0]");
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("is not VS/ROUTE=PERCENT");
    const unknown = run("--route-cap", "nosuch/route=0");
    expect(unknown.status).toBe(2);
    expect(unknown.stdout).toBe("");
    expect(unknown.stderr).toContain('edge-mirror explain: --route-cap nosuch/route=0: this routes file has no route "nosuch/route"');
  });
});
