/**
 * Opening tuning-job views (one per tuning job; an open one is activated
 * again, and the layout restorer brings them back) and tuning forms, empty
 * or prefilled from a training job (Tune…) or a tuning job (Clone,
 * Warm-start from this).
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import { WidgetTracker } from '@jupyterlab/apputils';
import { PageConfig } from '@jupyterlab/coreutils';
import type { Event, ServerConnection } from '@jupyterlab/services';

import type { TrainingSpec, TuningJob, TuningJobSpec } from './api';
import type { ThemeWatcher } from '../charts/theme';
import { TuningFormView } from './form';
import { TuningFormModel } from './form-model';
import { TuningJobModel } from './job-model';
import { TuningJobView } from './view';
import { showView } from '../ui/view';

export namespace TuningViews {
  export interface IOptions {
    app: JupyterFrontEnd;
    serverSettings?: ServerConnection.ISettings;
    events?: Event.IManager | null;
    theme: ThemeWatcher;
    selectedFiles?: () => ReadonlyArray<string>;
    /** Called when a tuning job was started from a form. */
    onCreated?: (job: TuningJob) => void;
  }
}

/** What a form starts from. */
export interface IFormStart {
  training?: TrainingSpec;
  spec?: TuningJobSpec;
  warmStart?: ReadonlyArray<string>;
  /** The tab's label. */
  label?: string;
}

export class TuningViews {
  constructor(options: TuningViews.IOptions) {
    this._options = options;
  }

  readonly jobs = new WidgetTracker<TuningJobView>({
    namespace: 'mlstudio-tuning'
  });
  readonly forms = new WidgetTracker<TuningFormView>({
    namespace: 'mlstudio-tuning-form'
  });

  /** Show a tuning job, reusing an open view. */
  openJob(tuningJobId: string): Promise<TuningJobView> {
    const { app, serverSettings, events, theme } = this._options;
    const open = this.jobs.find(view => view.model.tuningJobId === tuningJobId);
    return showView(app, this.jobs, open, () => {
      const model = new TuningJobModel({
        tuningJobId,
        serverSettings,
        events
      });
      return new TuningJobView({ model, commands: app.commands, theme });
    });
  }

  /**
   * Open the tuning form. An empty form already open is reused (the user's
   * input is never thrown away); a prefilled one always opens anew.
   */
  openForm(start: IFormStart = {}): Promise<TuningFormView> {
    const { app } = this._options;
    const prefilled = Boolean(start.training || start.spec || start.warmStart);
    const open = prefilled
      ? null
      : (this.forms.currentWidget ?? this.forms.find(() => true));
    return showView(app, this.forms, open, () => {
      const model = new TuningFormModel({
        serverSettings: this._options.serverSettings,
        selectedFiles: this._options.selectedFiles,
        training: start.training ? relativeTraining(start.training) : undefined,
        spec: start.spec ? relativeSpec(start.spec) : undefined,
        warmStart: start.warmStart
      });
      const view = new TuningFormView({
        model,
        label: start.label,
        onSubmitted: job => {
          this._options.onCreated?.(job);
          void this.openJob(job.id).then(() => view.close());
        }
      });
      return view;
    });
  }

  private _options: TuningViews.IOptions;
}

/**
 * A server path as the file browser shows it (relative to the server's
 * root): stored specs hold absolute paths, the form takes relative ones.
 */
export function relativePath(path: string, root: string): string {
  if (!path.startsWith('/') || !root) {
    return path;
  }
  const base = root.replace(/\/+$/, '');
  if (base.startsWith('~')) {
    // "~/work": the home folder is not known here; match the rest
    const rest = `${base.slice(1)}/`;
    const at = path.indexOf(rest);
    return at >= 0 ? path.slice(at + rest.length) : path;
  }
  return path.startsWith(`${base}/`) ? path.slice(base.length + 1) : path;
}

function relativeTraining(spec: TrainingSpec): TrainingSpec {
  const root = PageConfig.getOption('serverRoot');
  const channels: Record<string, string> = {};
  for (const [name, path] of Object.entries(spec.channels ?? {})) {
    channels[name] = relativePath(path, root);
  }
  return { ...spec, channels };
}

function relativeSpec(spec: TuningJobSpec): TuningJobSpec {
  return {
    ...spec,
    name: null,
    training: spec.training ? relativeTraining(spec.training) : spec.training
  };
}
