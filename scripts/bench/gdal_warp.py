"""GDAL's side of the bench: warp the same tiles in one long-lived process (python3-gdal).

Reads a JSON job on stdin: {"file": local path, "url": the same file over HTTP, "counter": URL
answering the bytes served so far, "tiles": [[minx, miny, maxx, maxy], ...] in EPSG:3857}.
Prints JSON, per tile, from the local file with the header warm:
  cold: warp times with GDAL's block cache flushed before each tile (blocks decoded anew),
  warm: warp times with the block cache left as the previous tiles left it,
  png:  the time to encode each warped tile as PNG (GDAL's PNG driver, its default ZLEVEL 6),
  remote: warp times through /vsicurl/ from a local HTTP server, header warm, each tile from its own URL,
and the requests and bytes /vsicurl/ reads for each of those tiles.
"""
import json
import sys
import time
import urllib.request

from osgeo import gdal

gdal.UseExceptions()
job = json.load(sys.stdin)
options = dict(dstSRS="EPSG:3857", width=256, height=256, resampleAlg="near", dstAlpha=True, format="MEM")

local = gdal.Open(job["file"])
gdal.Warp("", local, outputBounds=job["tiles"][0], **options)  # warm up: header, caches, code paths


def timed(work):
    started = time.perf_counter()
    result = work()
    return (time.perf_counter() - started) * 1000, result


cold, png = [], []
for bounds in job["tiles"]:
    local.FlushCache()
    millis, warped = timed(lambda: gdal.Warp("", local, outputBounds=bounds, **options))
    cold.append(millis)
    png.append(timed(lambda: gdal.Translate("/vsimem/tile.png", warped, format="PNG"))[0])
    gdal.Unlink("/vsimem/tile.png")
warm = []
for bounds in job["tiles"]:
    warm.append(timed(lambda: gdal.Warp("", local, outputBounds=bounds, **options))[0])


def served():
    with urllib.request.urlopen(job["counter"]) as response:
        return json.load(response)


gdal.SetConfigOption("GDAL_DISABLE_READDIR_ON_OPEN", "EMPTY_DIR")
# As our renders: every header read beforehand, and each tile from its own URL (/vsicurl/ caches
# per URL), so the tile's bytes come over HTTP while the header is warm.
gdal.VSICurlClearCache()
remotes = [gdal.Open(f"/vsicurl/{job['url']}?copy={i}") for i in range(len(job["tiles"]))]
remote, remote_bytes, remote_requests = [], [], []
for dataset, bounds in zip(remotes, job["tiles"]):
    before = served()
    remote.append(timed(lambda: gdal.Warp("", dataset, outputBounds=bounds, **options))[0])
    after = served()
    remote_bytes.append(after["bytes"] - before["bytes"])
    remote_requests.append(after["requests"] - before["requests"])

print(json.dumps({"cold": cold, "warm": warm, "png": png, "remote": remote, "bytes": remote_bytes, "requests": remote_requests}))
