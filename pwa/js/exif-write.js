// Writes a minimal EXIF block into a JPEG made on a canvas. A canvas re-encode drops all metadata, so without this
// the server could never compare a photo's own time and place with the visit's. Only tags read from the original
// photo are written back (never invented ones), plus Orientation = 1 because the pixels are already upright and
// Software naming the resize.

const TYPE = { BYTE: 1, ASCII: 2, SHORT: 3, LONG: 4, RATIONAL: 5 };
const TYPE_SIZE = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8 };

const TAG = {
  Make: 0x010f, Model: 0x0110, Orientation: 0x0112, Software: 0x0131, ExifIFD: 0x8769, GPSIFD: 0x8825,
  DateTimeOriginal: 0x9003, OffsetTimeOriginal: 0x9011, PixelXDimension: 0xa002, PixelYDimension: 0xa003,
  GPSVersionID: 0x0000, GPSLatitudeRef: 0x0001, GPSLatitude: 0x0002, GPSLongitudeRef: 0x0003, GPSLongitude: 0x0004,
  GPSHPositioningError: 0x001f,
};

const ascii = (tag, text) => ({ tag, type: TYPE.ASCII, values: [...new TextEncoder().encode(`${text}\0`)] });
const short = (tag, value) => ({ tag, type: TYPE.SHORT, values: [value] });
const long = (tag, value) => ({ tag, type: TYPE.LONG, values: [value] });
const rationals = (tag, pairs) => ({ tag, type: TYPE.RATIONAL, values: pairs.flat() });

function degreesToRationals(degrees) {
  const abs = Math.abs(degrees);
  const d = Math.floor(abs);
  const minutesFloat = (abs - d) * 60;
  const m = Math.floor(minutesFloat);
  const s = Math.round((minutesFloat - m) * 60 * 10_000);
  return [[d, 1], [m, 1], [s, 10_000]];
}

function entryDataSize(entry) {
  return TYPE_SIZE[entry.type] * (entry.type === TYPE.RATIONAL ? entry.values.length / 2 : entry.values.length);
}

function ifdSize(entries) {
  let size = 2 + entries.length * 12 + 4;
  for (const entry of entries) {
    const bytes = entryDataSize(entry);
    if (bytes > 4) size += bytes + (bytes % 2);
  }
  return size;
}

function writeValues(view, offset, entry) {
  let at = offset;
  if (entry.type === TYPE.RATIONAL) {
    for (const value of entry.values) { view.setUint32(at, value, true); at += 4; }
  } else {
    const size = TYPE_SIZE[entry.type];
    for (const value of entry.values) {
      if (size === 1) view.setUint8(at, value);
      else if (size === 2) view.setUint16(at, value, true);
      else view.setUint32(at, value, true);
      at += size;
    }
  }
}

/** Writes one IFD at `start` (offsets are from the TIFF header); its out-of-line data follows it. */
function writeIfd(view, start, entries) {
  const sorted = entries.slice().sort((a, b) => a.tag - b.tag);
  view.setUint16(start, sorted.length, true);
  let dataAt = start + 2 + sorted.length * 12 + 4;
  sorted.forEach((entry, i) => {
    const at = start + 2 + i * 12;
    const bytes = entryDataSize(entry);
    view.setUint16(at, entry.tag, true);
    view.setUint16(at + 2, entry.type, true);
    view.setUint32(at + 4, entry.type === TYPE.RATIONAL ? entry.values.length / 2 : entry.values.length, true);
    if (bytes <= 4) {
      writeValues(view, at + 8, entry);
    } else {
      view.setUint32(at + 8, dataAt, true);
      writeValues(view, dataAt, entry);
      dataAt += bytes + (bytes % 2);
    }
  });
  view.setUint32(start + 2 + sorted.length * 12, 0, true);
}

/**
 * The APP1 segment for `facts` = {make, model, dateTimeOriginal, offsetTimeOriginal, lat, lon, hpe_m, width,
 * height, software}, or null when the original had nothing worth keeping.
 */
export function exifSegment(facts) {
  const hasTime = Boolean(facts.dateTimeOriginal);
  const hasGps = Number.isFinite(facts.lat) && Number.isFinite(facts.lon);
  if (!hasTime && !hasGps && !facts.make && !facts.model) return null;

  const ifd0 = [short(TAG.Orientation, 1), ascii(TAG.Software, facts.software || 'Sidak')];
  if (facts.make) ifd0.push(ascii(TAG.Make, facts.make));
  if (facts.model) ifd0.push(ascii(TAG.Model, facts.model));
  const exif = [long(TAG.PixelXDimension, facts.width), long(TAG.PixelYDimension, facts.height)];
  if (hasTime) exif.push(ascii(TAG.DateTimeOriginal, facts.dateTimeOriginal));
  if (hasTime && facts.offsetTimeOriginal) exif.push(ascii(TAG.OffsetTimeOriginal, facts.offsetTimeOriginal));
  const gps = hasGps ? [
    { tag: TAG.GPSVersionID, type: TYPE.BYTE, values: [2, 3, 0, 0] },
    ascii(TAG.GPSLatitudeRef, facts.lat >= 0 ? 'N' : 'S'),
    rationals(TAG.GPSLatitude, degreesToRationals(facts.lat)),
    ascii(TAG.GPSLongitudeRef, facts.lon >= 0 ? 'E' : 'W'),
    rationals(TAG.GPSLongitude, degreesToRationals(facts.lon)),
  ] : null;
  if (gps && Number.isFinite(facts.hpe_m)) {
    gps.push(rationals(TAG.GPSHPositioningError, [[Math.round(facts.hpe_m * 100), 100]]));
  }

  // Pointer entries need the offsets of the IFDs they point to; their sizes do not depend on the values.
  ifd0.push(long(TAG.ExifIFD, 0));
  if (gps) ifd0.push(long(TAG.GPSIFD, 0));
  const ifd0At = 8;
  const exifAt = ifd0At + ifdSize(ifd0);
  const gpsAt = exifAt + ifdSize(exif);
  ifd0.find((entry) => entry.tag === TAG.ExifIFD).values = [exifAt];
  if (gps) ifd0.find((entry) => entry.tag === TAG.GPSIFD).values = [gpsAt];
  const tiffSize = gpsAt + (gps ? ifdSize(gps) : 0);

  const header = [0xff, 0xe1, 0, 0, 0x45, 0x78, 0x69, 0x66, 0, 0]; // APP1, length, "Exif\0\0"
  const segment = new Uint8Array(header.length + tiffSize);
  segment.set(header);
  const segmentLength = segment.length - 2;
  segment[2] = segmentLength >> 8;
  segment[3] = segmentLength & 0xff;
  const view = new DataView(segment.buffer, header.length);
  view.setUint8(0, 0x49); // "II": little-endian
  view.setUint8(1, 0x49);
  view.setUint16(2, 42, true);
  view.setUint32(4, ifd0At, true);
  writeIfd(view, ifd0At, ifd0);
  writeIfd(view, exifAt, exif);
  if (gps) writeIfd(view, gpsAt, gps);
  return segment;
}

/** `jpeg` (Uint8Array) with `segment` placed right after SOI; a JFIF APP0 header, if present, is dropped. */
export function insertExif(jpeg, segment) {
  if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8) throw new Error('not a JPEG');
  let rest = 2;
  const isJfif = jpeg[2] === 0xff && jpeg[3] === 0xe0
    && String.fromCharCode(jpeg[6], jpeg[7], jpeg[8], jpeg[9]) === 'JFIF';
  if (isJfif) rest = 4 + ((jpeg[4] << 8) | jpeg[5]);
  const out = new Uint8Array(2 + segment.length + (jpeg.length - rest));
  out.set([0xff, 0xd8]);
  out.set(segment, 2);
  out.set(jpeg.subarray(rest), 2 + segment.length);
  return out;
}
