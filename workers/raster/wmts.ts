import type { Cog } from '../engines/raster/cog';
import { tileMatrixSetDocument, zoomForResolution, type TileMatrixSet } from '../engines/raster/tms';
import type { ImageFormat } from '../engines/raster/image';
import { boundsIn, naturalResolution } from '../engines/raster/warp';

/** Zooms worth asking: from the coarsest overview's to the native resolution's. */
export function zoomRange(cog: Cog, tms: TileMatrixSet): { minzoom: number; maxzoom: number } {
  if (!boundsIn(cog, tms.proj4)) return { minzoom: 0, maxzoom: tms.maxZoom };
  const natural = naturalResolution(cog, tms.proj4);
  const coarsest = cog.levels[cog.levels.length - 1]!;
  const maxzoom = zoomForResolution(tms, natural);
  const minzoom = Math.min(maxzoom, zoomForResolution(tms, natural * (cog.width / coarsest.width)));
  return { minzoom, maxzoom };
}

const escapeXml = (s: string) =>
  s.replace(/[<>&'"]/g, (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[ch]!);

export function wmtsCapabilities(
  cog: Cog,
  tms: TileMatrixSet,
  template: string,
  format: ImageFormat,
  zooms: { minzoom: number; maxzoom: number },
): string {
  const document = tileMatrixSetDocument(tms);
  const [w, s, e, n] = boundsIn(cog, 'EPSG:4326') ?? [-180, -90, 180, 90];
  const crsUrn = tms.id === 'WebMercatorQuad' ? 'urn:ogc:def:crs:EPSG::3857' : 'urn:ogc:def:crs:OGC:1.3:CRS84';
  const matrices = document.tileMatrices
    .slice(zooms.minzoom, zooms.maxzoom + 1)
    .map(
      (m) => `
      <TileMatrix>
        <ows:Identifier>${m.id}</ows:Identifier>
        <ScaleDenominator>${m.scaleDenominator}</ScaleDenominator>
        <TopLeftCorner>${m.pointOfOrigin[0]} ${m.pointOfOrigin[1]}</TopLeftCorner>
        <TileWidth>${m.tileWidth}</TileWidth>
        <TileHeight>${m.tileHeight}</TileHeight>
        <MatrixWidth>${m.matrixWidth}</MatrixWidth>
        <MatrixHeight>${m.matrixHeight}</MatrixHeight>
      </TileMatrix>`,
    )
    .join('');
  const mime = format === 'npy' ? 'application/x-binary' : `image/${format}`;
  const title = escapeXml(cog.key.split('/').pop() ?? 'dataset');
  return `<?xml version="1.0" encoding="UTF-8"?>
<Capabilities xmlns="http://www.opengis.net/wmts/1.0" xmlns:ows="http://www.opengis.net/ows/1.1" xmlns:xlink="http://www.w3.org/1999/xlink" version="1.0.0">
  <ows:ServiceIdentification>
    <ows:Title>edge-tiles</ows:Title>
    <ows:ServiceType>OGC WMTS</ows:ServiceType>
    <ows:ServiceTypeVersion>1.0.0</ows:ServiceTypeVersion>
  </ows:ServiceIdentification>
  <Contents>
    <Layer>
      <ows:Title>${title}</ows:Title>
      <ows:Identifier>default</ows:Identifier>
      <ows:WGS84BoundingBox crs="urn:ogc:def:crs:OGC:2:84">
        <ows:LowerCorner>${w} ${s}</ows:LowerCorner>
        <ows:UpperCorner>${e} ${n}</ows:UpperCorner>
      </ows:WGS84BoundingBox>
      <Style isDefault="true"><ows:Identifier>default</ows:Identifier></Style>
      <Format>${mime}</Format>
      <TileMatrixSetLink><TileMatrixSet>${tms.id}</TileMatrixSet></TileMatrixSetLink>
      <ResourceURL format="${mime}" resourceType="tile" template="${escapeXml(template)}"/>
    </Layer>
    <TileMatrixSet>
      <ows:Identifier>${tms.id}</ows:Identifier>
      <ows:SupportedCRS>${crsUrn}</ows:SupportedCRS>${matrices}
    </TileMatrixSet>
  </Contents>
</Capabilities>`;
}
