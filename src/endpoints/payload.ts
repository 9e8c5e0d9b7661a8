/**
 * The test form's request bodies: the content types it offers, and turning
 * an MLflow-style JSON body into the equivalent CSV.
 */

/** The content types the test form offers ('image': a file, see test-image.ts). */
export type TestContentType = 'json' | 'csv' | 'image';

/** The request's Content-Type; an image is sent with its own type instead. */
export const TEST_CONTENT_TYPES: Record<TestContentType, string> = {
  json: 'application/json',
  csv: 'text/csv',
  image: 'application/octet-stream'
};

/**
 * The CSV of a `dataframe_split`, `dataframe_records` or `instances` JSON
 * body (a header row when columns are known); `null` for anything else.
 */
export function csvFromJson(body: string): string | null {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return null;
  }
  if (!isRecord(value)) {
    return null;
  }
  let columns: string[] | null = null;
  let rows: unknown[][] | null = null;
  const split = value.dataframe_split;
  if (isRecord(split) && Array.isArray(split.data)) {
    columns = Array.isArray(split.columns) ? split.columns.map(String) : null;
    rows = split.data.map(row => (Array.isArray(row) ? row : [row]));
  } else if (Array.isArray(value.dataframe_records)) {
    const records = value.dataframe_records.filter(isRecord);
    columns = records.length ? Object.keys(records[0]) : [];
    rows = records.map(record => (columns ?? []).map(c => record[c]));
  } else if (Array.isArray(value.instances)) {
    rows = value.instances.map(row => (Array.isArray(row) ? row : [row]));
  }
  if (!rows) {
    return null;
  }
  const lines = rows.map(row => row.map(cell).join(','));
  if (columns && columns.length) {
    lines.unshift(columns.map(cell).join(','));
  }
  return lines.join('\n') + '\n';
}

function cell(value: unknown): string {
  const text =
    value === null || value === undefined
      ? ''
      : typeof value === 'object'
        ? JSON.stringify(value)
        : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
