/**
 * The file names each product type may have, by extension: the upload routes refuse any other before
 * a byte is accepted, and the web app guesses a dropped file's type from the same table (so what it
 * proposes is what the server takes). Raw files may be anything. No imports: the app bundles it.
 */
export const FILE_EXTENSIONS = {
  ortho: ['tif', 'tiff'],
  dsm: ['tif', 'tiff'],
  multispectral: ['tif', 'tiff'],
  pmtiles: ['pmtiles'],
  vector: ['geojson', 'json', 'gpkg', 'fgb', 'zip', 'kml', 'gml', 'csv'],
  point_cloud: ['las', 'laz'],
  raw: null,
} as const satisfies Record<string, readonly string[] | null>;

export type UploadType = keyof typeof FILE_EXTENSIONS;

const extensionOf = (filename: string): string => /\.([^./\\]+)$/.exec(filename)?.[1]?.toLowerCase() ?? '';

/** Whether a file of this name may be uploaded as this type. */
export function acceptsFile(type: UploadType, filename: string): boolean {
  const allowed: readonly string[] | null = FILE_EXTENSIONS[type];
  return allowed === null || allowed.includes(extensionOf(filename));
}

/** The extensions a type takes, said for people: ".tif or .tiff"; null when any file will do. */
export function extensionsSaid(type: UploadType): string | null {
  const allowed: readonly string[] | null = FILE_EXTENSIONS[type];
  if (!allowed) return null;
  const dotted = allowed.map((e) => `.${e}`);
  return dotted.length === 1 ? dotted[0]! : `${dotted.slice(0, -1).join(', ')} or ${dotted.at(-1)}`;
}

/** The product type a file's name says it is (a TIFF taken as an orthomosaic), or null. */
export function productTypeOf(filename: string): 'ortho' | 'pmtiles' | 'vector' | null {
  return (['ortho', 'pmtiles', 'vector'] as const).find((type) => acceptsFile(type, filename)) ?? null;
}
