/**
 * The tuning UI's names for the `tuning-jobs` client and wire types
 * (src/api/tuning.ts, src/api/types.ts), plus the few narrower aliases the
 * form and the plots use.
 */
import type {
  CategoricalRange,
  ContinuousRange,
  TrainingJobCreate,
  TuningJob,
  TuningJobSpec
} from '../api/types';

export {
  cloneTuningJob,
  createTuningJob,
  getImportances,
  getTuningJob,
  isTuningActive,
  listTrials,
  listTuningJobs,
  stopTuningJob,
  TRIAL_STATES,
  TUNING_STATUSES
} from '../api/tuning';
export type {
  CategoricalRange,
  ContinuousRange,
  IntegerRange,
  ParameterRange,
  TrialInfo,
  TrialState,
  TuningJob,
  TuningJobCreate,
  TuningJobSpec,
  TuningJobStatus
} from '../api/types';

/** A tuning job's base training job (what the training form sends). */
export type TrainingSpec = NonNullable<TuningJobSpec['training']> &
  Pick<TrainingJobCreate, 'experiment'>;
export type Strategy = TuningJob['strategy'];
export type EarlyStopping = NonNullable<TuningJobSpec['early_stopping']>;
export type Direction = TuningJob['objectives'][number]['direction'];
export type Scaling = NonNullable<ContinuousRange['scaling']>;
export type CategoricalValue = CategoricalRange['values'][number];
