// The httpbin backends the compiler tests route to: a DestinationRule with subsets v1
// and v2 and a ServiceEntry placing them on 127.0.0.1:9081 and :9082. Nothing listens
// there; the tests only compile and plan.
export const HTTPBIN_BACKENDS = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: httpbin}
spec:
  host: httpbin
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: httpbin}
spec:
  hosts: [httpbin]
  resolution: STATIC
  ports: [{number: 8000, name: http, protocol: HTTP}]
  endpoints:
  - {address: 127.0.0.1, ports: {http: 9081}, labels: {version: v1}}
  - {address: 127.0.0.1, ports: {http: 9082}, labels: {version: v2}}`;
