"""GDAL's side of the bench: warp the same tiles in one long-lived process (python3-gdal).

The first line on stdin is a JSON job: {"file": local path, "url": the same file over HTTP,
"counter": URL answering the bytes served so far, "tiles": [[minx, miny, maxx, maxy], ...] in
EPSG:3857}. Then one command a line, each answered with one line of JSON, so that the bench can
interleave GDAL's tiles with its own and both meet the machine in the same state:
  cold I:  warp tile I from the local file with GDAL's block cache flushed first (blocks decoded
           anew), header warm, then encode it as PNG (GDAL's PNG driver, its default ZLEVEL 6):
           {"warp": ms, "png": ms}
  warm I:  warp tile I with the block cache as the previous tiles left it: {"warp": ms}
  run:     every tile as `cold` does, one after another with nothing of ours in between, the way
           GDAL is usually timed (its code and data stay in the CPU's caches): {"warp": [ms, ...]}
  remote:  every tile through /vsicurl/ from the local HTTP server, header warm, each tile from its
           own URL: {"remote": [ms, ...], "bytes": [...], "requests": [...]} per tile.
"""
import json
import sys
import time
import urllib.request

from osgeo import gdal

gdal.UseExceptions()
job = json.loads(sys.stdin.readline())
tiles = job["tiles"]
options = dict(dstSRS="EPSG:3857", width=256, height=256, resampleAlg="near", dstAlpha=True, format="MEM")

local = gdal.Open(job["file"])
gdal.Warp("", local, outputBounds=tiles[0], **options)  # warm up: header, caches, code paths


def timed(work):
    started = time.perf_counter()
    result = work()
    return (time.perf_counter() - started) * 1000, result


def cold(i):
    local.FlushCache()
    millis, warped = timed(lambda: gdal.Warp("", local, outputBounds=tiles[i], **options))
    png = timed(lambda: gdal.Translate("/vsimem/tile.png", warped, format="PNG"))[0]
    gdal.Unlink("/vsimem/tile.png")
    return {"warp": millis, "png": png}


def warm(i):
    return {"warp": timed(lambda: gdal.Warp("", local, outputBounds=tiles[i], **options))[0]}


def run():
    return {"warp": [cold(i)["warp"] for i in range(len(tiles))]}


def served():
    with urllib.request.urlopen(job["counter"]) as response:
        return json.load(response)


def remote():
    gdal.SetConfigOption("GDAL_DISABLE_READDIR_ON_OPEN", "EMPTY_DIR")
    # As our renders: every header read beforehand, and each tile from its own URL (/vsicurl/
    # caches per URL), so the tile's bytes come over HTTP while the header is warm.
    gdal.VSICurlClearCache()
    datasets = [gdal.Open(f"/vsicurl/{job['url']}?copy={i}") for i in range(len(tiles))]
    times, sizes, requests = [], [], []
    for dataset, bounds in zip(datasets, tiles):
        before = served()
        times.append(timed(lambda: gdal.Warp("", dataset, outputBounds=bounds, **options))[0])
        after = served()
        sizes.append(after["bytes"] - before["bytes"])
        requests.append(after["requests"] - before["requests"])
    return {"remote": times, "bytes": sizes, "requests": requests}


COMMANDS = {"cold": cold, "warm": warm, "run": run, "remote": remote}
print(json.dumps({"ready": True}), flush=True)
for line in sys.stdin:
    name, *args = line.split()
    print(json.dumps(COMMANDS[name](*map(int, args))), flush=True)
