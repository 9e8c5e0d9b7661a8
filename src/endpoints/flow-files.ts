/**
 * The .flow files the deploy dialog offers for an inference pipeline: those
 * of the file browser's root and of its folders one level down (a bounded
 * look, not a crawl of the whole tree).
 */
import type { Contents } from '@jupyterlab/services';

const MAX_FOLDERS = 40;

export async function findFlowFiles(
  contents: Contents.IManager
): Promise<string[]> {
  const found: string[] = [];
  const list = async (path: string): Promise<Contents.IModel[]> => {
    try {
      const model = await contents.get(path, { content: true });
      return Array.isArray(model.content)
        ? (model.content as Contents.IModel[])
        : [];
    } catch {
      return [];
    }
  };
  const top = await list('');
  const folders = top
    .filter(item => item.type === 'directory' && !item.name.startsWith('.'))
    .slice(0, MAX_FOLDERS);
  const nested = await Promise.all(folders.map(folder => list(folder.path)));
  for (const item of [...top, ...nested.flat()]) {
    if (item.type !== 'directory' && item.name.endsWith('.flow')) {
      found.push(item.path);
    }
  }
  return found.sort();
}
