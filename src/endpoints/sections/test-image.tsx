/**
 * The test form's image input: pick a file or drop one, see it, send it to the
 * endpoint as it is with its own content type (`image/png`, `image/jpeg` …).
 */
import * as React from 'react';

import { formatBytes } from '../../ui/format';
import type { ITestImage } from '../test-image';
import { imageContentType } from '../test-image';

export function TestImageInput(props: {
  image: ITestImage | null;
  onChange: (file: File | null) => void;
}): JSX.Element {
  const { image, onChange } = props;
  const [dragging, setDragging] = React.useState(false);
  const [error, setError] = React.useState<string | null>(null);
  const input = React.useRef<HTMLInputElement>(null);

  const take = (files: FileList | null) => {
    const file = files?.[0];
    if (!file) {
      return;
    }
    if (!imageContentType(file)) {
      setError(
        `${file.name} is not an image: choose a PNG, JPEG, GIF, BMP, WebP or TIFF file.`
      );
      return;
    }
    setError(null);
    onChange(file);
  };

  const over = (event: React.DragEvent) => {
    // only files from the desktop: JupyterLab's own drags are not ours
    if (Array.from(event.dataTransfer.types).includes('Files')) {
      event.preventDefault();
      event.stopPropagation();
      event.dataTransfer.dropEffect = 'copy';
      setDragging(true);
    }
  };

  return (
    <div
      className={`jp-MLStudio-testImage${dragging ? ' jp-mod-dragging' : ''}`}
      data-testid="mls-test-image"
      onDragEnter={over}
      onDragOver={over}
      onDragLeave={() => setDragging(false)}
      onDrop={event => {
        if (!event.dataTransfer.files.length) {
          return;
        }
        event.preventDefault();
        event.stopPropagation();
        setDragging(false);
        take(event.dataTransfer.files);
      }}
    >
      <div className="jp-MLStudio-testImageFrame">
        {image ? (
          <img
            className="jp-MLStudio-testImagePreview"
            data-testid="mls-test-image-preview"
            src={image.url}
            alt={`The image to send: ${image.name}`}
          />
        ) : (
          <span className="jp-MLStudio-testImageHint">Drop an image here</span>
        )}
      </div>
      <div className="jp-MLStudio-testImageSide">
        {image ? (
          <div
            className="jp-MLStudio-testImageName"
            data-testid="mls-test-image-name"
            title={image.name}
          >
            <strong>{image.name}</strong>
            <span>
              {image.type} · {formatBytes(image.size)}
            </span>
          </div>
        ) : (
          <div className="jp-MLStudio-testImageName">
            <span>
              The file is sent as the request body, with its own content type
              (PNG, JPEG …), to a model whose inference code reads images.
            </span>
          </div>
        )}
        <div className="jp-MLStudio-toolbar">
          <button
            type="button"
            className="jp-MLStudio-button"
            data-testid="mls-test-image-choose"
            onClick={() => input.current?.click()}
          >
            {image ? 'Choose another…' : 'Choose image…'}
          </button>
          {image && (
            <button
              type="button"
              className="jp-MLStudio-button"
              data-testid="mls-test-image-clear"
              onClick={() => {
                setError(null);
                onChange(null);
              }}
            >
              Remove
            </button>
          )}
        </div>
        {error && (
          <div
            className="jp-MLStudio-errorMessage"
            data-testid="mls-test-image-error"
            role="alert"
          >
            {error}
          </div>
        )}
      </div>
      <input
        ref={input}
        type="file"
        accept="image/*"
        hidden
        data-testid="mls-test-image-input"
        aria-label="Image file"
        onChange={event => {
          take(event.target.files);
          event.target.value = ''; // choosing the same file again still changes
        }}
      />
    </div>
  );
}
