// The walkthrough's Istio resources (Istio's mirroring task), exactly as in routes.yaml,
// with the ServiceEntry's endpoints moved to a run's own origin ports. Shared by
// the end-to-end test and the soak, so both exercise the seed's YAML unchanged.
export const VIRTUAL_SERVICE_BEFORE = `apiVersion: networking.istio.io/v1alpha3
kind: VirtualService
metadata:
  name: httpbin
spec:
  hosts:
  - httpbin
  http:
  - route:
    - destination:
        host: httpbin
        subset: v1
      weight: 100
`;

/** After step 4 of the walkthrough: mirror to v2 at 100 %. */
export const VIRTUAL_SERVICE_MIRROR = `${VIRTUAL_SERVICE_BEFORE}    mirror:
      host: httpbin
      subset: v2
    mirrorPercentage:
      value: 100.0
`;

/** The same mirror without mirrorPercentage, which Istio reads as 100 %. */
export const VIRTUAL_SERVICE_MIRROR_DEFAULT_PERCENT = `${VIRTUAL_SERVICE_BEFORE}    mirror:
      host: httpbin
      subset: v2
`;

export const DESTINATION_RULE = `apiVersion: networking.istio.io/v1alpha3
kind: DestinationRule
metadata:
  name: httpbin
spec:
  host: httpbin
  subsets:
  - name: v1
    labels:
      version: v1
  - name: v2
    labels:
      version: v2
`;

/** routes.yaml's ServiceEntry, with the endpoints on this run's origins. */
export const serviceEntry = (v1Port: number, v2Port: number): string => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: httpbin
spec:
  hosts:
  - httpbin
  location: MESH_EXTERNAL
  resolution: STATIC
  ports:
  - number: 8000
    name: http
    protocol: HTTP
  endpoints:
  - address: 127.0.0.1
    ports:
      http: ${v1Port}
    labels:
      version: v1
  - address: 127.0.0.1
    ports:
      http: ${v2Port}
    labels:
      version: v2
`;

export const seedRoutes = (virtualService: string, v1Port: number, v2Port: number): string =>
  [virtualService, DESTINATION_RULE, serviceEntry(v1Port, v2Port)].join("---\n");
