// Istio's DestinationRule validation cases (istio/istio pkg/config/validation:
// TestValidateDestinationRule, TestValidateTrafficPolicy, TestValidateLoadBalancer in
// validation_test.go; testdata/crds/destinationrule-{valid,invalid}.yaml). Cases about
// tls, connectionPool, outlierDetection and portLevelSettings are part C's.
import { destinationRule, type IstioCase } from "./case";

const SUBSETS = "subsets:\n- {name: v1, labels: {version: v1}}\n- {name: v2, labels: {version: v2}}";
const reviews = (rest: string) => destinationRule(`host: reviews\n${rest}`);
const lb = (settings: string) => reviews(`trafficPolicy:\n  loadBalancer: ${settings}`);
const LB_ROW = "`trafficPolicy.loadBalancer`";

export const DESTINATION_RULE_CASES: IstioCase[] = [
  // TestValidateDestinationRule
  { name: "TestValidateDestinationRule/simple destination rule", istio: "valid", yaml: reviews(SUBSETS) },
  {
    name: "TestValidateDestinationRule/simple destination rule with empty selector labels",
    istio: "valid",
    yaml: reviews(`${SUBSETS}\nworkloadSelector: {}`),
    error: "spec.workloadSelector: cannot apply at the edge",
    edge: "`spec.workloadSelector`",
  },
  { name: "TestValidateDestinationRule/missing destination name", istio: "invalid", yaml: destinationRule(`host: ""\n${SUBSETS}`), error: "spec.host: an empty host name is not allowed" },
  {
    name: "TestValidateDestinationRule/missing subset name",
    istio: "invalid",
    yaml: reviews('subsets:\n- {name: "", labels: {version: v1}}\n- {name: v2, labels: {version: v2}}'),
    error: "spec.subsets[0].name: a subset name cannot be empty",
  },
  {
    name: "TestValidateDestinationRule/duplicate subset names",
    istio: "invalid",
    yaml: reviews("subsets:\n- {name: foo, labels: {version: v1}}\n- {name: foo, labels: {version: v2}}"),
    error: 'subset "foo" is defined twice',
  },
  {
    name: "TestValidateDestinationRule/valid traffic policy, top level (loadBalancer part)",
    istio: "valid",
    yaml: reviews(`trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}\n${SUBSETS}`),
  },
  {
    name: "TestValidateDestinationRule/valid traffic policy, subset level (loadBalancer part)",
    istio: "valid",
    yaml: reviews("subsets:\n- {name: v1, labels: {version: v1}, trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}}\n- {name: v2, labels: {version: v2}}"),
  },
  { name: "validateSubsetName: a subset name that is not a DNS label", istio: "invalid", yaml: reviews("subsets:\n- {name: v1.0, labels: {version: v1}}"), error: 'subset name "v1.0" is not a DNS label' },
  { name: "validateSubsetName: an upper-case subset name (a DNS label either way)", istio: "valid", yaml: reviews("subsets:\n- {name: Canary, labels: {version: v1}}") },
  { name: "ValidateWildcardDomain: a wildcard host", istio: "valid", yaml: destinationRule('host: "*.example.com"') },
  { name: "ValidateWildcardDomain: a host with a bad label", istio: "invalid", yaml: destinationRule("host: foo_bar.example.com"), error: 'label "foo_bar" is invalid' },

  // TestValidateTrafficPolicy
  { name: "TestValidateTrafficPolicy/invalid traffic policy, nil entries", istio: "invalid", yaml: reviews("trafficPolicy: {}"), error: "spec.trafficPolicy: sets nothing" },
  {
    name: "TestValidateTrafficPolicy/nil entries, at subset level",
    istio: "invalid",
    yaml: reviews("subsets:\n- {name: v1, labels: {version: v1}, trafficPolicy: {}}"),
    error: "spec.subsets[0].trafficPolicy: sets nothing",
  },
  { name: "TrafficPolicy.retryBudget (Istio 1.27: a warning here)", istio: "valid", yaml: reviews("trafficPolicy: {retryBudget: {percent: {value: 20}, minRetryConcurrency: 5}}") },
  { name: "TrafficPolicy: tunnel with proxyProtocol", istio: "invalid", yaml: reviews("trafficPolicy: {tunnel: {protocol: CONNECT, targetHost: a, targetPort: 8080}, proxyProtocol: {version: V1}}"), error: "cannot apply at the edge" },

  // TestValidateLoadBalancer
  { name: "TestValidateLoadBalancer/valid load balancer with simple load balancing", istio: "valid", yaml: lb("{simple: ROUND_ROBIN}") },
  {
    name: "TestValidateLoadBalancer/valid load balancer with consistentHash load balancing",
    istio: "valid",
    yaml: lb("{consistentHash: {minimumRingSize: 1024, httpCookie: {name: test, ttl: 3600s}}}"),
    error: "consistentHash.minimumRingSize: is an Istio field edge-mirror does not support yet",
    edge: LB_ROW,
  },
  {
    name: "TestValidateLoadBalancer/invalid load balancer with consistentHash load balancing, missing name",
    istio: "invalid",
    yaml: lb("{consistentHash: {minimumRingSize: 1024, httpCookie: {ttl: 3600s}}}"),
    error: "consistentHash.httpCookie.name: is required",
  },
  {
    name: "TestValidateLoadBalancer/invalid load balancer with consistentHash load balancing, maglev not prime",
    istio: "invalid",
    yaml: lb("{consistentHash: {maglev: {tableSize: 1000}}}"),
    error: "consistentHash.maglev: is an Istio field edge-mirror does not support yet",
  },
  {
    name: "TestValidateLoadBalancer/valid load balancer with consistentHash load balancing and unique cookie attributes",
    istio: "valid",
    yaml: lb("{consistentHash: {httpCookie: {name: test-cookie, ttl: 3600s, attributes: [{name: SameSite, value: Strict}, {name: Secure, value: 'true'}]}}}"),
    error: "httpCookie.ttl: is an Istio field edge-mirror does not support yet",
    edge: LB_ROW,
  },
  {
    name: "TestValidateLoadBalancer/invalid load balancer with consistentHash load balancing and duplicate cookie attribute names",
    istio: "invalid",
    yaml: lb("{consistentHash: {httpCookie: {name: test-cookie, attributes: [{name: SameSite, value: Strict}, {name: SameSite, value: Lax}]}}}"),
    error: "httpCookie.attributes: is an Istio field edge-mirror does not support yet",
  },
  {
    name: "TestValidateLoadBalancer/invalid: localityLbSetting and zoneAwareLbSetting both set",
    istio: "invalid",
    yaml: lb("{localityLbSetting: {}, zoneAwareLbSetting: {}}"),
    error: "loadBalancer.zoneAwareLbSetting: is an Istio field edge-mirror does not support yet (Istio 1.31)",
  },
  {
    name: "TestValidateLoadBalancer/valid: zoneAwareLbSetting only",
    istio: "valid",
    yaml: lb("{zoneAwareLbSetting: {failover: [{from: us-east, to: eu-west}]}}"),
    error: "loadBalancer.zoneAwareLbSetting: is an Istio field edge-mirror does not support yet (Istio 1.31)",
    edge: LB_ROW,
  },
  { name: "LoadBalancerSettings.SimpleLB: UNSPECIFIED (Istio's default)", istio: "valid", yaml: lb("{simple: UNSPECIFIED}") },
  { name: "LoadBalancerSettings.SimpleLB: LEAST_REQUEST (RANDOM here, with a warning)", istio: "valid", yaml: lb("{simple: LEAST_REQUEST}") },
  {
    name: "LoadBalancerSettings.SimpleLB: PASSTHROUGH",
    istio: "valid",
    yaml: lb("{simple: PASSTHROUGH}"),
    error: "PASSTHROUGH forwards to the address the client connected to",
    edge: LB_ROW,
  },
  { name: "LoadBalancerSettings.SimpleLB: an unknown value (CRD enum)", istio: "invalid", yaml: lb("{simple: FASTEST}"), error: 'unsupported simple load balancer "FASTEST"' },

  // testdata/crds/destinationrule-invalid.yaml and -valid.yaml: warmup
  {
    name: "crds/destinationrule-invalid.yaml: warmup.minimumPercent 150",
    istio: "invalid",
    yaml: destinationRule("host: ratings.prod.svc.cluster.local\ntrafficPolicy:\n  loadBalancer:\n    warmup: {duration: 300s, minimumPercent: 150.0}"),
    error: "loadBalancer.warmup: is an Istio field edge-mirror does not support yet",
  },
  {
    name: "crds/destinationrule-invalid.yaml: warmup without duration",
    istio: "invalid",
    yaml: destinationRule("host: ratings.prod.svc.cluster.local\ntrafficPolicy:\n  loadBalancer:\n    warmup: {minimumPercent: 5.0}"),
    error: "loadBalancer.warmup: is an Istio field",
  },
  {
    name: "crds/destinationrule-invalid.yaml: warmup.aggression -0.1",
    istio: "invalid",
    yaml: destinationRule("host: ratings.prod.svc.cluster.local\ntrafficPolicy:\n  loadBalancer:\n    warmup: {duration: 300s, aggression: -0.1}"),
    error: "loadBalancer.warmup: is an Istio field",
  },
  {
    name: "crds/destinationrule-valid.yaml: warmup",
    istio: "valid",
    yaml: destinationRule("host: ratings.prod.svc.cluster.local\ntrafficPolicy:\n  loadBalancer:\n    warmup: {duration: 300s, minimumPercent: 5.0, aggression: 5.0}"),
    error: "loadBalancer.warmup: is an Istio field",
    edge: LB_ROW,
  },
];
