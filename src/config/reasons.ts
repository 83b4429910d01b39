// Reasons shared by the key rules of several Istio kinds.

/** Istio fields edge-mirror will implement: refused until then, never ignored. */
export const NOT_YET = "planned; see the README's routes.yaml reference";
/** `exportTo` appears on every Istio kind; harmless at the edge. */
export const EXPORT_TO = { exportTo: "namespaces do not exist at the edge; every resource in routes.yaml is visible" };
