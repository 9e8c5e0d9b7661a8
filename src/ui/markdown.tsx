/**
 * Markdown rendered by JupyterLab's Markdown renderer (a model card, a catalog
 * entry's README). The model is not trusted, so the HTML is sanitized (no
 * scripts, no event handlers). Without a renderer the text is shown as is.
 */
import { MimeModel } from '@jupyterlab/rendermime';
import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import * as React from 'react';

export function RenderedMarkdown(props: {
  text: string;
  rendermime: IRenderMimeRegistry | null;
  /** Class of the rendered block. */
  className: string;
  /** Class of the plain-text fallback. */
  plainClassName: string;
  testId: string;
}): JSX.Element {
  const { text, rendermime } = props;
  const host = React.useRef<HTMLDivElement>(null);
  React.useEffect(() => {
    const node = host.current;
    if (!node || !rendermime) {
      return;
    }
    const renderer = rendermime.createRenderer('text/markdown');
    // The node is placed by hand, not attached as a widget: React removes
    // the host when its parent replaces it, and a detach would then throw.
    node.appendChild(renderer.node);
    void renderer
      .renderModel(
        new MimeModel({ data: { 'text/markdown': text }, trusted: false })
      )
      .then(() => {
        node.dataset.rendered = 'true';
      });
    return () => {
      delete node.dataset.rendered;
      renderer.node.remove();
      renderer.dispose();
    };
  }, [text, rendermime]);
  if (!rendermime) {
    return (
      <pre className={props.plainClassName} data-testid={props.testId}>
        {text}
      </pre>
    );
  }
  return (
    <div ref={host} className={props.className} data-testid={props.testId} />
  );
}
