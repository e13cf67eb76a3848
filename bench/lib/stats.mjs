// Figures are medians of repeated runs; spread is (max - min) / median so noisy runs are visible.
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function summarize(values) {
  const m = median(values);
  const spread = m === 0 ? 0 : (Math.max(...values) - Math.min(...values)) / m;
  return { median: m, spread, runs: values.length, values };
}

/** The `p`-quantile (0..1) of `values`, interpolated linearly between the two nearest ranks. */
export function quantile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * p;
  const low = Math.floor(at);
  return sorted[low] + (sorted[Math.min(low + 1, sorted.length - 1)] - sorted[low]) * (at - low);
}

/**
 * The interquartile range over the median: how much repeated runs disagree, passing over the one
 * or two outliers that (max - min) / median is all about; 0 for a median of 0.
 */
export function quartileSpread(values) {
  const m = median(values);
  return m === 0 ? 0 : (quantile(values, 0.75) - quantile(values, 0.25)) / m;
}
