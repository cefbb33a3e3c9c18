import { Marker, type Map as MapLibreMap, type MapMouseEvent } from 'maplibre-gl';

/** Where a map looks, as the address keeps it. */
export interface Camera {
  center: [number, number];
  zoom: number;
}

export const cameraOf = (map: MapLibreMap): Camera => ({ center: map.getCenter().toArray(), zoom: map.getZoom() });

/**
 * Links two maps' cameras both ways: whichever moves (drag, wheel, keys, buttons), the other
 * jumps to the same center, zoom, bearing and pitch. A jump fires the follower's own `move`
 * synchronously; the flag drops that echo, so there is no feedback loop and no drift.
 */
export function linkCameras(a: MapLibreMap, b: MapLibreMap): () => void {
  let following = false;
  const follow = (from: MapLibreMap, to: MapLibreMap) => () => {
    if (following) return;
    following = true;
    try {
      to.jumpTo({ center: from.getCenter(), zoom: from.getZoom(), bearing: from.getBearing(), pitch: from.getPitch() });
    } finally {
      following = false;
    }
  };
  const aMoved = follow(a, b);
  const bMoved = follow(b, a);
  a.on('move', aMoved);
  b.on('move', bMoved);
  return () => {
    a.off('move', aMoved);
    b.off('move', bMoved);
  };
}

/**
 * Links two maps' pointers: moving over either shows a marker at the same place on the other and
 * reports the point; leaving a map hides its partner's marker.
 */
export function linkPointers(a: MapLibreMap, b: MapLibreMap, onPoint: (lonLat: [number, number]) => void): () => void {
  const markerOn = (map: MapLibreMap) => {
    const element = document.createElement('div');
    element.className = 'compare-marker';
    element.setAttribute('aria-hidden', 'true');
    return { map, marker: new Marker({ element }) };
  };
  const pairs = [
    { from: a, to: markerOn(b) },
    { from: b, to: markerOn(a) },
  ];
  const offs = pairs.map(({ from, to }) => {
    const move = (event: MapMouseEvent) => {
      to.marker.setLngLat(event.lngLat).addTo(to.map);
      onPoint([event.lngLat.lng, event.lngLat.lat]);
    };
    const out = () => to.marker.remove();
    from.on('mousemove', move);
    from.on('mouseout', out);
    return () => {
      from.off('mousemove', move);
      from.off('mouseout', out);
      to.marker.remove();
    };
  });
  return () => offs.forEach((off) => off());
}
