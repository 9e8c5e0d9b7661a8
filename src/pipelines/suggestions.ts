/**
 * Values offered (as a datalist) for arguments whose schema names a picker
 * other than files: built-in algorithms, registered models, endpoints.
 * Fetched once per page per kind; a failure offers nothing (the field stays
 * free text).
 */
import type { ServerConnection } from '@jupyterlab/services';
import * as React from 'react';

import { listEndpoints } from '../api/endpoints';
import { getDataColumns, listAlgorithms } from '../api/jobs';
import { listModels } from '../api/registry';

export const SUGGESTED_PICKERS = new Set(['algorithm', 'model', 'endpoint']);

const cache = new Map<string, Promise<string[]>>();

export function suggestionsFor(
  picker: string,
  settings?: ServerConnection.ISettings
): Promise<string[]> {
  let found = cache.get(picker);
  if (!found) {
    found =
      picker === 'algorithm'
        ? listAlgorithms(settings).then(list => list.items.map(a => a.name))
        : picker === 'model'
          ? listModels({ maxItems: 200 }, settings).then(list =>
              list.items.map(m => m.name)
            )
          : picker === 'endpoint'
            ? listEndpoints({ maxItems: 200 }, settings).then(list =>
                list.items.map(e => e.name)
              )
            : Promise.resolve([]);
    found.catch(() => cache.delete(picker));
    cache.set(picker, found);
  }
  return found.catch(() => []);
}

/** The suggestions of a picker, once they arrive (none for other pickers). */
export function useSuggestions(
  picker: string | undefined,
  settings?: ServerConnection.ISettings
): string[] {
  const [items, setItems] = React.useState<string[]>([]);
  React.useEffect(() => {
    let live = true;
    if (picker && SUGGESTED_PICKERS.has(picker)) {
      void suggestionsFor(picker, settings).then(
        found => live && setItems(found)
      );
    }
    return () => {
      live = false;
    };
  }, [picker, settings]);
  return items;
}

/**
 * The columns of a step's data file, for `x-picker: column` arguments: only
 * when the data argument is a plain path (an upstream output does not exist
 * before the pipeline runs). Read again when the path changes.
 */
export function useColumns(
  path: unknown,
  settings?: ServerConnection.ISettings
): string[] {
  const [columns, setColumns] = React.useState<string[]>([]);
  const file = typeof path === 'string' ? path.trim() : '';
  React.useEffect(() => {
    if (!file) {
      setColumns([]);
      return;
    }
    const abort = new AbortController();
    // Wait for the typing to pause before reading the file.
    const timer = window.setTimeout(() => {
      getDataColumns(file, settings, abort.signal)
        .then(found => setColumns(found.columns))
        .catch(() => setColumns([]));
    }, 300);
    return () => {
      window.clearTimeout(timer);
      abort.abort();
    };
  }, [file, settings]);
  return columns;
}
