import type { JobKind } from './protocol';

/** The job an upload of each data product type gets; raw files are stored as they are, with none. */
export function jobKindFor(productType: string): JobKind | null {
  switch (productType) {
    case 'ortho':
    case 'dsm':
    case 'multispectral':
      return 'raster';
    case 'vector':
      return 'vector';
    case 'pmtiles':
      return 'pmtiles';
    default:
      return null;
  }
}

/** A failure of the input itself: retrying cannot help. */
export class JobInputError extends Error {}
