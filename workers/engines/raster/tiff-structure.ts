import { RasterError } from './errors';

/** Bytes of one value of each TIFF field type (TIFF 6.0 and BigTIFF). */
const TYPE_BYTES: Record<number, number> = {
  1: 1,
  2: 1,
  3: 2,
  4: 4,
  5: 8,
  6: 1,
  7: 1,
  8: 2,
  9: 4,
  10: 8,
  11: 4,
  12: 8,
  13: 4,
  16: 8,
  17: 8,
  18: 8,
};
/** More images than any COG has (a level and a mask per overview); a longer chain is a loop or a forgery. */
const MAX_IFDS = 256;
const MAX_ENTRIES = 1024;
/**
 * What geotiff may allocate for the fields of all directories together (an array of each field's
 * type and count, 64-bit integers as JavaScript arrays): a large COG's tile indexes take a few MB.
 */
const MAX_FIELD_BYTES = 16 * 1024 * 1024;

type Read = (offset: number, length: number) => Promise<ArrayBuffer>;

/**
 * Walks the file's image directories before geotiff does, and refuses a file whose fields claim
 * more values than the file holds, or more than MAX_FIELD_BYTES together: geotiff allocates an
 * array of a field's declared count before reading it, so four bytes claiming 2^32 values would take
 * gigabytes, and sixty fields each claiming the whole file would take sixty times its size.
 */
export async function checkTiffStructure(read: Read, size: number): Promise<void> {
  const refuse = (why: string): never => {
    throw new RasterError(422, `Not a readable TIFF: ${why}.`);
  };
  const head = new DataView(await read(0, 16));
  if (head.byteLength < 8) refuse('the file is too short');
  const order = head.getUint16(0);
  if (order !== 0x4949 && order !== 0x4d4d) refuse('no byte-order mark');
  const little = order === 0x4949;
  const version = head.getUint16(2, little);
  if (version !== 42 && version !== 43) refuse(`version ${version} is neither TIFF (42) nor BigTIFF (43)`);
  const big = version === 43;
  const u64 = (view: DataView, at: number) =>
    view.getUint32(at + (little ? 4 : 0), little) * 2 ** 32 + view.getUint32(at + (little ? 0 : 4), little);
  if (big && head.byteLength < 16) refuse('the file is too short');
  let next = big ? u64(head, 8) : head.getUint32(4, little);
  const seen = new Set<number>();
  let allocated = 0;
  while (next !== 0) {
    if (seen.has(next)) refuse(`its image directories loop back to byte ${next}`);
    if (seen.size >= MAX_IFDS) refuse(`more than ${MAX_IFDS} image directories`);
    seen.add(next);
    const countBytes = big ? 8 : 2;
    if (next + countBytes > size) refuse(`an image directory at byte ${next} lies past the end (${size} bytes)`);
    const countView = new DataView(await read(next, countBytes));
    const entries = big ? u64(countView, 0) : countView.getUint16(0, little);
    if (entries === 0 || entries > MAX_ENTRIES) refuse(`an image directory of ${entries} entries`);
    const entryBytes = big ? 20 : 12;
    const length = entries * entryBytes + (big ? 8 : 4);
    if (next + countBytes + length > size)
      refuse(`the image directory at byte ${next} runs past the end (${size} bytes)`);
    const view = new DataView(await read(next + countBytes, length));
    for (let i = 0; i < entries; i++) {
      const at = i * entryBytes;
      const tag = view.getUint16(at, little);
      const typeBytes = TYPE_BYTES[view.getUint16(at + 2, little)];
      // An unknown type is geotiff's to refuse; it allocates nothing for it.
      if (typeBytes === undefined) continue;
      const count = big ? u64(view, at + 4) : view.getUint32(at + 4, little);
      const bytes = count * typeBytes;
      const inline = bytes <= (big ? 8 : 4);
      const offset = inline ? 0 : big ? u64(view, at + 12) : view.getUint32(at + 8, little);
      if (!inline && offset + bytes > size)
        refuse(`field ${tag} claims ${count} values (${bytes} bytes) at byte ${offset} of a ${size}-byte file`);
      allocated += bytes;
      if (allocated > MAX_FIELD_BYTES) refuse(`its fields claim more than ${MAX_FIELD_BYTES} bytes in all`);
    }
    next = big ? u64(view, entries * entryBytes) : view.getUint32(entries * entryBytes, little);
  }
  if (seen.size === 0) refuse('no image directory');
}
