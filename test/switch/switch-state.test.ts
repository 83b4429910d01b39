// The pause switch's rules, without the Durable Object: what a change may say and how
// stored caps become the decision step's millionths.
import { describe, expect, it } from "vitest";
import { describeCap, parseSwitchChange, switchCaps } from "../../src/switch/switch-state";

describe("parseSwitchChange", () => {
  it.each([
    [{ percentCap: 0 }, { percentCap: 0 }],
    [{ percentCap: 100 }, { percentCap: 100 }],
    [{ percentCap: 12.5 }, { percentCap: 12.5 }],
    [{ percentCap: null }, { percentCap: null }],
    [{ route: "httpbin/http[0]", percentCap: 0 }, { route: "httpbin/http[0]", percentCap: 0 }],
    [{ route: "api/users", percentCap: null }, { route: "api/users", percentCap: null }],
  ])("accepts %j", (body, change) => {
    expect(parseSwitchChange(body)).toEqual(change);
  });

  it.each([
    [null, "expected a JSON object"],
    [[0], "expected a JSON object"],
    ["0", "expected a JSON object"],
    [{}, '"percentCap" is required'],
    [{ percentCap: -1 }, "from 0 to 100"],
    [{ percentCap: 100.5 }, "from 0 to 100"],
    [{ percentCap: "5" }, "from 0 to 100"],
    [{ percentCap: Number.NaN }, "from 0 to 100"],
    [{ percentCap: 5, route: "no-slash" }, '"route" must be'],
    [{ percentCap: 5, route: 7 }, '"route" must be'],
    [{ percentCap: 5, route: "a/b c" }, '"route" must be'],
    [{ percentCap: 5, rout: "a/b" }, 'unknown field "rout"'],
  ])("refuses %j, saying why", (body, why) => {
    const result = parseSwitchChange(body);
    expect(result).toHaveProperty("error");
    expect((result as { error: string }).error).toContain(why);
  });
});

describe("switchCaps", () => {
  it("no caps: the global cap is 1 000 000 (none) and no route has one", () => {
    expect(switchCaps({ routes: {}, changes: [] })).toEqual({ perMillion: 1_000_000, routes: {} });
  });

  it("percentages become millionths, as Istio's value × 10 000", () => {
    expect(switchCaps({ percentCap: 12.5, routes: { "vs/a": 0, "vs/b": 0.0001 }, changes: [] })).toEqual({ perMillion: 125_000, routes: { "vs/a": 0, "vs/b": 1 } });
  });
});

describe("describeCap", () => {
  it("says paused, capped or removed", () => {
    expect([describeCap(0), describeCap(5), describeCap(null)]).toEqual(["paused", "capped at 5 %", "cap removed"]);
  });
});
