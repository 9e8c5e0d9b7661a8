/**
 * An inference pipeline's stages: the Data Wrangler flow (its steps, the raw
 * columns it takes, the columns it hands on) → each variant's model. Shown
 * only for an endpoint deployed with a preprocessing flow.
 */
import { PageConfig } from '@jupyterlab/coreutils';
import * as React from 'react';

import type { Endpoint } from '../../api/types';
import { CommandIDs } from '../../command-ids';
import { LinkButton, PageSection } from '../../ui/components';
import type { IContentProps } from './props';

/**
 * The flow's path for the file browser: relative to the server's root (the
 * REST API records the resolved path).
 */
function browserPath(path: string): string {
  const root = PageConfig.getOption('serverRoot').replace(/\/+$/, '');
  return root && path.startsWith(`${root}/`)
    ? path.slice(root.length + 1)
    : path;
}

/** A list of column names, cut after `limit`. */
function columnList(names: ReadonlyArray<string>, limit = 8): string {
  const shown = names.slice(0, limit).join(', ');
  return names.length > limit ? `${shown} … (${names.length})` : shown;
}

export function StagesSection(
  props: Pick<IContentProps, 'commands'> & { endpoint: Endpoint }
): JSX.Element | null {
  const stages = props.endpoint.stages ?? [];
  const flow = stages.find(stage => stage.kind === 'preprocess');
  if (!flow) {
    return null;
  }
  const models = stages.filter(stage => stage.kind === 'model');
  const steps = flow.steps;
  return (
    <PageSection title="Inference pipeline" testId="mls-endpoint-stages">
      <p className="jp-MLStudio-muted">
        Each request's raw rows go through the flow's fitted steps, then the
        model: send the columns the flow takes.
      </p>
      <ol className="jp-MLStudio-stages" aria-label="Stages">
        <li className="jp-MLStudio-stage" data-testid="mls-stage-flow">
          <div className="jp-MLStudio-stageKind">1 · Data Wrangler flow</div>
          <LinkButton
            data-testid="mls-stage-flow-name"
            title={`Open ${flow.path ?? flow.flow ?? ''}`}
            onClick={() =>
              void props.commands.execute('docmanager:open', {
                path: browserPath(flow.path ?? flow.flow ?? '')
              })
            }
          >
            {flow.flow}
          </LinkButton>
          <ol className="jp-MLStudio-stageSteps">
            {steps.map(step => (
              <li
                key={step.id}
                data-testid="mls-stage-step"
                title={`${step.id} (${step.transform})`}
              >
                {step.title}
              </li>
            ))}
          </ol>
          <dl className="jp-MLStudio-stageColumns">
            <dt>Takes</dt>
            <dd data-testid="mls-stage-inputs">{columnList(flow.inputs)}</dd>
            <dt>Hands on</dt>
            <dd data-testid="mls-stage-outputs">{columnList(flow.outputs)}</dd>
            {flow.fitted_rows ? (
              <>
                <dt>Fitted on</dt>
                <dd>{flow.fitted_rows.toLocaleString()} rows</dd>
              </>
            ) : null}
          </dl>
        </li>
        <li className="jp-MLStudio-stageArrow" aria-hidden="true">
          →
        </li>
        <li className="jp-MLStudio-stage" data-testid="mls-stage-model">
          <div className="jp-MLStudio-stageKind">2 · Model</div>
          {models.map(stage => (
            <div key={stage.variant ?? ''}>
              <LinkButton
                data-testid="mls-stage-model-name"
                title={`Open ${stage.model} v${stage.version}`}
                onClick={() =>
                  void props.commands.execute(CommandIDs.openModelVersion, {
                    name: stage.model ?? '',
                    version: stage.version ?? 0
                  })
                }
              >
                {stage.model}:{stage.version}
              </LinkButton>
              {models.length > 1 ? ` (${stage.variant})` : null}
            </div>
          ))}
        </li>
      </ol>
    </PageSection>
  );
}
