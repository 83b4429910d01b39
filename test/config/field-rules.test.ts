// The value rules of the field cursor (src/config/field.ts), each stated once:
// percent, the deprecated integer percent, port, HTTP status, redirect status and
// whole numbers. Every field of routes.yaml that holds such a value goes through
// them, so the same mistake reads the same wherever it is made.
import { LineCounter, parseDocument } from "yaml";
import { describe, expect, it } from "vitest";
import { compileRoutes } from "../../src/config/compile";
import { Problems, formatProblem } from "../../src/config/errors";
import { Field } from "../../src/config/field";

/** The cursor on `value` of a one-key YAML map, and the problems it reports. */
function field(yaml: string): { f: Field; problems: () => string[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(`value: ${yaml}`, { lineCounter });
  const problems = new Problems("t.yaml");
  const root = Field.root({ problems, lineCounter, resource: "Test t" }, doc.contents);
  return {
    f: root.get("value"),
    problems: () => problems.list.map((p) => `${p.severity}: ${p.path}: ${p.message}${p.fix ? ` (fix: ${p.fix})` : ""}`),
  };
}

describe("port()", () => {
  it.each([["1", 1], ["8000", 8000], ["65535", 65535]])("accepts %s", (yaml, expected) => {
    const { f, problems } = field(yaml);
    expect(f.port()).toBe(expected);
    expect(problems()).toEqual([]);
  });

  it.each(["0", "65536", "80.5", "-1"])("refuses %s", (yaml) => {
    const { f, problems } = field(yaml);
    expect(f.port()).toBeUndefined();
    expect(problems()).toEqual([`error: value: must be a port number 1..65535, found ${Number(yaml)}`]);
  });

  it("refuses a string as not a number, and says nothing of an absent value", () => {
    const quoted = field('"80"');
    expect(quoted.f.port()).toBeUndefined();
    expect(quoted.problems()).toEqual(['error: value: must be a number, found string "80"']);
    const absent = field("");
    expect(absent.f.port()).toBeUndefined();
    expect(absent.problems()).toEqual([]);
  });
});

describe("httpStatus() and redirectStatus()", () => {
  it.each([["200", 200], ["503", 503], ["599", 599]])("httpStatus accepts %s", (yaml, expected) => {
    const { f, problems } = field(yaml);
    expect(f.httpStatus()).toBe(expected);
    expect(problems()).toEqual([]);
  });

  it.each(["199", "600", "100", "503.5"])("httpStatus refuses %s", (yaml) => {
    const { f, problems } = field(yaml);
    expect(f.httpStatus()).toBeUndefined();
    expect(problems()).toEqual([`error: value: must be an HTTP status 200..599, found ${Number(yaml)}`]);
  });

  it.each([301, 302, 303, 307, 308])("redirectStatus accepts %i", (code) => {
    const { f, problems } = field(String(code));
    expect(f.redirectStatus()).toBe(code);
    expect(problems()).toEqual([]);
  });

  it.each(["200", "304", "305", "301.5"])("redirectStatus refuses %s", (yaml) => {
    const { f, problems } = field(yaml);
    expect(f.redirectStatus()).toBeUndefined();
    expect(problems()).toEqual([`error: value: must be one of 301, 302, 303, 307, 308, found ${Number(yaml)}`]);
  });
});

describe("wholeNumber()", () => {
  it("accepts 0 and any whole number without a maximum", () => {
    for (const [yaml, n] of [["0", 0], ["123456789", 123456789]] as const) {
      const { f, problems } = field(yaml);
      expect(f.wholeNumber()).toBe(n);
      expect(problems()).toEqual([]);
    }
  });

  it.each([
    ["-1", {}, "must be a whole number ≥ 0, found -1"],
    ["2.5", { fix: "use 2 or 3" }, "must be a whole number ≥ 0, found 2.5 (fix: use 2 or 3)"],
    ["11", { max: 10 }, "must be a whole number from 0 to 10, found 11"],
    ["20000000", { max: 16 * 1024 * 1024, unit: "bytes" }, "must be a whole number of bytes from 0 to 16777216 (16 MiB), found 20000000"],
    ["2000", { max: 1000, unit: "bytes" }, "must be a whole number of bytes from 0 to 1000, found 2000"],
  ])("refuses %s with %j", (yaml, options, message) => {
    const { f, problems } = field(yaml);
    expect(f.wholeNumber(options)).toBeUndefined();
    expect(problems()).toEqual([`error: value: ${message}`]);
  });

  it("caps a whole number without its own maximum at Istio's int32", () => {
    const top = field("2147483647");
    expect(top.f.wholeNumber()).toBe(2147483647);
    expect(top.problems()).toEqual([]);
    const over = field("2147483648");
    expect(over.f.wholeNumber({ fix: "weights are relative" })).toBeUndefined();
    expect(over.problems()).toEqual(["error: value: must be at most 2147483647 (an int32 in Istio), found 2147483648 (fix: weights are relative)"]);
  });

  it("accepts the maximum itself", () => {
    const { f, problems } = field("10");
    expect(f.wholeNumber({ max: 10 })).toBe(10);
    expect(problems()).toEqual([]);
  });
});

describe("percent()", () => {
  it.each([["{value: 12.5}", 12.5], ["{value: 0}", 0], ["{value: 100}", 100], ["{}", 0]])("reads %s as %d", (yaml, expected) => {
    const { f, problems } = field(yaml);
    expect(f.percent()).toBe(expected);
    expect(problems()).toEqual([]);
  });

  it.each(["100.5", "-1"])("refuses value %s", (n) => {
    const { f, problems } = field(`{value: ${n}}`);
    expect(f.percent()).toBeUndefined();
    expect(problems()).toEqual([`error: value.value: must be between 0 and 100, found ${Number(n)} (fix: a percentage of requests, e.g. value: 10.5)`]);
  });

  it("refuses a bare number and unknown keys (Percent is a message)", () => {
    const bare = field("50");
    expect(bare.f.percent()).toBeUndefined();
    expect(bare.problems()).toEqual(['error: value: must be a mapping, found number 50']);
    const typo = field("{valu: 5}");
    expect(typo.f.percent()).toBe(0);
    expect(typo.problems()).toEqual(['error: value.valu: unknown field "valu" (fix: did you mean "value"?)']);
  });
});

describe("deprecatedPercent()", () => {
  it("warns with the field's own name and its replacement, then reads a whole number 0..100", () => {
    const { f, problems } = field("40");
    expect(f.deprecatedPercent("percentage")).toBe(40);
    expect(problems()).toEqual(["warning: value: value is deprecated in Istio (fix: use percentage: {value: N})"]);
  });

  it.each(["101", "2.5", "-1"])("refuses %s", (yaml) => {
    const { f, problems } = field(yaml);
    expect(f.deprecatedPercent("percentage")).toBeUndefined();
    expect(problems()).toContain(`error: value: must be a whole number from 0 to 100, found ${Number(yaml)}`);
  });

  it("says nothing when absent", () => {
    const { f, problems } = field("");
    expect(f.deprecatedPercent("percentage")).toBeUndefined();
    expect(problems()).toEqual([]);
  });
});

describe("route weights are Istio int32s, as the schema says", () => {
  it("refuses a weight above 2147483647 with its path", () => {
    const yaml = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: vs}
spec:
  hosts: [httpbin]
  http:
  - route:
    - {destination: {host: httpbin}, weight: 3000000000}
    - {destination: {host: httpbin}, weight: 1}`;
    const errors = compileRoutes(yaml).problems.filter((p) => p.severity === "error").map(formatProblem);
    expect(errors.join("\n")).toContain("VirtualService vs: spec.http[0].route[0].weight: must be at most 2147483647 (an int32 in Istio), found 3000000000");
  });
});

describe("every port field of a routes file goes through the one rule", () => {
  const yaml = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: vs}
spec:
  hosts: [httpbin]
  http:
  - match: [{port: 0}]
    route:
    - destination: {host: httpbin, port: {number: 70000}}
  - redirect: {uri: /x, port: 65536}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: httpbin}
spec:
  hosts: [httpbin]
  resolution: STATIC
  ports:
  - {number: 8000.5, name: http, protocol: HTTP}
  endpoints:
  - {address: 127.0.0.1, ports: {http: -80}}`;

  it("reports each with the same message and its own path", () => {
    const errors = compileRoutes(yaml).problems.filter((p) => p.severity === "error").map(formatProblem);
    const ports = errors.filter((e) => e.includes("must be a port number"));
    expect(ports.map((e) => e.replace(/^routes\.yaml:\d+:\d+ error: /, ""))).toEqual([
      "VirtualService vs: spec.http[0].match[0].port: must be a port number 1..65535, found 0",
      "VirtualService vs: spec.http[0].route[0].destination.port.number: must be a port number 1..65535, found 70000",
      "VirtualService vs: spec.http[1].redirect.port: must be a port number 1..65535, found 65536",
      "ServiceEntry httpbin: spec.ports[0].number: must be a port number 1..65535, found 8000.5",
      "ServiceEntry httpbin: spec.endpoints[0].ports.http: must be a port number 1..65535, found -80",
    ]);
  });
});
