// Istio's HTTPRoute validation cases (istio/istio pkg/config/validation/validation_test.go:
// TestValidateHTTPRoute, TestValidateDestination, TestValidateHTTPRedirect,
// TestValidateHTTPDirectResponse, TestValidateHTTPRewrite, TestValidateUriRegexRewrite,
// and validateHTTPRouteConflict in virtualservice.go), ported as routes of a
// VirtualService for foo.bar. Header names, values and matches are part A's cases.
import { httpRoute, TO_FOO_BAZ, type IstioCase } from "./case";

const ROUTE = TO_FOO_BAZ;

export const HTTP_ROUTE_CASES: IstioCase[] = [
  // TestValidateHTTPRoute
  { name: "TestValidateHTTPRoute/empty", istio: "invalid", yaml: httpRoute("{}"), error: "spec.http[0].route: is required" },
  { name: "TestValidateHTTPRoute/simple", istio: "valid", yaml: httpRoute(ROUTE) },
  { name: "TestValidateHTTPRoute/no destination", istio: "invalid", yaml: httpRoute("route: [{}]"), error: "spec.http[0].route[0].destination: is required" },
  {
    name: "TestValidateHTTPRoute/weighted",
    istio: "valid",
    yaml: httpRoute("route:\n- {destination: {host: foo.baz.south}, weight: 25}\n- {destination: {host: foo.baz.east}, weight: 75}"),
  },
  {
    name: "TestValidateHTTPRoute/total weight > 100",
    istio: "valid",
    yaml: httpRoute("route:\n- {destination: {host: foo.baz.south}, weight: 550}\n- {destination: {host: foo.baz.east}, weight: 500}"),
  },
  {
    name: "TestValidateHTTPRoute/total weight < 100",
    istio: "valid",
    yaml: httpRoute("route:\n- {destination: {host: foo.baz.south}, weight: 49}\n- {destination: {host: foo.baz.east}, weight: 50}"),
  },
  { name: "TestValidateHTTPRoute/simple redirect", istio: "valid", yaml: httpRoute("redirect: {uri: /lerp, authority: foo.biz}") },
  {
    name: "TestValidateHTTPRoute/prefix_rewrite redirect with prefix URI match",
    istio: "valid",
    yaml: httpRoute("match: [{uri: {prefix: /foo}}]\nredirect: {prefixRewrite: /bar}"),
  },
  {
    name: "TestValidateHTTPRoute/prefix_rewrite redirect with exact URI match is invalid",
    istio: "invalid",
    yaml: httpRoute("match: [{uri: {exact: /foo}}]\nredirect: {prefixRewrite: /bar}"),
    error: "spec.http[0].match[0].uri: must be a prefix match: the route's redirect has prefixRewrite",
  },
  {
    name: "TestValidateHTTPRoute/prefix_rewrite redirect with regex URI match is invalid",
    istio: "invalid",
    yaml: httpRoute("match: [{uri: {regex: /foo.*}}]\nredirect: {prefixRewrite: /bar}"),
    error: "must be a prefix match",
  },
  {
    name: "TestValidateHTTPRoute/prefix_rewrite redirect with no URI match (wildcard) is valid",
    istio: "valid",
    yaml: httpRoute("match: [{headers: {x-foo: {exact: bar}}}]\nredirect: {prefixRewrite: /bar}"),
  },
  {
    name: "TestValidateHTTPRoute/conflicting redirect and route",
    istio: "invalid",
    yaml: httpRoute(`${ROUTE}\nredirect: {uri: /lerp, authority: foo.biz}`),
    error: "an HTTP route takes exactly one of route, redirect, directResponse",
  },
  { name: "TestValidateHTTPRoute/request response headers", istio: "valid", yaml: httpRoute(ROUTE) },
  {
    name: "TestValidateHTTPRoute/valid headers (empty values)",
    istio: "valid",
    yaml: httpRoute(
      'route:\n- destination: {host: foo.baz}\n  headers:\n    request: {add: {name: ""}, set: {name: ""}, remove: [name]}\n    response: {add: {name: ""}, set: {name: ""}, remove: [name]}',
    ),
  },
  { name: "TestValidateHTTPRoute/nil match", istio: "valid", yaml: httpRoute(ROUTE) },
  { name: "TestValidateHTTPRoute/match with nil element", istio: "valid", yaml: httpRoute(`match: [null]\n${ROUTE}`) },
  {
    name: "TestValidateHTTPRoute/invalid mirror percent (with the mirror it applies to)",
    istio: "invalid",
    yaml: httpRoute(`${ROUTE}\nmirror: {host: foo.baz}\nmirrorPercent: 101`),
    error: "spec.http[0].mirrorPercent: must be a whole number from 0 to 100, found 101",
  },
  {
    name: "TestValidateHTTPRoute/invalid mirror percentage (with the mirror it applies to)",
    istio: "invalid",
    yaml: httpRoute(`${ROUTE}\nmirror: {host: foo.baz}\nmirrorPercentage: {value: 101}`),
    error: "mirrorPercentage.value: must be between 0 and 100, found 101",
  },
  {
    name: "TestValidateHTTPRoute/valid mirror percentage (with the mirror it applies to)",
    istio: "valid",
    yaml: httpRoute(`${ROUTE}\nmirror: {host: foo.baz}\nmirrorPercentage: {value: 1}`),
  },
  {
    name: "TestValidateHTTPRoute/valid mirror percentage (as written: no mirror)",
    istio: "valid",
    yaml: httpRoute(`${ROUTE}\nmirrorPercentage: {value: 1}`),
    error: "spec.http[0].mirrorPercentage: has no effect without mirror",
    edge: "`http[].mirrorPercentage.value`",
  },
  {
    name: "TestValidateHTTPRoute/negative mirror percentage (with the mirror it applies to)",
    istio: "invalid",
    yaml: httpRoute(`${ROUTE}\nmirror: {host: foo.baz}\nmirrorPercentage: {value: -1}`),
    error: "must be between 0 and 100, found -1",
  },
  {
    name: "TestValidateHTTPRoute/mirrors without destination",
    istio: "invalid",
    yaml: httpRoute(`${ROUTE}\nmirrors: [{}]`),
    error: "spec.http[0].mirrors[0].destination: is required",
  },
  {
    name: "TestValidateHTTPRoute/mirrors invalid mirror percentage",
    istio: "invalid",
    yaml: httpRoute(`${ROUTE}\nmirrors:\n- destination: {host: foo.baz}\n- {destination: {host: foo.baz}, percentage: {value: 101}}`),
    error: "spec.http[0].mirrors[1].percentage.value: must be between 0 and 100, found 101",
  },
  {
    name: "TestValidateHTTPRoute/mirrors valid mirror percentage",
    istio: "valid",
    yaml: httpRoute(`${ROUTE}\nmirrors:\n- {destination: {host: foo.baz}, percentage: {value: 1}}\n- {destination: {host: foo.baz}, percentage: {value: 50}}`),
  },
  {
    name: "TestValidateHTTPRoute/mirrors negative mirror percentage",
    istio: "invalid",
    yaml: httpRoute(`${ROUTE}\nmirrors: [{destination: {host: foo.baz}, percentage: {value: -1}}]`),
    error: "must be between 0 and 100, found -1",
  },
  {
    name: "TestValidateHTTPRoute/conflicting mirror and mirrors",
    istio: "invalid",
    yaml: httpRoute(`${ROUTE}\nmirror: {host: foo.baz}\nmirrors: [{destination: {host: foo.bar}}]`),
    error: "cannot be used together with mirror",
  },

  // TestValidateDestination, as a route's destination
  { name: "TestValidateDestination/empty", istio: "invalid", yaml: httpRoute("route: [{destination: {}}]"), error: "spec.http[0].route[0].destination.host: is required" },
  { name: "TestValidateDestination/simple", istio: "valid", yaml: httpRoute("route: [{destination: {host: foo.bar}}]") },
  { name: "TestValidateDestination/full", istio: "valid", yaml: httpRoute("route: [{destination: {host: foo.bar, subset: shiny, port: {number: 5000}}}]") },
  {
    name: "TestValidateDestination/unnumbered-selector",
    istio: "invalid",
    yaml: httpRoute("route: [{destination: {host: foo.bar, subset: shiny, port: {}}}]"),
    error: "destination.port.number: is required",
  },
  // TestValidateRouteDestination's host and weight cases, on an HTTP route (validateDestination, validateWeight)
  { name: "TestValidateRouteDestination/wildcard", istio: "invalid", yaml: httpRoute("route: [{destination: {host: '*'}}]"), error: "a destination names one service, not *" },
  { name: "TestValidateRouteDestination/bad wildcard", istio: "invalid", yaml: httpRoute("route: [{destination: {host: 'foo.*'}}]"), error: 'label "*" is invalid' },
  { name: "TestValidateRouteDestination/bad fqdn", istio: "invalid", yaml: httpRoute("route: [{destination: {host: default/baz}}]"), error: '"default/baz" is not a host name' },
  {
    name: "TestValidateRouteDestination/weight < 0",
    istio: "invalid",
    yaml: httpRoute("route:\n- {destination: {host: foo.baz.south}, weight: 5}\n- {destination: {host: foo.baz.east}, weight: -1}"),
    error: "weight: must be a whole number ≥ 0, found -1",
  },
  {
    name: "TestValidateRouteDestination/total weight = 100",
    istio: "valid",
    yaml: httpRoute("route:\n- {destination: {host: foo.baz.south}, weight: 100}\n- {destination: {host: foo.baz.east}, weight: 0}"),
  },
  { name: "TestValidateRouteDestination/weight = 0", istio: "valid", yaml: httpRoute("route: [{destination: {host: foo.baz.south}, weight: 0}]") },
  {
    name: "TestValidateRouteDestination/total weight = 0 with multi RouteDestination",
    istio: "invalid",
    yaml: httpRoute("route:\n- {destination: {host: foo.baz.south}, weight: 0}\n- {destination: {host: foo.baz.east}, weight: 0}"),
    error: "every destination has weight 0",
  },
  {
    name: "validateSubsetName: a subset that is not a DNS label",
    istio: "invalid",
    yaml: httpRoute("route: [{destination: {host: foo.bar, subset: v1_0}}]"),
    error: 'subset name "v1_0" is not a DNS label',
  },

  // TestValidateHTTPRedirect
  { name: "TestValidateHTTPRedirect/empty uri and authority", istio: "invalid", yaml: httpRoute('redirect: {uri: "", authority: ""}'), error: "redirects to the very URL requested" },
  { name: "validateHTTPRedirect: redirect: {}", istio: "invalid", yaml: httpRoute("redirect: {}"), error: "spec.http[0].redirect: redirects to the very URL requested, a loop" },
  { name: "TestValidateHTTPRedirect/too small redirect code", istio: "invalid", yaml: httpRoute("redirect: {uri: t, redirectCode: 299}"), error: "redirectCode: must be one of" },
  { name: "TestValidateHTTPRedirect/too large redirect code", istio: "invalid", yaml: httpRoute("redirect: {uri: t, redirectCode: 400}"), error: "redirectCode: must be one of" },
  {
    name: "validateHTTPRedirect: a 3xx code Envoy cannot send (300)",
    istio: "valid",
    yaml: httpRoute("redirect: {uri: t, redirectCode: 300}"),
    error: "redirectCode: must be one of 301, 302, 303, 307, 308, found 300",
    edge: "`http[].redirect`",
  },
  { name: "TestValidateHTTPRedirect/empty authority", istio: "valid", yaml: httpRoute('redirect: {uri: t, authority: ""}') },
  { name: "TestValidateHTTPRedirect/empty uri", istio: "valid", yaml: httpRoute('redirect: {uri: "", authority: t}') },
  { name: "TestValidateHTTPRedirect/empty redirect code", istio: "valid", yaml: httpRoute("redirect: {uri: t, authority: t, redirectCode: 0}") },
  { name: "TestValidateHTTPRedirect/normal redirect", istio: "valid", yaml: httpRoute("redirect: {uri: t, authority: t, redirectCode: 308}") },
  { name: "TestValidateHTTPRedirect/prefix_rewrite alone", istio: "valid", yaml: httpRoute("redirect: {prefixRewrite: /bar}") },
  { name: "TestValidateHTTPRedirect/prefix_rewrite with authority", istio: "valid", yaml: httpRoute("redirect: {authority: foo.example.com, prefixRewrite: /}") },
  {
    name: "TestValidateHTTPRedirect/uri and prefix_rewrite mutually exclusive",
    istio: "invalid",
    yaml: httpRoute("redirect: {uri: /old, prefixRewrite: /new}"),
    error: "may contain uri or prefixRewrite, not both",
  },
  { name: "validateHTTPRedirect: an unknown scheme", istio: "invalid", yaml: httpRoute("redirect: {scheme: ftp}"), error: 'must be http or https, found "ftp"' },
  { name: "validateHTTPRedirect: port out of range", istio: "invalid", yaml: httpRoute("redirect: {port: 70000}"), error: "must be a port number 1..65535" },

  // TestValidateHTTPDirectResponse
  { name: "TestValidateHTTPDirectResponse/status 200", istio: "valid", yaml: httpRoute("directResponse: {status: 200}") },
  { name: "TestValidateHTTPDirectResponse/status 100 (199)", istio: "invalid", yaml: httpRoute("directResponse: {status: 199}"), error: "must be an HTTP status 200..599, found 199" },
  { name: "TestValidateHTTPDirectResponse/status 600 (601)", istio: "invalid", yaml: httpRoute("directResponse: {status: 601}"), error: "must be an HTTP status 200..599, found 601" },
  { name: "TestValidateHTTPDirectResponse/with string body", istio: "valid", yaml: httpRoute("directResponse: {status: 200, body: {string: hello}}") },
  {
    name: "TestValidateHTTPDirectResponse/with string body over 100kb (a warning)",
    istio: "valid",
    yaml: httpRoute(`directResponse: {status: 200, body: {string: ${"a".repeat(101 * 1024)}}}`),
  },
  {
    name: "TestValidateHTTPDirectResponse/with string body over 1mb",
    istio: "invalid",
    yaml: httpRoute(`directResponse: {status: 200, body: {string: ${"a".repeat(2 * 1024 * 1024)}}}`),
    error: "Istio refuses a direct response body over 1 MiB",
  },
  {
    name: "TestValidateHTTPDirectResponse/with bytes body",
    istio: "valid",
    yaml: httpRoute("directResponse: {status: 200, body: {bytes: aGVsbG8=}}"),
    error: "body.bytes: is an Istio field edge-mirror does not support yet",
    edge: "`http[].directResponse`",
  },
  {
    name: "TestValidateHTTPStatus/600 (as a directResponse status)",
    istio: "valid",
    yaml: httpRoute("directResponse: {status: 600}"),
    error: "must be an HTTP status 200..599, found 600",
    edge: "`http[].directResponse`",
  },
  { name: "TestValidateHTTPStatus/0 (as a directResponse status)", istio: "invalid", yaml: httpRoute("directResponse: {status: 0}"), error: "must be an HTTP status 200..599, found 0" },
  { name: "TestValidateHTTPStatus/-100 (as a directResponse status)", istio: "invalid", yaml: httpRoute("directResponse: {status: -100}"), error: "found -100" },

  // TestValidateHTTPRewrite, TestValidateUriRegexRewrite
  { name: "TestValidateHTTPRewrite/uri and authority", istio: "valid", yaml: httpRoute(`${ROUTE}\nrewrite: {uri: /path/to/resource, authority: foobar.org}`) },
  { name: "TestValidateHTTPRewrite/uri", istio: "valid", yaml: httpRoute(`${ROUTE}\nrewrite: {uri: /path/to/resource}`) },
  { name: "TestValidateHTTPRewrite/authority", istio: "valid", yaml: httpRoute(`${ROUTE}\nrewrite: {authority: foobar.org}`) },
  {
    name: "TestValidateHTTPRewrite/uriRegexRewrite",
    istio: "valid",
    yaml: httpRoute(`${ROUTE}\nrewrite: {uriRegexRewrite: {match: "^/service/([^/]+)(/.*)$", rewrite: '\\2/instance/\\1'}}`),
  },
  {
    name: "TestValidateHTTPRewrite/uriRegexRewrite and authority",
    istio: "valid",
    yaml: httpRoute(`${ROUTE}\nrewrite: {authority: foobar.org, uriRegexRewrite: {match: "^/service/([^/]+)(/.*)$", rewrite: '\\2/instance/\\1'}}`),
  },
  {
    name: "TestValidateHTTPRewrite/uriRegexRewrite and uri",
    istio: "invalid",
    yaml: httpRoute(`${ROUTE}\nrewrite: {uri: /path/to/resource, uriRegexRewrite: {match: "^/service/([^/]+)(/.*)$", rewrite: '\\2/instance/\\1'}}`),
    error: "may contain uri or uriRegexRewrite, not both",
  },
  { name: "TestValidateHTTPRewrite/no uri, uriRegexRewrite, or authority", istio: "invalid", yaml: httpRoute(`${ROUTE}\nrewrite: {}`), error: "spec.http[0].rewrite: rewrites nothing" },
  { name: "validateHTTPRewrite: an empty uri is not set", istio: "invalid", yaml: httpRoute(`${ROUTE}\nrewrite: {uri: ""}`), error: "rewrites nothing" },
  {
    name: "TestValidateUriRegexRewrite/uriRegexRewrite missing match",
    istio: "invalid",
    yaml: httpRoute(`${ROUTE}\nrewrite: {uriRegexRewrite: {rewrite: '\\2/instance/\\1'}}`),
    error: "uriRegexRewrite.match: is required and must not be empty",
  },
  {
    name: "TestValidateUriRegexRewrite/uriRegexRewrite missing rewrite",
    istio: "invalid",
    yaml: httpRoute(`${ROUTE}\nrewrite: {uriRegexRewrite: {match: "^/service/([^/]+)(/.*)$"}}`),
    error: "uriRegexRewrite.rewrite: is required and must not be empty",
  },
  {
    name: "TestValidateUriRegexRewrite/uriRegexRewrite invalid regex patterns",
    istio: "invalid",
    yaml: httpRoute(`${ROUTE}\nrewrite: {uriRegexRewrite: {match: "[", rewrite: "["}}`),
    error: "uriRegexRewrite.match",
  },

  // validateHTTPRouteConflict (virtualservice.go)
  {
    name: "validateHTTPRouteConflict: fault and redirect",
    istio: "invalid",
    yaml: httpRoute("redirect: {uri: /new}\nfault: {abort: {httpStatus: 503, percentage: {value: 100}}}"),
    error: "spec.http[0].fault: cannot be on a route with redirect (Istio refuses both)",
  },
  {
    name: "validateHTTPRouteConflict: rewrite and redirect",
    istio: "invalid",
    yaml: httpRoute("redirect: {uri: /new}\nrewrite: {uri: /v2}"),
    error: "spec.http[0].rewrite: cannot be on a route with redirect",
  },
  {
    name: "validateHTTPRouteConflict: direct_response and redirect",
    istio: "invalid",
    yaml: httpRoute("redirect: {uri: /new}\ndirectResponse: {status: 200}"),
    error: "an HTTP route takes exactly one of route, redirect, directResponse",
  },
  {
    name: "validateHTTPRouteConflict: route and direct_response",
    istio: "invalid",
    yaml: httpRoute(`${ROUTE}\ndirectResponse: {status: 200}`),
    error: "an HTTP route takes exactly one of route, redirect, directResponse",
  },
  {
    name: "validateHTTPRouteConflict: fault and direct_response",
    istio: "invalid",
    yaml: httpRoute("directResponse: {status: 200}\nfault: {delay: {fixedDelay: 1s, percentage: {value: 100}}}"),
    error: "spec.http[0].fault: cannot be on a route with directResponse",
  },
  {
    name: "validateHTTPRouteConflict: rewrite and direct_response",
    istio: "invalid",
    yaml: httpRoute("directResponse: {status: 200}\nrewrite: {uri: /v2}"),
    error: "spec.http[0].rewrite: cannot be on a route with directResponse",
  },
  {
    name: "validateHTTPRouteConflict: a mirror on a redirect route (Istio drops it silently)",
    istio: "valid",
    yaml: httpRoute("redirect: {uri: /new}\nmirror: {host: foo.baz}"),
    error: "has nothing to mirror",
    edge: "`http[].mirror`",
  },

  // ValidateDuration (agent/validation.go) on the route timeout
  { name: "ValidateDuration: timeout 1ms", istio: "valid", yaml: httpRoute(`${ROUTE}\ntimeout: 1ms`) },
  { name: "ValidateDuration: timeout below 1ms", istio: "invalid", yaml: httpRoute(`${ROUTE}\ntimeout: 0.5ms`), error: "timeout: must be at least 1ms" },
  { name: "ValidateDuration: timeout finer than a millisecond", istio: "invalid", yaml: httpRoute(`${ROUTE}\ntimeout: 1.5ms`), error: "is finer than a millisecond" },
  { name: "ValidateDuration: timeout 0s", istio: "invalid", yaml: httpRoute(`${ROUTE}\ntimeout: 0s`), error: "timeout: must be at least 1ms" },
];
