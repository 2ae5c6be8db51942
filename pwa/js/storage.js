// Persistent storage and free space (navigator.storage). The browser may evict a site's data under pressure
// unless it was granted persistence; the surveyor is shown which it is.

const PHOTO_HEADROOM_BYTES = 5_000_000;

export async function isPersisted() {
  if (!(navigator.storage && navigator.storage.persisted)) return null;
  try { return await navigator.storage.persisted(); } catch { return null; }
}

/** Asks for persistence (Chrome decides without a prompt); resolves true/false, or null when unsupported. */
export async function requestPersistence() {
  if (!(navigator.storage && navigator.storage.persist)) return null;
  try {
    if (await navigator.storage.persisted()) return true;
    return await navigator.storage.persist();
  } catch {
    return null;
  }
}

/** `{usage, quota, free}` in bytes, or null when the browser cannot tell. */
export async function estimate() {
  if (!(navigator.storage && navigator.storage.estimate)) return null;
  try {
    const { usage = 0, quota = 0 } = await navigator.storage.estimate();
    return { usage, quota, free: Math.max(0, quota - usage) };
  } catch {
    return null;
  }
}

/** False when a photo of `size` bytes would bring storage too close to full to keep working safely. */
export async function hasRoomForPhoto(size) {
  const space = await estimate();
  if (!space || !space.quota) return true;
  return space.free > size * 2 + PHOTO_HEADROOM_BYTES;
}
