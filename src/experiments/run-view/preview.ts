/**
 * Turning a downloaded artifact into something to show: an image (blob: URL),
 * text, pretty JSON, a CSV table (first 1,000 rows) or a plotly figure.
 * Nothing here runs user content: images go through <img>, text through
 * React text nodes, and figures through plotly.
 */
import { errorMessage } from '../../api/request';
import type { ArtifactEntry } from '../../api/types';
import type { PlotData, PlotLayout } from '../../charts/plotly';

/** Rows of a CSV preview (after the header). */
export const CSV_PREVIEW_ROWS = 1000;
/** Characters of a text preview. */
export const TEXT_PREVIEW_CHARS = 1_000_000;

export type PreviewKind =
  'image' | 'text' | 'json' | 'csv' | 'plotly' | 'binary';

export interface IArtifactPreview {
  readonly entry: ArtifactEntry;
  readonly state: 'loading' | 'ready' | 'error';
  readonly kind?: PreviewKind;
  /** A blob: URL of the whole file (images and downloads). */
  readonly url?: string;
  readonly text?: string;
  /** Whether `text` or `rows` stop before the end of the file. */
  readonly truncated?: boolean;
  /** CSV: the header row, then up to CSV_PREVIEW_ROWS rows. */
  readonly rows?: ReadonlyArray<ReadonlyArray<string>>;
  readonly figure?: { data: PlotData[]; layout: PlotLayout };
  readonly message?: string;
}

const IMAGE_EXTENSIONS = ['png', 'jpg', 'jpeg', 'gif', 'svg', 'webp', 'bmp'];
const TEXT_EXTENSIONS = [
  'txt',
  'log',
  'md',
  'py',
  'yaml',
  'yml',
  'toml',
  'ini',
  'cfg',
  'sh',
  'xml',
  'html',
  'js',
  'ts',
  'r',
  'sql',
  'ipynb',
  'jsonl'
];

/** What kind of preview a file gets, from its name and content type. */
export function previewKind(name: string, type: string): PreviewKind {
  const lower = name.toLowerCase();
  if (lower.endsWith('.plotly.json')) {
    return 'plotly';
  }
  const ext = lower.includes('.')
    ? lower.slice(lower.lastIndexOf('.') + 1)
    : '';
  if (type.startsWith('image/') || IMAGE_EXTENSIONS.includes(ext)) {
    return 'image';
  }
  if (ext === 'json' || type === 'application/json') {
    return 'json';
  }
  if (ext === 'csv' || ext === 'tsv' || type === 'text/csv') {
    return 'csv';
  }
  if (type.startsWith('text/') || TEXT_EXTENSIONS.includes(ext)) {
    return 'text';
  }
  return 'binary';
}

/** Build the preview of a downloaded artifact. */
export async function previewOf(
  entry: ArtifactEntry,
  blob: Blob
): Promise<IArtifactPreview> {
  const kind = previewKind(entry.name, blob.type);
  const url = URL.createObjectURL(blob);
  const ready = { entry, state: 'ready' as const, kind, url };
  try {
    switch (kind) {
      case 'image':
      case 'binary':
        return ready;
      case 'json': {
        const text = await blob.text();
        try {
          return { ...ready, text: JSON.stringify(JSON.parse(text), null, 2) };
        } catch {
          return { ...ready, kind: 'text', ...clipText(text) };
        }
      }
      case 'plotly': {
        const figure = parseFigure(await blob.text());
        return figure
          ? { ...ready, figure }
          : {
              ...ready,
              state: 'error',
              message: 'This file is not a plotly figure (fig.to_json()).'
            };
      }
      case 'csv': {
        const delimiter = entry.name.toLowerCase().endsWith('.tsv')
          ? '\t'
          : ',';
        const head = await blob.slice(0, 20_000_000).text();
        const rows = parseCsv(head, delimiter, CSV_PREVIEW_ROWS + 1);
        const truncated =
          rows.length > CSV_PREVIEW_ROWS || blob.size > 20_000_000;
        return {
          ...ready,
          rows: rows.slice(0, CSV_PREVIEW_ROWS + 1),
          truncated
        };
      }
      default: {
        const text = await blob.slice(0, TEXT_PREVIEW_CHARS * 4).text();
        const clipped = clipText(text);
        return {
          ...ready,
          ...clipped,
          truncated: clipped.truncated || blob.size > TEXT_PREVIEW_CHARS * 4
        };
      }
    }
  } catch (reason) {
    return {
      ...ready,
      state: 'error',
      message: errorMessage(reason)
    };
  }
}

function clipText(text: string): { text: string; truncated: boolean } {
  return text.length > TEXT_PREVIEW_CHARS
    ? { text: text.slice(0, TEXT_PREVIEW_CHARS), truncated: true }
    : { text, truncated: false };
}

/** `{data, layout}` of a plotly JSON figure, or `null`. */
export function parseFigure(
  text: string
): { data: PlotData[]; layout: PlotLayout } | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) {
    return null;
  }
  const { data, layout } = value as { data?: unknown; layout?: unknown };
  if (!Array.isArray(data)) {
    return null;
  }
  return {
    data: data.filter(
      (trace): trace is PlotData => typeof trace === 'object' && trace !== null
    ),
    layout:
      typeof layout === 'object' && layout !== null
        ? (layout as PlotLayout)
        : {}
  };
}

/**
 * Parse CSV (RFC 4180: quoted fields, doubled quotes, CRLF) up to `maxRows`
 * rows.
 */
export function parseCsv(
  text: string,
  delimiter = ',',
  maxRows = Infinity
): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const endRow = () => {
    row.push(field);
    field = '';
    rows.push(row);
    row = [];
  };
  while (i < text.length && rows.length < maxRows) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        field += ch;
      }
      i++;
      continue;
    }
    if (ch === '"' && field === '') {
      quoted = true;
    } else if (ch === delimiter) {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') {
        i++;
      }
      endRow();
    } else {
      field += ch;
    }
    i++;
  }
  if ((field !== '' || row.length > 0) && rows.length < maxRows) {
    endRow();
  }
  return rows;
}
