/**
 * The model version view: a header with the approval actions, then the
 * artifact, lineage, aliases, the model card editor, the approval history,
 * the signature, metrics, params and library versions.
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { checkIcon, closeIcon } from '@jupyterlab/ui-components';
import type { CommandRegistry } from '@lumino/commands';
import type { Message } from '@lumino/messaging';
import * as React from 'react';

import type { ApprovalStatus, ModelVersion } from '../api/types';
import { endpointIcon, modelIcon } from '../icons';
import { tabLabel } from '../titles';
import { formatNumber } from '../experiments/runs/columns';
import { CardSection } from './card-editor';
import { AliasChips, ApprovalBadge } from './components';
import { askApprovalComment } from './dialogs';
import {
  AliasesSection,
  DetailsSection,
  HistorySection,
  LineageSection,
  SignatureSection
} from './version-sections';
import type { ModelVersionModel } from './version-model';
import {
  ActionButton,
  KeyValueSection,
  LinkButton,
  ModelError,
  PageHeader,
  PagePlaceholder
} from '../ui/components';
import { ResourcePanel, ResourceView } from '../ui/view';
import { CommandIDs } from '../command-ids';

export namespace ModelVersionView {
  export interface IOptions {
    model: ModelVersionModel;
    commands: CommandRegistry;
    /** Renders the model card's Markdown. */
    rendermime: IRenderMimeRegistry | null;
  }
}

/** The main-area widget of a model version. */
export class ModelVersionView extends ResourceView<ModelVersionModel> {
  constructor(options: ModelVersionView.IOptions) {
    const { name, version } = options.model;
    super({
      content: new ResourcePanel(options.model, 'mls-version-view', model => (
        <VersionContent
          model={model}
          commands={options.commands}
          rendermime={options.rendermime}
        />
      )),
      id: versionViewId(name, version),
      className: 'jp-MLStudio-modelVersionView',
      icon: modelIcon,
      label: tabLabel('Version', `${name} v${version}`),
      caption: `Model ${name}, version ${version}`
    });
  }

  /** Closing with unsaved card edits asks first. */
  protected onCloseRequest(msg: Message): void {
    if (this._discard || !this.model.cardDirty) {
      super.onCloseRequest(msg);
      return;
    }
    void showDialog({
      title: 'Unsaved Model Card',
      body: `Close ${this.model.name} v${this.model.version} and discard the changes to its model card?`,
      buttons: [
        Dialog.cancelButton({ label: 'Keep Editing' }),
        Dialog.warnButton({ label: 'Discard' })
      ]
    }).then(result => {
      if (result.button.accept) {
        this._discard = true;
        this.close();
      }
    });
  }

  private _discard = false;
}

/** The id of a version's view, so an open one is found again. */
export function versionViewId(name: string, version: number): string {
  return `mlstudio-model-version:${name}@${version}`;
}

function VersionContent(props: {
  model: ModelVersionModel;
  commands: CommandRegistry;
  rendermime: IRenderMimeRegistry | null;
}): JSX.Element {
  const { model, commands } = props;
  const data = model.data;
  if (!data || model.deleted) {
    return (
      <PagePlaceholder
        what="model version"
        model={model}
        deleted={{
          testId: 'mls-version-deleted',
          message: (
            <>
              Version {model.version} of “{model.name}” was deleted.
            </>
          )
        }}
      />
    );
  }
  return (
    <div className="jp-MLStudio-page" data-approval={data.approval_status}>
      <VersionHeader model={model} data={data} commands={commands} />
      <ModelError model={model} />
      {data.description && (
        <p
          className="jp-MLStudio-descriptionText"
          data-testid="mls-version-description"
        >
          {data.description}
        </p>
      )}
      <div className="jp-MLStudio-columns">
        <DetailsSection data={data} />
        <LineageSection model={model} commands={commands} />
        <AliasesSection model={model} data={data} />
      </div>
      <CardSection model={model} rendermime={props.rendermime} />
      <div className="jp-MLStudio-columns">
        <HistorySection data={data} />
        <SignatureSection data={data} />
      </div>
      <div className="jp-MLStudio-columns">
        <KeyValueSection
          title="Metrics"
          testId="mls-version-metrics"
          numeric
          values={Object.fromEntries(
            Object.entries(data.metrics).map(([k, v]) => [
              k,
              formatNumber(v ?? null)
            ])
          )}
        />
        <KeyValueSection
          title="Params"
          testId="mls-version-params"
          values={data.params}
        />
        <KeyValueSection
          title="Library versions"
          testId="mls-version-libraries"
          values={data.library_versions}
        />
      </div>
    </div>
  );
}

function VersionHeader(props: {
  model: ModelVersionModel;
  data: ModelVersion;
  commands: CommandRegistry;
}): JSX.Element {
  const { model, data, commands } = props;
  const label = `${data.name} v${data.version}`;
  const decide = async (status: ApprovalStatus) => {
    const comment = await askApprovalComment(status, label);
    if (comment) {
      await model.setApproval(status, comment);
    }
  };
  return (
    <PageHeader
      icon={modelIcon}
      heading={
        <>
          <span data-testid="mls-version-title">
            <LinkButton
              className="jp-MLStudio-titleLink"
              title={`Open the model ${data.name}`}
              onClick={() =>
                void commands.execute(CommandIDs.openModel, { name: data.name })
              }
            >
              {data.name}
            </LinkButton>{' '}
            v{data.version}
          </span>
          <ApprovalBadge status={data.approval_status} />
          <AliasChips aliases={data.aliases} />
        </>
      }
      refresh={{
        testId: 'mls-refresh-version',
        title: 'Reload the version',
        onClick: () => void model.refresh()
      }}
    >
      <ActionButton
        testId="mls-approve-version"
        icon={checkIcon}
        label="Approve"
        title={
          data.approval_status === 'Approved'
            ? 'This version is approved'
            : 'Approve this version, with a comment…'
        }
        disabled={model.busy || data.approval_status === 'Approved'}
        onClick={() => void decide('Approved')}
      />
      <ActionButton
        testId="mls-reject-version"
        icon={closeIcon}
        label="Reject"
        title={
          data.approval_status === 'Rejected'
            ? 'This version is rejected'
            : 'Reject this version, with a comment…'
        }
        warn
        disabled={model.busy || data.approval_status === 'Rejected'}
        onClick={() => void decide('Rejected')}
      />
      <ActionButton
        testId="mls-deploy-version"
        icon={endpointIcon}
        label="Deploy"
        title={`Deploy ${label} as an endpoint…`}
        onClick={() =>
          void commands.execute(CommandIDs.deployModel, {
            name: data.name,
            version: data.version
          })
        }
      />
    </PageHeader>
  );
}
