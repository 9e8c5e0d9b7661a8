/**
 * Axes of the parallel-coordinates plot: a range and explicit, rounded
 * ticks. Plotly's own ticks on a near-constant axis (0.3 and 0.30000001)
 * label float noise ("0.30000001, 0.3000002…"); such an axis gets one tick
 * with the value itself, and others ticks at round steps (1, 2 or 5 × 10ⁿ).
 */

/** A spread below this share of the values' magnitude is float noise. */
const NOISE = 1e-6;
/** About this many ticks per axis. */
const TICKS = 5;

export interface INumericAxis {
  /** The values to draw; missing ones sit just below the range's data. */
  values: number[];
  range: [number, number];
  tickvals: number[];
  ticktext: string[];
}

/** A numeric parcoords axis for `values` (null/undefined/NaN = missing). */
export function numericAxis(
  values: ReadonlyArray<number | null | undefined>
): INumericAxis {
  const finite = values.filter(
    (v): v is number => typeof v === 'number' && isFinite(v)
  );
  let min = finite.length ? Math.min(...finite) : 0;
  let max = finite.length ? Math.max(...finite) : 1;
  let tickvals: number[];
  let ticktext: string[];
  const magnitude = Math.max(Math.abs(min), Math.abs(max));
  if (max - min <= magnitude * NOISE) {
    // One value (up to noise): one tick saying it, a band around it.
    const centre = (min + max) / 2;
    const pad = Math.abs(centre) * 0.1 || 1;
    tickvals = [centre];
    ticktext = [formatValue(centre)];
    min = centre - pad;
    max = centre + pad;
  } else {
    const step = niceStep((max - min) / (TICKS - 1));
    const digits = Math.max(0, -Math.floor(Math.log10(step)));
    tickvals = [];
    for (
      let tick = Math.ceil(min / step) * step;
      tick <= max + step * 1e-9;
      tick += step
    ) {
      tickvals.push(Number(tick.toFixed(Math.min(digits, 20))));
    }
    ticktext = tickvals.map(v => formatTick(v, digits));
  }
  // Runs without the value sit just below the range.
  const missing = min - (max - min) * 0.05;
  return {
    values: values.map(v =>
      typeof v === 'number' && isFinite(v) ? v : missing
    ),
    range: [missing, max],
    tickvals,
    ticktext
  };
}

/** 1, 2 or 5 × 10ⁿ, at least `rough`. */
export function niceStep(rough: number): number {
  const power = 10 ** Math.floor(Math.log10(rough));
  const unit = rough / power;
  const nice = unit <= 1 ? 1 : unit <= 2 ? 2 : unit <= 5 ? 5 : 10;
  return nice * power;
}

function formatTick(value: number, digits: number): string {
  const size = Math.abs(value);
  if (size !== 0 && (size >= 1e6 || digits > 6)) {
    return value.toExponential(3).replace(/\.?0+e/, 'e');
  }
  return value.toFixed(digits);
}

/** A value with at most 6 significant digits (float noise dropped). */
export function formatValue(value: number): string {
  const size = Math.abs(value);
  if (size !== 0 && (size >= 1e6 || size < 1e-4)) {
    return value.toExponential(4).replace(/\.?0+e/, 'e');
  }
  return String(Number(value.toPrecision(6)));
}
