// Order statistics over repeated measurements.

const sorted = (values) => [...values].sort((a, b) => a - b);

export function median(values) {
  if (values.length === 0) return undefined;
  const s = sorted(values);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Nearest-rank percentile (p in 0..100). */
export function percentile(values, p) {
  if (values.length === 0) return undefined;
  const s = sorted(values);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

/**
 * A 95 % confidence interval of the median that assumes no distribution: the order statistics
 * whose ranks the binomial(n, 1/2) puts 1.96 standard deviations either side of n/2.
 */
export function medianInterval(values) {
  if (values.length < 6) return undefined;
  const s = sorted(values);
  const half = 1.96 * Math.sqrt(s.length) / 2;
  return [s[Math.max(0, Math.floor(s.length / 2 - half))], s[Math.min(s.length - 1, Math.ceil(s.length / 2 + half) - 1)]];
}

export const max = (values) => (values.length ? Math.max(...values) : undefined);

export const round = (value, digits = 1) => (value === undefined ? undefined : Number(value.toFixed(digits)));
