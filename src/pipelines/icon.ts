import { LabIcon } from '@jupyterlab/ui-components';

/** A step branching into two: the .pipeline file type and its editor. */
export const pipelineIcon = new LabIcon({
  name: 'jupyter-mlstudio:pipeline',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">' +
    '<path class="jp-icon3" fill="#616161" d="M2 10h5v4H2v-4zM15 3h7v4h-7V3zm0 14h7v4h-7v-4zM7 11h4V4h4v2h-2v12h2v2h-4v-7H7v-2z"/>' +
    '</svg>'
});
