// The standard normal quantile both intervals use (verdict.ts's Wilson interval and
// latency-shift.ts's Wilcoxon interval): its own module, so neither imports the other.

/** The two-sided 95 % quantile of the standard normal distribution, Φ⁻¹(0.975). */
export const Z_95 = 1.959963984540054;
