// Run inside a fresh network namespace (`unshare -n`): loopback only, no route to
// any resolver, so a DNS lookup fails at once and no packet leaves this machine.
// Sends one request whose shadow origin is a DNS name, and prints what happened.
import { startStack, eventually } from "./stack";
import { rawRequest, header } from "./raw";

const ROUTES = `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: dns}
spec:
  hosts: [dns.test]
  http:
  - route: [{destination: {host: backends, subset: v1}}]
    mirror: {host: unresolvable}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: backends}
spec:
  host: backends
  subsets: [{name: v1, labels: {version: v1}}]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: backends}
spec:
  hosts: [backends]
  resolution: STATIC
  ports: [{number: 80, name: http}]
  endpoints: [{address: 127.0.0.1, ports: {http: PORT_V1}, labels: {version: v1}}]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: unresolvable}
spec:
  hosts: [shadow.does-not-resolve.example]
  resolution: DNS
  ports: [{number: 80, name: http}]
`.replace("mirror: {host: unresolvable}", "mirror: {host: shadow.does-not-resolve.example}");

const stack = await startStack(ROUTES);
try {
  const started = Date.now();
  const res = await rawRequest(stack.port, ["GET /anything HTTP/1.1", "Host: dns.test", "x-request-id: dns-1", "Connection: close"]);
  const answeredMs = Date.now() - started;
  // The request's line is written once its shadow has settled, and carries its outcome.
  const shadowOf = (l: Record<string, unknown>) => (l.event === "request" ? (l.shadows as Record<string, unknown>[] | undefined)?.[0] : undefined);
  await eventually(() => stack.logs.some((l) => shadowOf(l) !== undefined), 10_000);
  console.log(
    JSON.stringify({
      status: res.status,
      origin: header(res, "x-origin") ?? null,
      answeredMs,
      shadow: stack.logs.map(shadowOf).find((s) => s !== undefined) ?? null,
    }),
  );
} finally {
  await stack.close();
}
