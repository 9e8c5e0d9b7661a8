/**
 * An image picked or dropped into the endpoint test form: the file, the content
 * type it is sent with, and an object URL for its preview.
 */

/** The image types the test form sends (what Pillow-based handlers read). */
export const IMAGE_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  bmp: 'image/bmp',
  webp: 'image/webp',
  tif: 'image/tiff',
  tiff: 'image/tiff'
};

export interface ITestImage {
  readonly file: Blob;
  readonly name: string;
  /** The request's Content-Type. */
  readonly type: string;
  readonly size: number;
  /** An object URL of the file, revoked when the image is replaced. */
  readonly url: string;
}

/**
 * The content type to send a file with: its own type when the browser knows
 * it is an image, else one guessed from the extension; `null` for a file
 * that is not an image.
 */
export function imageContentType(file: {
  name: string;
  type: string;
}): string | null {
  if (file.type.startsWith('image/')) {
    return file.type;
  }
  const dot = file.name.lastIndexOf('.');
  const extension = dot > 0 ? file.name.slice(dot + 1).toLowerCase() : '';
  return IMAGE_TYPES[extension] ?? null;
}

/** A test image for `file`, or `null` when it is not an image. */
export function testImage(file: File): ITestImage | null {
  const type = imageContentType(file);
  if (!type) {
    return null;
  }
  return {
    file,
    name: file.name,
    type,
    size: file.size,
    url: URL.createObjectURL(file)
  };
}

export function releaseTestImage(image: ITestImage | null): void {
  if (image) {
    URL.revokeObjectURL(image.url);
  }
}
