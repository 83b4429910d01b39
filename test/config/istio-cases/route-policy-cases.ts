// Istio's validation cases for the policies of a route (istio/istio
// pkg/config/validation/validation_test.go: TestValidateHTTPRetry, TestValidateCORSPolicy,
// TestValidateHTTPFaultInjectionAbort, TestValidateHTTPFaultInjectionDelay; the rules
// of agent.ValidateHTTPRetry, validateHTTPFaultInjection and validatePercentage they
// exercise), ported as routes of a VirtualService for foo.bar.
import { httpRoute, TO_FOO_BAZ, type IstioCase } from "./case";

const withRoute = (policy: string) => httpRoute(`${TO_FOO_BAZ}\n${policy}`);

export const ROUTE_POLICY_CASES: IstioCase[] = [
  // TestValidateHTTPRetry
  { name: "TestValidateHTTPRetry/valid", istio: "valid", yaml: withRoute('retries: {attempts: 10, perTryTimeout: 2s, retryOn: "5xx,gateway-error"}') },
  { name: "TestValidateHTTPRetry/disable retries", istio: "valid", yaml: withRoute("retries: {attempts: 0}") },
  {
    name: "TestValidateHTTPRetry/invalid, retry policy configured but attempts set to zero",
    istio: "invalid",
    yaml: withRoute('retries: {attempts: 0, perTryTimeout: 2s, retryOn: "5xx,gateway-error"}'),
    error: "retries.retryOn: is set, but attempts is 0, which turns retries off",
  },
  { name: "TestValidateHTTPRetry/valid default", istio: "valid", yaml: withRoute("retries: {attempts: 10}") },
  { name: "TestValidateHTTPRetry/valid http status retryOn", istio: "valid", yaml: withRoute('retries: {attempts: 10, perTryTimeout: 2s, retryOn: "503,connect-failure"}') },
  { name: "TestValidateHTTPRetry/invalid attempts", istio: "invalid", yaml: withRoute("retries: {attempts: -1, perTryTimeout: 2s}"), error: "retries.attempts: must be a whole number from 0 to 10, found -1" },
  { name: "TestValidateHTTPRetry/invalid timeout", istio: "invalid", yaml: withRoute("retries: {attempts: 10, perTryTimeout: 2.000000001s}"), error: "retries.perTryTimeout: \"2.000000001s\" is finer than a millisecond" },
  { name: "TestValidateHTTPRetry/timeout too small", istio: "invalid", yaml: withRoute("retries: {attempts: 10, perTryTimeout: 999ns}"), error: "retries.perTryTimeout: must be at least 1ms" },
  { name: "TestValidateHTTPRetry/invalid backoff", istio: "invalid", yaml: withRoute("retries: {attempts: 10, backoff: 999ns}"), error: "retries.backoff: must be at least 1ms" },
  {
    name: "TestValidateHTTPRetry/invalid policy retryOn",
    istio: "invalid",
    yaml: withRoute('retries: {attempts: 10, perTryTimeout: 2s, retryOn: "5xx,invalid policy"}'),
    error: 'unknown retryOn condition "invalid policy"',
  },
  {
    name: "TestValidateHTTPRetry/invalid http status retryOn",
    istio: "invalid",
    yaml: withRoute('retries: {attempts: 10, perTryTimeout: 2s, retryOn: "600,connect-failure"}'),
    error: 'retryOn "600" is not an HTTP status code Istio knows',
  },
  {
    name: "TestValidateHTTPRetry/invalid, retryRemoteLocalities configured but attempts set to zero",
    istio: "invalid",
    yaml: withRoute("retries: {attempts: 0, retryRemoteLocalities: false}"),
    error: "retries.retryRemoteLocalities: is an Istio field edge-mirror does not support yet",
  },
  { name: "ConvertPolicy: retries: {} (attempts 0, retries off)", istio: "valid", yaml: withRoute("retries: {}") },
  { name: "ValidateHTTPRetry: retryOn with spaces", istio: "invalid", yaml: withRoute('retries: {attempts: 2, retryOn: "5xx, 503"}'), error: 'retries.retryOn: "5xx, 503" contains spaces' },
  { name: "ValidateHTTPRetry: retryOn with an empty condition", istio: "invalid", yaml: withRoute('retries: {attempts: 2, retryOn: "5xx,"}'), error: "has an empty condition" },
  {
    name: "ValidateHTTPRetry: every supportedRetryOnPolicies entry",
    istio: "valid",
    yaml: withRoute(
      'retries: {attempts: 2, retryOn: "5xx,gateway-error,reset,reset-before-request,connect-failure,retriable-4xx,refused-stream,retriable-status-codes,retriable-headers,envoy-ratelimited,http3-post-connect-failure,cancelled,deadline-exceeded,internal,resource-exhausted,unavailable,418"}',
    ),
  },
  { name: "ValidateHTTPRetry: backoff (Istio 1.26)", istio: "valid", yaml: withRoute("retries: {attempts: 3, backoff: 100ms}") },
  { name: "ValidateHTTPRetry: backoff with attempts 0 (Istio checks only the mesh default policy)", istio: "valid", yaml: withRoute("retries: {attempts: 0, backoff: 100ms}") },
  {
    name: "HTTPRetry.retryIgnorePreviousHosts (Istio 1.26)",
    istio: "valid",
    yaml: withRoute("retries: {attempts: 3, retryIgnorePreviousHosts: false}"),
    error: "retries.retryIgnorePreviousHosts: is an Istio field edge-mirror does not support yet (Istio 1.26)",
    edge: "`http[].retries`",
  },

  // TestValidateCORSPolicy
  { name: "TestValidateCORSPolicy/valid", istio: "valid", yaml: withRoute("corsPolicy: {allowMethods: [GET, POST], allowHeaders: [header1, header2], exposeHeaders: [header3], maxAge: 2s}") },
  {
    name: "TestValidateCORSPolicy/bad method",
    istio: "invalid",
    yaml: withRoute("corsPolicy: {allowMethods: [GET, PUTT], allowHeaders: [header1, header2], exposeHeaders: [header3], maxAge: 2s}"),
    error: 'corsPolicy.allowMethods[1]: "PUTT" is not an HTTP method Istio accepts',
  },
  {
    name: "TestValidateCORSPolicy/bad header",
    istio: "invalid",
    yaml: withRoute('corsPolicy: {allowMethods: [GET, POST], allowHeaders: [header1, header2], exposeHeaders: [""], maxAge: 2s}'),
    error: 'corsPolicy.exposeHeaders[0]: "" is not a header name',
  },
  {
    name: "TestValidateCORSPolicy/bad max age",
    istio: "invalid",
    yaml: withRoute("corsPolicy: {allowMethods: [GET, POST], allowHeaders: [header1, header2], exposeHeaders: [header3], maxAge: 2.000000042s}"),
    error: "corsPolicy.maxAge: \"2.000000042s\" is finer than a millisecond",
  },
  {
    name: "TestValidateCORSPolicy/empty matchType AllowOrigins",
    istio: "invalid",
    yaml: withRoute('corsPolicy: {allowOrigins: [{exact: ""}, {prefix: ""}, {regex: ""}], allowMethods: [GET, POST], allowHeaders: [header1, header2], exposeHeaders: [header3], maxAge: 2s}'),
    error: "corsPolicy.allowOrigins[0]: an empty origin matches no browser's Origin",
  },
  {
    name: "TestValidateCORSPolicy/non empty matchType AllowOrigins",
    istio: "valid",
    yaml: withRoute("corsPolicy: {allowOrigins: [{exact: exact}, {prefix: prefix}, {regex: regex}], allowMethods: [GET, POST], allowHeaders: [header1, header2], exposeHeaders: [header3], maxAge: 2s}"),
  },
  { name: "validateCORSPolicy: a method in lower case", istio: "invalid", yaml: withRoute("corsPolicy: {allowMethods: [get]}"), error: '"get" is not an HTTP method Istio accepts' },
  { name: "validateCORSPolicy: * as method and header", istio: "valid", yaml: withRoute('corsPolicy: {allowOrigins: [{exact: "https://a.example"}], allowMethods: ["*"], allowHeaders: ["*"]}') },
  { name: "validateCORSPolicy: fractional maxAge", istio: "invalid", yaml: withRoute("corsPolicy: {maxAge: 1.5s}"), error: "corsPolicy.maxAge: must be whole seconds" },
  { name: "validateCORSPolicy: maxAge in milliseconds", istio: "invalid", yaml: withRoute("corsPolicy: {maxAge: 500ms}"), error: "must be whole seconds" },
  { name: "validateCORSPolicy: a header name with a space", istio: "invalid", yaml: withRoute('corsPolicy: {allowHeaders: ["x api key"]}'), error: '"x api key" is not a header name' },
  {
    name: "CorsPolicy.unmatchedPreflights (Istio 1.23)",
    istio: "valid",
    yaml: withRoute("corsPolicy: {allowOrigins: [{exact: 'https://a.example'}], unmatchedPreflights: IGNORE}"),
    error: "unmatchedPreflights: is an Istio field edge-mirror does not support yet (Istio 1.23)",
    edge: "`http[].corsPolicy`",
  },

  // TestValidateHTTPFaultInjectionAbort
  { name: "TestValidateHTTPFaultInjectionAbort/valid", istio: "valid", yaml: withRoute("fault: {abort: {percentage: {value: 20}, httpStatus: 200}}") },
  { name: "TestValidateHTTPFaultInjectionAbort/valid default (no percentage: a warning)", istio: "valid", yaml: withRoute("fault: {abort: {httpStatus: 200}}") },
  { name: "TestValidateHTTPFaultInjectionAbort/invalid http status", istio: "invalid", yaml: withRoute("fault: {abort: {percentage: {value: 20}, httpStatus: 9000}}"), error: "abort.httpStatus: must be an HTTP status 200..599, found 9000" },
  { name: "TestValidateHTTPFaultInjectionAbort/invalid low http status", istio: "invalid", yaml: withRoute("fault: {abort: {percentage: {value: 20}, httpStatus: 100}}"), error: "found 100" },
  { name: "TestValidateHTTPFaultInjectionAbort/valid percentage", istio: "valid", yaml: withRoute("fault: {abort: {percentage: {value: 0.001}, httpStatus: 200}}") },
  {
    name: "TestValidateHTTPFaultInjectionAbort/invalid fractional percent",
    istio: "invalid",
    yaml: withRoute("fault: {abort: {percentage: {value: -10}, httpStatus: 200}}"),
    error: "abort.percentage.value: must be between 0 and 100, found -10",
  },
  {
    name: "TestValidateHTTPFaultInjectionAbort/grpc: valid",
    istio: "valid",
    yaml: withRoute("fault: {abort: {percentage: {value: 20}, grpcStatus: DEADLINE_EXCEEDED}}"),
    error: "abort.grpcStatus: cannot apply at the edge",
    edge: "`http[].fault`",
  },
  {
    name: "TestValidateHTTPFaultInjectionAbort/grpc: invalid status",
    istio: "invalid",
    yaml: withRoute("fault: {abort: {percentage: {value: 20}, grpcStatus: BAD_STATUS}}"),
    error: "abort.grpcStatus: cannot apply at the edge",
  },
  {
    name: "TestValidateHTTPFaultInjectionAbort/grpc: invalid fractional percent",
    istio: "invalid",
    yaml: withRoute("fault: {abort: {percentage: {value: -10}, grpcStatus: DEADLINE_EXCEEDED}}"),
    error: "must be between 0 and 100, found -10",
  },
  {
    name: "validatePercentage: an abort percentage below 0.0001",
    istio: "invalid",
    yaml: withRoute("fault: {abort: {percentage: {value: 0.00001}, httpStatus: 503}}"),
    error: "abort.percentage.value: must be 0 or at least 0.0001, found 0.00001",
  },
  {
    name: "HTTPFaultInjection.Abort.percent (reserved: only Delay has the deprecated percent)",
    istio: "invalid",
    yaml: withRoute("fault: {abort: {httpStatus: 503, percent: 100}}"),
    error: 'fault.abort.percent: unknown field "percent"',
  },
  {
    name: "validateHTTPFaultInjection: fault: {}",
    istio: "invalid",
    yaml: withRoute("fault: {}"),
    error: "spec.http[0].fault: injects nothing: it needs an abort and/or a delay",
  },

  // TestValidateHTTPFaultInjectionDelay
  { name: "TestValidateHTTPFaultInjectionDelay/valid fixed", istio: "valid", yaml: withRoute("fault: {delay: {percentage: {value: 20}, fixedDelay: 3s}}") },
  { name: "TestValidateHTTPFaultInjectionDelay/valid default (no percentage: a warning)", istio: "valid", yaml: withRoute("fault: {delay: {fixedDelay: 3s}}") },
  { name: "TestValidateHTTPFaultInjectionDelay/invalid percent", istio: "invalid", yaml: withRoute("fault: {delay: {percentage: {value: 101}, fixedDelay: 3s}}"), error: "found 101" },
  { name: "TestValidateHTTPFaultInjectionDelay/invalid delay", istio: "invalid", yaml: withRoute("fault: {delay: {percentage: {value: 20}, fixedDelay: 3.000000042s}}"), error: "delay.fixedDelay: \"3.000000042s\" is finer than a millisecond" },
  { name: "TestValidateHTTPFaultInjectionDelay/valid fractional percentage", istio: "valid", yaml: withRoute("fault: {delay: {percentage: {value: 0.001}, fixedDelay: 3s}}") },
  {
    name: "TestValidateHTTPFaultInjectionDelay/invalid fractional percentage",
    istio: "invalid",
    yaml: withRoute("fault: {delay: {percentage: {value: -10}, fixedDelay: 3s}}"),
    error: "found -10",
  },
  { name: "HTTPFaultInjection.Delay.percent (deprecated: a warning)", istio: "valid", yaml: withRoute("fault: {delay: {percent: 10, fixedDelay: 3s}}") },
  {
    name: "validatePercentage: a delay percentage finer than 0.0001 (truncated, with a warning)",
    istio: "valid",
    yaml: withRoute("fault: {delay: {percentage: {value: 12.34567}, fixedDelay: 1s}}"),
  },
];
