/**
 * Opening job views (one per job; an open one is activated again, and the
 * layout restorer brings them back) and training forms.
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import { WidgetTracker } from '@jupyterlab/apputils';
import type { Event, ServerConnection } from '@jupyterlab/services';

import type { Job } from '../api/types';
import { TrainingFormView } from './form';
import { TrainingFormModel } from './form-model';
import { JobModel } from './job-model';
import { JobView } from './view';
import { showView } from '../ui/view';

export namespace JobViews {
  export interface IOptions {
    app: JupyterFrontEnd;
    serverSettings?: ServerConnection.ISettings;
    events?: Event.IManager | null;
    /** Paths of the files selected in the file browser, if there is one. */
    selectedFiles?: () => ReadonlyArray<string>;
  }
}

export class JobViews {
  constructor(options: JobViews.IOptions) {
    this._options = options;
  }

  readonly jobs = new WidgetTracker<JobView>({ namespace: 'mlstudio-job' });
  readonly forms = new WidgetTracker<TrainingFormView>({
    namespace: 'mlstudio-training-form'
  });

  /** Show a job, reusing an open view. */
  openJob(jobId: string): Promise<JobView> {
    const { app, serverSettings, events } = this._options;
    const open = this.jobs.find(view => view.model.jobId === jobId);
    return showView(app, this.jobs, open, () => {
      const model = new JobModel({ jobId, serverSettings, events });
      return new JobView({ model, commands: app.commands });
    });
  }

  /**
   * Open the training form. An open form is reused (and given the data
   * path and experiment, if passed) so the user's input is never thrown away.
   */
  openTrainingForm(
    trainPath?: string,
    experiment?: string
  ): Promise<TrainingFormView> {
    const { app } = this._options;
    const open = this.forms.currentWidget ?? this.forms.find(() => true);
    if (open && trainPath) {
      open.model.setPath('train', trainPath);
    }
    if (open && experiment) {
      open.model.setExperiment(experiment);
    }
    return showView(app, this.forms, open, () => {
      const model = new TrainingFormModel({
        serverSettings: this._options.serverSettings,
        selectedFiles: this._options.selectedFiles,
        trainPath,
        experiment
      });
      const view = new TrainingFormView({
        model,
        onSubmitted: (job: Job) => {
          void this.openJob(job.id).then(() => view.close());
        }
      });
      return view;
    });
  }

  private _options: JobViews.IOptions;
}
