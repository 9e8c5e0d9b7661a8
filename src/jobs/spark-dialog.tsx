/**
 * "Run as Spark Job…": a PySpark script as a Spark processing job (SageMaker's
 * PySparkProcessor). The dialog asks for what spark-submit needs beyond the
 * script: the instance count (cores of a local Spark), an optional master URL,
 * arguments and a folder for Spark's event logs. A refusal is shown in the
 * dialog, which opens again with what was entered.
 */
import type { ServerConnection } from '@jupyterlab/services';
import * as React from 'react';

import { createProcessingJob } from '../api/jobs';
import type { Job } from '../api/types';
import { Field, FormError, runForm } from '../ui/form';

interface ISparkState {
  instanceCount: string;
  master: string;
  arguments: string;
  eventLogs: string;
  error: string | null;
}

/** Words of an argument line; "double" or 'single' quotes keep spaces. */
export function splitArguments(line: string): string[] {
  const words: string[] = [];
  const pattern = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (const match of line.matchAll(pattern)) {
    words.push(match[1] ?? match[2] ?? match[3] ?? '');
  }
  return words;
}

/** Ask for the Spark options of `path` and start the job; it, or `null`. */
export function runAsSparkJobDialog(
  path: string,
  settings?: ServerConnection.ISettings
): Promise<Job | null> {
  const state: ISparkState = {
    instanceCount: '2',
    master: '',
    arguments: '',
    eventLogs: '',
    error: null
  };
  return runForm<ISparkState, Job>({
    title: `Run ${path.split('/').pop()} on Spark`,
    accept: 'Run',
    state,
    render: (s, update) => <SparkForm state={s} update={update} />,
    // the instance count's input bounds keep Run disabled outside 1..256
    submit: s =>
      createProcessingJob(
        {
          code: path,
          framework: 'spark',
          instance_count: Number(s.instanceCount),
          spark_master: s.master.trim() || null,
          arguments: splitArguments(s.arguments),
          spark_event_logs_uri: s.eventLogs.trim() || null
        },
        settings
      )
  });
}

function SparkForm(props: {
  state: ISparkState;
  update: () => void;
}): JSX.Element {
  const { state, update } = props;
  const set =
    (key: 'instanceCount' | 'master' | 'arguments' | 'eventLogs') =>
    (event: React.ChangeEvent<HTMLInputElement>) => {
      state[key] = event.target.value;
      update();
    };
  return (
    <div data-testid="mls-spark-job-dialog">
      <FormError state={state} update={update} />
      <Field
        label="Instance count"
        help="Executors; on the local Spark, the cores it uses (local[N])."
      >
        <input
          type="number"
          min={1}
          max={256}
          className="jp-MLStudio-input"
          data-testid="mls-spark-instance-count"
          value={state.instanceCount}
          onChange={set('instanceCount')}
        />
      </Field>
      <Field
        label="Spark master"
        help="Optional, e.g. spark://host:7077. Empty: the studio's master, else a local Spark."
      >
        <input
          type="text"
          className="jp-MLStudio-input jp-MLStudio-mono"
          data-testid="mls-spark-master"
          placeholder="local[N]"
          value={state.master}
          onChange={set('master')}
        />
      </Field>
      <Field
        label="Arguments"
        help="Passed to the script; quote words with spaces."
      >
        <input
          type="text"
          className="jp-MLStudio-input jp-MLStudio-mono"
          data-testid="mls-spark-arguments"
          value={state.arguments}
          onChange={set('arguments')}
        />
      </Field>
      <Field
        label="Event logs folder"
        help="Optional: where Spark's event logs are copied (relative to the root folder)."
      >
        <input
          type="text"
          className="jp-MLStudio-input jp-MLStudio-mono"
          data-testid="mls-spark-event-logs"
          value={state.eventLogs}
          onChange={set('eventLogs')}
        />
      </Field>
    </div>
  );
}
