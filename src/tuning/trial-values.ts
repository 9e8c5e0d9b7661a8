/**
 * What the tuning plots and pages read of trials: a completed trial's
 * objective values, which is better, the best so far, the intermediate values
 * and the Pareto front of two objectives. Pure functions of plain data.
 */

/** What the plots read of a trial. */
export interface IPlotTrial {
  readonly number: number;
  /** Running | Completed | Pruned | Failed | Waiting */
  readonly state: string;
  readonly params: { readonly [name: string]: unknown };
  readonly values?: ReadonlyArray<number> | null;
  /** Step → value (JSON object keys are strings). */
  readonly intermediate_values?: { readonly [step: string]: number } | null;
  readonly pruned_step?: number | null;
}

export type Direction = 'Maximize' | 'Minimize';

/** The objective value of a completed trial, else `null`. */
export function objectiveOf(trial: IPlotTrial, index = 0): number | null {
  if (trial.state !== 'Completed' || !trial.values) {
    return null;
  }
  const value = trial.values[index];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** Whether `a` is better than `b` in `direction`. */
export function isBetter(a: number, b: number, direction: Direction): boolean {
  return direction === 'Maximize' ? a > b : a < b;
}

/**
 * The best value so far after each completed trial, in trial-number order:
 * `[number, best]` pairs.
 */
export function bestSoFar(
  trials: ReadonlyArray<IPlotTrial>,
  direction: Direction
): Array<[number, number]> {
  const completed = trials
    .map(t => [t.number, objectiveOf(t)] as const)
    .filter((p): p is readonly [number, number] => p[1] !== null)
    .sort((a, b) => a[0] - b[0]);
  const result: Array<[number, number]> = [];
  let best: number | null = null;
  for (const [number, value] of completed) {
    if (best === null || isBetter(value, best, direction)) {
      best = value;
    }
    result.push([number, best]);
  }
  return result;
}

/** The best completed trial (single objective), or `null`. */
export function bestTrial<T extends IPlotTrial>(
  trials: ReadonlyArray<T>,
  direction: Direction
): T | null {
  let best: T | null = null;
  let bestValue = 0;
  for (const trial of trials) {
    const value = objectiveOf(trial);
    if (
      value !== null &&
      (best === null || isBetter(value, bestValue, direction))
    ) {
      best = trial;
      bestValue = value;
    }
  }
  return best;
}

/** A trial's intermediate values as sorted `[step, value]` pairs. */
export function intermediateOf(trial: IPlotTrial): Array<[number, number]> {
  const values = trial.intermediate_values ?? {};
  return Object.entries(values)
    .map(([step, value]) => [Number(step), value] as [number, number])
    .filter(([step, value]) => Number.isFinite(step) && Number.isFinite(value))
    .sort((a, b) => a[0] - b[0]);
}

/**
 * The trials no other completed trial beats on both objectives, in order of
 * the first objective.
 */
export function paretoFront<T extends IPlotTrial>(
  trials: ReadonlyArray<T>,
  directions: readonly [Direction, Direction]
): T[] {
  const done = trials.filter(
    t => objectiveOf(t, 0) !== null && objectiveOf(t, 1) !== null
  );
  // Turn both into minimisation.
  const key = (t: T): [number, number] => [
    (directions[0] === 'Maximize' ? -1 : 1) * (objectiveOf(t, 0) as number),
    (directions[1] === 'Maximize' ? -1 : 1) * (objectiveOf(t, 1) as number)
  ];
  const sorted = [...done].sort((a, b) => {
    const [a0, a1] = key(a);
    const [b0, b1] = key(b);
    return a0 - b0 || a1 - b1;
  });
  const front: T[] = [];
  let bestSecond = Infinity;
  for (const trial of sorted) {
    const [, second] = key(trial);
    if (second < bestSecond) {
      front.push(trial);
      bestSecond = second;
    }
  }
  return front;
}
