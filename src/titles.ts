/**
 * Main-area tab titles name their kind ("Run: churn-rf", "Job: churn-rf"):
 * a job and its run, or a model and its endpoint, often share a name.
 */

/** The kinds of main-area views. */
export type ViewKind =
  | 'Experiment'
  | 'Run'
  | 'Compare'
  | 'Job'
  | 'Model'
  | 'Version'
  | 'Endpoint'
  | 'Tuning'
  | 'Feature group';

/** A tab label: the kind, then the name. */
export function tabLabel(kind: ViewKind, name: string): string {
  return `${kind}: ${name}`;
}
