// Saving a file the API sends (exports, original photos): the request needs the bearer token, so a plain link cannot
// fetch it; the Blob is handed to the browser through a temporary blob: link that is revoked right after.

import { getFile } from '../api.js';
import { h } from '../dom.js';

export function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const link = h('a', { href: url, download: filename, class: 'visually-hidden' });
  document.body.append(link);
  link.click();
  link.remove();
  // The browser has taken the file once the click has been handled.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** GET `path` with the session's token and save it under the server's suggested name (else `fallbackName`). */
export async function downloadFile(path, fallbackName) {
  const { blob, filename } = await getFile(path, fallbackName);
  saveBlob(blob, filename);
  return filename;
}
