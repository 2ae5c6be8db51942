// Turns a camera file into the evidence the phone keeps: EXIF read first (a canvas drops it), the picture turned
// upright and resized to a long side of 1600 px as JPEG, the kept EXIF facts written back, a thumbnail, and the
// sha256 of the exact bytes that will be uploaded. No IndexedDB, no views.

import * as exifr from '../vendor/exifr-7.1.3/lite.esm.js';
import { exifSegment, insertExif } from './exif-write.js';
import { exifTimeToIso, isoWithOffset, isValidLatLon } from './util.js';

export const MAX_SIDE_PX = 1600;
const JPEG_QUALITY = 0.85;
const THUMB_SIDE_PX = 240;
const THUMB_QUALITY = 0.7;
const SOFTWARE = 'Sidak PWA (resized on the phone)';

/** The file is not a picture this phone can read (broken, or not an image at all). */
export class PhotoUnreadableError extends Error {
  constructor(cause) {
    super('photo unreadable');
    this.name = 'PhotoUnreadableError';
    this.cause = cause;
  }
}

const EXIF_OPTIONS = {
  ifd0: { pick: [0x010f, 0x0110, 0x0112] }, // Make, Model, Orientation
  exif: { pick: [0x9003, 0x9011] }, // DateTimeOriginal, OffsetTimeOriginal
  gps: { pick: [0x0001, 0x0002, 0x0003, 0x0004, 0x001f] },
  ifd1: false, xmp: false, interop: false, makerNote: false, userComment: false,
  reviveValues: false, translateValues: false,
};

/** `{make, model, dateTimeOriginal, offsetTimeOriginal, lat, lon, hpe_m}`; empty when there is no EXIF. */
export async function readExifFacts(file) {
  let raw;
  try {
    raw = await exifr.parse(file, EXIF_OPTIONS);
  } catch {
    return {};
  }
  if (!raw) return {};
  const facts = {};
  const text = (value) => (typeof value === 'string' ? value.replace(/\0+$/, '').trim() : '');
  if (text(raw.Make)) facts.make = text(raw.Make);
  if (text(raw.Model)) facts.model = text(raw.Model);
  if (exifTimeToIso(raw.DateTimeOriginal, null)) {
    facts.dateTimeOriginal = text(raw.DateTimeOriginal);
    if (/^[+-]\d{2}:\d{2}$/.test(text(raw.OffsetTimeOriginal))) facts.offsetTimeOriginal = text(raw.OffsetTimeOriginal);
  }
  if (isValidLatLon(raw.latitude, raw.longitude)) {
    facts.lat = raw.latitude;
    facts.lon = raw.longitude;
    if (Number.isFinite(raw.GPSHPositioningError)) facts.hpe_m = raw.GPSHPositioningError;
  }
  return facts;
}

/** The image type from the file's first bytes (file.type is often empty or wrong for camera files). */
export async function sniffType(file) {
  const head = new Uint8Array(await file.slice(0, 16).arrayBuffer());
  const at = (i, text) => [...text].every((ch, k) => head[i + k] === ch.charCodeAt(0));
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'image/jpeg';
  if (head[0] === 0x89 && at(1, 'PNG')) return 'image/png';
  if (at(0, 'RIFF') && at(8, 'WEBP')) return 'image/webp';
  if (at(4, 'ftyp')) {
    const brand = String.fromCharCode(...head.slice(8, 12));
    if (['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis'].includes(brand)) return 'image/heic';
    if (['mif1', 'msf1'].includes(brand)) return 'image/heif';
  }
  return null;
}

function newCanvas(width, height) {
  if (typeof OffscreenCanvas === 'function') return new OffscreenCanvas(width, height);
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  return canvas;
}

function canvasToJpeg(canvas, quality) {
  if (typeof canvas.convertToBlob === 'function') return canvas.convertToBlob({ type: 'image/jpeg', quality });
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('encode failed'))), 'image/jpeg', quality);
  });
}

function fit(width, height, maxSide) {
  const scale = Math.min(1, maxSide / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

async function drawJpeg(bitmap, maxSide, quality) {
  const size = fit(bitmap.width, bitmap.height, maxSide);
  const canvas = newCanvas(size.width, size.height);
  const context = canvas.getContext('2d');
  context.imageSmoothingEnabled = true;
  context.imageSmoothingQuality = 'high';
  context.fillStyle = '#fff'; // transparent PNG areas become white, not black
  context.fillRect(0, 0, size.width, size.height);
  context.drawImage(bitmap, 0, 0, size.width, size.height);
  const blob = await canvasToJpeg(canvas, quality);
  return { blob, ...size };
}

export async function sha256Hex(blob) {
  const digest = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Prepares one photo. Resolves with `{blob, thumb, sha256, size, content_type, width, height, exif, exif_taken_at,
 * taken_at}`. A HEIC the browser cannot decode is kept byte for byte (the server converts it); any other file the
 * browser cannot decode raises PhotoUnreadableError.
 */
export async function preparePhoto(file) {
  const sniffed = await sniffType(file);
  const exif = await readExifFacts(file);
  const exifTakenAt = exifTimeToIso(exif.dateTimeOriginal, exif.offsetTimeOriginal);
  const fileTime = file.lastModified ? new Date(file.lastModified) : new Date();
  // The declaration carries the phone's own observations (the file's time); the camera's EXIF time and GPS travel
  // inside the JPEG, so the server can weigh both.
  const base = { exif, exif_taken_at: exifTakenAt, taken_at: isoWithOffset(fileTime) };

  let bitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  } catch (error) {
    if (sniffed === 'image/heic' || sniffed === 'image/heif') {
      return { ...base, blob: file.slice(0, file.size, sniffed), thumb: null, size: file.size,
        content_type: sniffed, width: null, height: null, sha256: await sha256Hex(file) };
    }
    throw new PhotoUnreadableError(error);
  }
  try {
    const main = await drawJpeg(bitmap, MAX_SIDE_PX, JPEG_QUALITY);
    const thumb = await drawJpeg(bitmap, THUMB_SIDE_PX, THUMB_QUALITY);
    let blob = main.blob;
    const segment = exifSegment({ ...exif, width: main.width, height: main.height, software: SOFTWARE });
    if (segment) {
      const bytes = insertExif(new Uint8Array(await blob.arrayBuffer()), segment);
      blob = new Blob([bytes], { type: 'image/jpeg' });
    }
    return { ...base, blob, thumb: thumb.blob, size: blob.size, content_type: 'image/jpeg',
      width: main.width, height: main.height, sha256: await sha256Hex(blob) };
  } finally {
    bitmap.close();
  }
}
