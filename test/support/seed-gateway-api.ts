// The Gateway API version of the walkthrough: Istio's mirroring task, tab "Gateway
// API" (istio.io content/en/docs/tasks/traffic-management/mirroring/index.md), its
// Services and HTTPRoutes exactly as written there, plus what the edge needs besides:
// the task's "before you begin" Service httpbin (the HTTPRoute's parent) and one
// Istio WorkloadEntry per version saying where that version runs. Shared by the
// end-to-end test and routes.gateway-api.yaml (which `npm start -- --gateway-api` serves).

/** Step "Creating a default routing policy": the two version Services. */
export const TASK_SERVICES = `apiVersion: v1
kind: Service
metadata:
  name: httpbin-v1
spec:
  ports:
  - port: 80
    name: http
  selector:
    app: httpbin
    version: v1
---
apiVersion: v1
kind: Service
metadata:
  name: httpbin-v2
spec:
  ports:
  - port: 80
    name: http
  selector:
    app: httpbin
    version: v2
`;

/** Step "Creating a default routing policy": every request to v1. */
export const HTTP_ROUTE_BEFORE = `apiVersion: gateway.networking.k8s.io/v1beta1
kind: HTTPRoute
metadata:
  name: httpbin
spec:
  parentRefs:
  - kind: Service
    name: httpbin
    port: 8000
  rules:
  - backendRefs:
    - name: httpbin-v1
      port: 80
`;

/** Step "Mirroring traffic to v2": the RequestMirror filter. */
export const HTTP_ROUTE_MIRROR = `apiVersion: gateway.networking.k8s.io/v1beta1
kind: HTTPRoute
metadata:
  name: httpbin
spec:
  parentRefs:
  - kind: Service
    name: httpbin
    port: 8000
  rules:
  - filters:
    - type: RequestMirror
      requestMirror:
        backendRef:
          name: httpbin-v2
          port: 80
    backendRefs:
    - name: httpbin-v1
      port: 80
`;

/** "Before you begin": the Service the HTTPRoute attaches to (its name is the host clients use). */
export const PARENT_SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: httpbin
  labels:
    app: httpbin
spec:
  ports:
  - name: http
    port: 8000
    targetPort: 80
  selector:
    app: httpbin
`;

/** Where each version runs: what Kubernetes knows from its pods and the edge does not. */
export const workloadEntries = (v1Port: number, v2Port: number): string => `apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata:
  name: httpbin-v1
spec:
  address: 127.0.0.1
  labels:
    app: httpbin
    version: v1
  ports:
    http: ${v1Port}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata:
  name: httpbin-v2
spec:
  address: 127.0.0.1
  labels:
    app: httpbin
    version: v2
  ports:
    http: ${v2Port}
`;

export const seedGatewayApiRoutes = (httpRoute: string, v1Port: number, v2Port: number): string =>
  [TASK_SERVICES, httpRoute, PARENT_SERVICE, workloadEntries(v1Port, v2Port)].join("---\n");
