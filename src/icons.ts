/**
 * Every LabIcon of the extension: a 24-unit path drawn in the theme's icon
 * colour (`jp-icon3` lets the theme recolour it).
 */
import { LabIcon } from '@jupyterlab/ui-components';

/** An icon of one path `d` on the 24 × 24 grid. */
function pathIcon(name: string, d: string): LabIcon {
  return new LabIcon({
    name: `jupyter-mlstudio:${name}`,
    svgstr: `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <path class="jp-icon3" fill="#616161" d="${d}"/>
</svg>`
  });
}

// A flask: the ML Studio mark.
export const studioIcon = pathIcon(
  'studio',
  'M8 2h8v2h-1v5.3l5.6 9.7A2 2 0 0 1 18.9 22H5.1a2 2 0 0 1-1.7-3l5.6-9.7V4H8V2zm3 2v5.8L8.1 15h7.8L13 9.8V4h-2z'
);

// A line chart: an experiment's runs and metrics.
export const experimentIcon = pathIcon(
  'experiment',
  'M3 3h2v16h16v2H3V3zm4 12.6 4-4 3 3 5.3-5.3 1.4 1.4L14 17.4l-3-3-2.6 2.6L7 15.6z'
);

// A play triangle in a circle: a run.
export const runIcon = pathIcon(
  'run',
  'M12 2a10 10 0 1 1 0 20 10 10 0 0 1 0-20zm0 2a8 8 0 1 0 0 16 8 8 0 0 0 0-16zm-2 4.5 6 3.5-6 3.5v-7z'
);

// Two overlaid curves: comparing runs.
export const compareIcon = pathIcon(
  'compare',
  'M3 3h2v16h16v2H3V3zm4 11.6 4.3-4.3 3 3L19.6 8 21 9.4l-6.7 6.7-3-3L8.4 16 7 14.6zm0-6L9.6 6l3 3 2.7-2.7 1.4 1.4-4.1 4.1-3-3L8.4 10 7 8.6z'
);

// A stack of three bars with a play mark: background jobs.
export const jobIcon = pathIcon(
  'job',
  'M3 4h13v2H3V4zm0 5h13v2H3V9zm0 5h8v2H3v-2zm11 0 7 4-7 4v-8z'
);

// A gear: a training job.
export const trainIcon = pathIcon(
  'train',
  'M13.9 2l.4 2.6c.6.2 1.2.5 1.7.9l2.4-1 1.9 3.3-2 1.6a7 7 0 0 1 0 2l2 1.6-1.9 3.3-2.4-1c-.5.4-1.1.7-1.7.9l-.4 2.6h-3.8l-.4-2.6c-.6-.2-1.2-.5-1.7-.9l-2.4 1-1.9-3.3 2-1.6a7 7 0 0 1 0-2l-2-1.6 1.9-3.3 2.4 1c.5-.4 1.1-.7 1.7-.9l.4-2.6h3.8zM12 9a3 3 0 1 0 0 6 3 3 0 0 0 0-6z'
);

// A cube: a registered model.
export const modelIcon = pathIcon(
  'model',
  'M12 2 21 7v10l-9 5-9-5V7l9-5zm0 2.3L5.6 7.8 12 11.3l6.4-3.5L12 4.3zM5 9.5v6.3l6 3.3v-6.3L5 9.5zm14 0-6 3.3v6.3l6-3.3V9.5z'
);

// A dot sending waves: a deployed endpoint that serves requests.
export const endpointIcon = pathIcon(
  'endpoint',
  'M12 10a2 2 0 1 1 0 4 2 2 0 0 1 0-4zM7.8 7.8l1.4 1.4a4 4 0 0 0 0 5.6l-1.4 1.4a6 6 0 0 1 0-8.4zm8.4 0a6 6 0 0 1 0 8.4l-1.4-1.4a4 4 0 0 0 0-5.6l1.4-1.4zM5 5l1.4 1.4a8 8 0 0 0 0 11.2L5 19A10 10 0 0 1 5 5zm14 0a10 10 0 0 1 0 14l-1.4-1.4a8 8 0 0 0 0-11.2L19 5zM11 16h2v6h-2v-6z'
);

// Three connected nodes: a Data Wrangler flow.
export const wranglerIcon = pathIcon(
  'wrangler',
  'M3 4h6v5H3V4zm12 0h6v5h-6V4zM9 15h6v5H9v-5zM5 9h2v2h10V9h2v4h-6v2h-2v-2H5V9zm4-3.5h6v2H9v-2z'
);

// A magnifier over bars: the Data Quality and Insights report.
export const insightsIcon = pathIcon(
  'insights',
  'M3 13h3v7H3v-7zm5-5h3v12H8V8zm5 3h3v2.3a5 5 0 0 0-3 1.4V11zm4.5 3a3.5 3.5 0 0 1 2.9 5.4L22 21l-1 1-1.6-1.6A3.5 3.5 0 1 1 17.5 14zm0 1.6a1.9 1.9 0 1 0 0 3.8 1.9 1.9 0 0 0 0-3.8zM18 4h3v8.2a5 5 0 0 0-3-.2V4z'
);

// Three sliders: tuning hyperparameters.
export const tuningIcon = pathIcon(
  'tuning',
  'M4 4h2v3h2v2H6v11H4V9H2V7h2V4zm7 0h2v9h2v2h-2v5h-2v-5H9v-2h2V4zm7 0h2v5h2v2h-2v9h-2v-9h-2V9h2V4z'
);

// Stacked cylinders: the Feature Store.
export const featureStoreIcon = pathIcon(
  'feature-store',
  'M12 2c4.4 0 8 1.3 8 3v14c0 1.7-3.6 3-8 3s-8-1.3-8-3V5c0-1.7 3.6-3 8-3zm6 12.2c-1.5.6-3.6.9-6 .9s-4.5-.3-6-.9V17c.3.5 2.5 1.5 6 1.5s5.7-1 6-1.5v-2.8zm0-6c-1.5.6-3.6.9-6 .9s-4.5-.3-6-.9V11c.3.5 2.5 1.5 6 1.5s5.7-1 6-1.5V8.2zM12 4C8.5 4 6.3 4.9 6 5.3c.3.5 2.5 1.3 6 1.3s5.7-.9 6-1.3C17.7 4.9 15.5 4 12 4z'
);

// A rocket: JumpStart, ready solutions and pre-built models.
export const jumpstartIcon = pathIcon(
  'jumpstart',
  'M12 2.5s4.5 2.04 4.5 10.5c0 2.49-1.04 5.57-1.6 7H9.1c-.56-1.43-1.6-4.51-1.6-7C7.5 4.54 12 2.5 12 2.5zm2 8.5a2 2 0 1 0-4 0 2 2 0 0 0 4 0zm-6.31 9.52c-.48-1.23-1.52-4.17-1.67-6.87l-1.13.75c-.56.38-.89 1-.89 1.67V22l3.69-1.48zM20 22v-5.93c0-.67-.33-1.29-.89-1.66l-1.13-.75c-.15 2.69-1.2 5.64-1.67 6.87L20 22z'
);
