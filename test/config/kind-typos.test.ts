// "did you mean" for a misspelled kind (src/config/documents.ts): the kinds it suggests
// are exactly the ones read, and a real kind of the same group is never taken for a typo.
import { describe, expect, it } from "vitest";
import { compileRoutes } from "../../src/config/compile";
import { READ_KINDS, readsKind } from "../../src/config/documents";

const doc = (apiVersion: string, kind: string) => `apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata: {name: x}\nspec: {}\n`;
const messages = (yaml: string) => compileRoutes(yaml).problems.map((p) => `${p.severity}: ${p.message}`);

describe("kind typos", () => {
  it("every kind suggested is one edge-mirror reads (the list cannot drift from the readers)", () => {
    for (const [group, kinds] of READ_KINDS) for (const kind of kinds) expect([group, kind, readsKind(group, kind)]).toEqual([group, kind, true]);
  });

  it.each([
    ["networking.istio.io/v1", "DestinationRul", "DestinationRule"],
    ["networking.istio.io/v1", "virtualservice", "VirtualService"],
    ["gateway.networking.k8s.io/v1", "HTTPRoutes", "HTTPRoute"],
    ["gateway.networking.k8s.io/v1", "BackendTLSPolicies", undefined],
    ["v1", "Servce", "Service"],
  ])("%s %s → %s", (apiVersion, kind, suggestion) => {
    const found = messages(doc(apiVersion, kind));
    if (suggestion) expect(found).toContainEqual(expect.stringMatching(new RegExp(`^error: unknown kind "${kind}" in .*: did you mean "${suggestion}"\\?$`)));
    else expect(found.join("\n")).not.toContain("did you mean");
  });

  it.each([["gateway.networking.k8s.io/v1alpha2", "TCPRoute"], ["gateway.networking.k8s.io/v1", "GRPCRoute"], ["networking.istio.io/v1", "Sidecar"], ["v1", "Secret"]])(
    "%s %s is a real kind: skipped with a warning, not a typo",
    (apiVersion, kind) => {
      expect(messages(doc(apiVersion, kind))).toContainEqual(expect.stringMatching(new RegExp(`^warning: skipped ${kind} x`)));
    },
  );
});
