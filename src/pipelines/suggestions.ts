/**
 * Values offered (as a datalist) for arguments whose schema names a picker
 * other than files: built-in algorithms, registered models, endpoints.
 * Fetched once per page per kind; a failure offers nothing (the field stays
 * free text).
 */
import type { ServerConnection } from '@jupyterlab/services';
import * as React from 'react';

import { listEndpoints } from '../api/endpoints';
import { listAlgorithms } from '../api/jobs';
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
