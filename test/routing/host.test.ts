import { describe, expect, it } from "vitest";
import { findVirtualHost, hostOf, isOwnShadowAuthority, isShadowAuthority, shadowAuthority } from "../../src/routing/host";
import { testRoute } from "../support/test-route";
import type { RouteTable } from "../../src/routing/table";

describe("shadowAuthority (envoy shadow_writer_impl.cc / router_test shadowAppendedHost)", () => {
  it.each([
    ["httpbin", "httpbin-shadow"],
    ["httpbin:8000", "httpbin-shadow:8000"],
    ["127.0.0.1:80", "127.0.0.1-shadow:80"],
    ["[::1]:80", "[::1]-shadow:80"],
    ["[::1]", "[::1]-shadow"],
    ["api.example.com", "api.example.com-shadow"],
  ])("%s → %s", (authority, expected) => {
    expect(shadowAuthority(authority)).toBe(expected);
  });

  it("recognises a shadow authority coming back, with or without port", () => {
    expect(isShadowAuthority("httpbin-shadow:8000")).toBe(true);
    expect(isShadowAuthority("HTTPBIN-SHADOW")).toBe(true);
    expect(isShadowAuthority("[::1]-shadow:80")).toBe(true);
    expect(isShadowAuthority("httpbin:8000")).toBe(false);
    expect(isShadowAuthority("shadow.example.com")).toBe(false);
    expect(isShadowAuthority(null)).toBe(false);
  });
});

describe("hostOf", () => {
  it.each([
    ["httpbin:8000", "httpbin"],
    ["API.Example.COM", "api.example.com"],
    ["api.example.com.", "api.example.com"],
    ["api.example.com.:443", "api.example.com"],
    ["[::1]:8080", "[::1]"],
    ["[2001:db8::1]", "[2001:db8::1]"],
  ])("%s → %s", (authority, expected) => {
    expect(hostOf(authority)).toBe(expected);
  });
});

describe("findVirtualHost (Istio hosts: exact, most specific wildcard, then *)", () => {
  const vh = (name: string) => ({ name, routes: [] });
  const table: RouteTable = {
    version: 1,
    source: "t",
    virtualHosts: [vh("exact"), vh("wide"), vh("narrow"), vh("all")],
    hosts: {
      exact: { "api.example.com": 0 },
      wildcards: [
        { suffix: ".eu.example.com", vhost: 2 },
        { suffix: ".example.com", vhost: 1 },
      ],
      catchAll: 3,
    },
  };
  it.each([
    ["api.example.com:8443", "exact"],
    ["www.example.com", "wide"],
    ["a.eu.example.com", "narrow"],
    ["example.com", "all"],
    ["other.test", "all"],
  ])("%s → %s", (authority, expected) => {
    expect(findVirtualHost(table, authority)?.name).toBe(expected);
  });

  it("finds nothing without a catch-all", () => {
    const { catchAll: _, ...hosts } = table.hosts;
    expect(findVirtualHost({ ...table, hosts }, "other.test")).toBeUndefined();
    // `*.example.com` does not match example.com itself
    expect(findVirtualHost({ ...table, hosts }, "example.com")).toBeUndefined();
  });
});

describe("isOwnShadowAuthority: the only X-Forwarded-Host a client cannot replace (issue 17)", () => {
  const rewritten = testRoute("vs/r", { rewrite: { authority: "Internal.Example:8080" } });
  const table: RouteTable = {
    version: 1,
    source: "t",
    virtualHosts: [{ name: "vs", routes: [rewritten] }],
    hosts: { exact: { api: 0, "[::1]": 0 }, wildcards: [{ suffix: ".wild.test", vhost: 0 }] },
  };
  it.each(["api-shadow", "api-shadow:8000", "API-SHADOW", "x.wild.test-shadow", "[::1]-shadow:80", "internal.example-shadow"])("%s: the worker's own", (value) => {
    expect(isOwnShadowAuthority(table, value)).toBe(true);
  });
  it.each([
    "evil.example/x-shadow",
    "other-shadow",
    "wild.test-shadow",
    "api",
    "-shadow",
    "api-shadow:",
    "api-shadow:123456",
    "api-shadow, api-shadow",
    "user@api-shadow",
    "api-shadow ",
    "",
  ])("%j: not", (value) => {
    expect(isOwnShadowAuthority(table, value)).toBe(false);
  });
  it("with a catch-all VirtualService every well-formed host is served, so its -shadow form is the worker's own; a path never is", () => {
    const all = { ...table, hosts: { ...table.hosts, catchAll: 0 } };
    expect(isOwnShadowAuthority(all, "other-shadow")).toBe(true);
    expect(isOwnShadowAuthority(all, "evil.example/x-shadow")).toBe(false);
  });
});
