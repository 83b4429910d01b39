// Reasons shared by the key rules of several Istio kinds.

/** Istio fields edge-mirror will implement: refused until then, never ignored. */
export const NOT_YET = "planned; see docs/reference.md";
