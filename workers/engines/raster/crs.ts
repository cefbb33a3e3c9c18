import { toProj4 } from 'geotiff-geokeys-to-proj4';
import { RasterError } from './errors';

/**
 * A CRS named by a client (`coord_crs`, `dst_crs`): `EPSG:<code>`, an OGC CRS URI, or CRS84. The
 * EPSG database bundled with geotiff-geokeys-to-proj4 resolves codes offline.
 */
export function proj4ForCrs(name: string): string {
  const text = name.trim();
  if (/^(OGC:)?CRS84$|crs\/OGC\/1\.3\/CRS84$/i.test(text)) return 'EPSG:4326';
  const match = /^(?:EPSG:|urn:ogc:def:crs:EPSG::|https?:\/\/www\.opengis\.net\/def\/crs\/EPSG\/0\/)(\d{4,6})$/i.exec(
    text,
  );
  if (!match) throw new RasterError(400, `Unknown CRS "${name}": use EPSG:<code>.`);
  const code = Number(match[1]);
  if (code === 4326) return 'EPSG:4326';
  if (code === 3857) return 'EPSG:3857';
  type GeoKeys = Parameters<typeof toProj4>[0];
  const candidates: Array<Partial<GeoKeys>> = [{ ProjectedCSTypeGeoKey: code }, { GeographicTypeGeoKey: code }];
  for (const keys of candidates) {
    try {
      // The library reads the keys present; the others are optional in practice.
      const { proj4 } = toProj4(keys as GeoKeys);
      if (proj4 && !proj4.includes('+proj=unknown') && /\+proj=/.test(proj4)) return proj4;
    } catch {
      // try the next kind of CRS
    }
  }
  throw new RasterError(422, `EPSG:${code} is not a CRS this service can project to.`);
}
