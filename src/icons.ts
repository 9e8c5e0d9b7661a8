/**
 * Every LabIcon of the extension. `jp-icon3` lets the theme recolour them.
 */
import { LabIcon } from '@jupyterlab/ui-components';

// A flask: the ML Studio mark.
const studioSvg = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <path class="jp-icon3" fill="#616161" d="M8 2h8v2h-1v5.3l5.6 9.7A2 2 0 0 1 18.9 22H5.1a2 2 0 0 1-1.7-3l5.6-9.7V4H8V2zm3 2v5.8L8.1 15h7.8L13 9.8V4h-2z"/>
</svg>`;

// A line chart: an experiment's runs and metrics.
const experimentSvg = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <path class="jp-icon3" fill="#616161" d="M3 3h2v16h16v2H3V3zm4 12.6 4-4 3 3 5.3-5.3 1.4 1.4L14 17.4l-3-3-2.6 2.6L7 15.6z"/>
</svg>`;

export const studioIcon = new LabIcon({
  name: 'jupyter-mlstudio:studio',
  svgstr: studioSvg
});

export const experimentIcon = new LabIcon({
  name: 'jupyter-mlstudio:experiment',
  svgstr: experimentSvg
});

// A play triangle in a circle: a run.
const runSvg = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <path class="jp-icon3" fill="#616161" d="M12 2a10 10 0 1 1 0 20 10 10 0 0 1 0-20zm0 2a8 8 0 1 0 0 16 8 8 0 0 0 0-16zm-2 4.5 6 3.5-6 3.5v-7z"/>
</svg>`;

// Two overlaid curves: comparing runs.
const compareSvg = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <path class="jp-icon3" fill="#616161" d="M3 3h2v16h16v2H3V3zm4 11.6 4.3-4.3 3 3L19.6 8 21 9.4l-6.7 6.7-3-3L8.4 16 7 14.6zm0-6L9.6 6l3 3 2.7-2.7 1.4 1.4-4.1 4.1-3-3L8.4 10 7 8.6z"/>
</svg>`;

export const runIcon = new LabIcon({
  name: 'jupyter-mlstudio:run',
  svgstr: runSvg
});

export const compareIcon = new LabIcon({
  name: 'jupyter-mlstudio:compare',
  svgstr: compareSvg
});

// A stack of three bars with a play mark: background jobs.
const jobSvg = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <path class="jp-icon3" fill="#616161" d="M3 4h13v2H3V4zm0 5h13v2H3V9zm0 5h8v2H3v-2zm11 0 7 4-7 4v-8z"/>
</svg>`;

// A gear: a training job.
const trainSvg = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <path class="jp-icon3" fill="#616161" d="M13.9 2l.4 2.6c.6.2 1.2.5 1.7.9l2.4-1 1.9 3.3-2 1.6a7 7 0 0 1 0 2l2 1.6-1.9 3.3-2.4-1c-.5.4-1.1.7-1.7.9l-.4 2.6h-3.8l-.4-2.6c-.6-.2-1.2-.5-1.7-.9l-2.4 1-1.9-3.3 2-1.6a7 7 0 0 1 0-2l-2-1.6 1.9-3.3 2.4 1c.5-.4 1.1-.7 1.7-.9l.4-2.6h3.8zM12 9a3 3 0 1 0 0 6 3 3 0 0 0 0-6z"/>
</svg>`;

export const jobIcon = new LabIcon({
  name: 'jupyter-mlstudio:job',
  svgstr: jobSvg
});

export const trainIcon = new LabIcon({
  name: 'jupyter-mlstudio:train',
  svgstr: trainSvg
});

// A cube: a registered model.
const modelSvg = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <path class="jp-icon3" fill="#616161" d="M12 2 21 7v10l-9 5-9-5V7l9-5zm0 2.3L5.6 7.8 12 11.3l6.4-3.5L12 4.3zM5 9.5v6.3l6 3.3v-6.3L5 9.5zm14 0-6 3.3v6.3l6-3.3V9.5z"/>
</svg>`;

export const modelIcon = new LabIcon({
  name: 'jupyter-mlstudio:model',
  svgstr: modelSvg
});
