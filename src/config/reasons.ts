// Reasons shared by the key rules of several Istio kinds.

/** Istio fields edge-mirror will implement: refused until then, never ignored. */
export const NOT_YET = "planned; see the README's routes.yaml reference";
/**
 * A VirtualService's `exportTo` chooses which namespaces' proxies apply it; the worker
 * applies it to every request for its hosts. (DestinationRule and ServiceEntry exportTo
 * are honoured: istio-namespaces.ts.)
 */
export const EXPORT_TO = { exportTo: "it chooses which namespaces' proxies apply this VirtualService; the worker applies it to every request for its hosts, which reach the edge from outside any namespace" };
