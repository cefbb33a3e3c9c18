import { extensionsSaid, productTypeOf, type UploadType } from '../../../workers/engines/tus/file-types';

export { acceptsFile, extensionsSaid } from '../../../workers/engines/tus/file-types';

/** The types a person can upload; point clouds are left out because the server refuses them (no COPC writer yet). */
export type ChosenType = Exclude<UploadType, 'point_cloud'>;

export const TYPE_NAMES: Record<ChosenType, string> = {
  ortho: 'Orthomosaic',
  dsm: 'Elevation model (DSM)',
  multispectral: 'Multispectral',
  pmtiles: 'PMTiles archive',
  vector: 'Vector data',
  raw: 'Raw file (kept as it is)',
};

export const CHOSEN_TYPES = Object.keys(TYPE_NAMES) as ChosenType[];

export const isChosenType = (type: string): type is ChosenType => type in TYPE_NAMES;

/** The type a dropped file most likely is, from its name (a TIFF taken as an orthomosaic); else raw. */
export const guessType = (filename: string): ChosenType => productTypeOf(filename) ?? 'raw';

/** What a type takes, for the person choosing it: "Orthomosaic takes .tif or .tiff files". */
export function acceptsSaid(type: ChosenType): string {
  const extensions = extensionsSaid(type);
  return `${TYPE_NAMES[type]} takes ${extensions ? `${extensions} files` : 'any file'}`;
}
