/**
 * Saving generated text (model cards, code) as a file.
 */

/** Save text as a file through the browser's download. */
export function downloadText(
  fileName: string,
  text: string,
  type = 'text/markdown'
): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.style.display = 'none';
  document.body.appendChild(link);
  link.click();
  link.remove();
  // Revoke after the click's navigation has started.
  window.setTimeout(() => URL.revokeObjectURL(url), 1000);
}
