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
