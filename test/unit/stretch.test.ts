import { describe, expect, it } from 'vitest';
import { histogramPercentile } from '../../workers/engines/raster/statistics';
import { displayRange, storedBand } from '../../workers/data-products/statistics';

describe('percentiles of a histogram', () => {
  const even: [number[], number[]] = [
    [10, 10, 10, 10],
    [0, 1, 2, 3, 4],
  ];

  it('spread each bucket evenly across it', () => {
    expect(histogramPercentile(even, 50)).toBe(2);
    expect(histogramPercentile(even, 2)).toBeCloseTo(0.08, 12);
    expect(histogramPercentile(even, 98)).toBeCloseTo(3.92, 12);
    expect(histogramPercentile(even, 0)).toBe(0);
    expect(histogramPercentile(even, 100)).toBe(4);
  });

  it('skip empty buckets', () => {
    expect(
      histogramPercentile(
        [
          [0, 5, 0, 5],
          [0, 1, 2, 3, 4],
        ],
        50,
      ),
    ).toBe(2);
    expect(
      histogramPercentile(
        [
          [0, 5, 0, 5],
          [0, 1, 2, 3, 4],
        ],
        60,
      ),
    ).toBeCloseTo(3.2, 12);
  });

  it('are null where the histogram counts nothing or is malformed', () => {
    expect(
      histogramPercentile(
        [
          [0, 0],
          [0, 1, 2],
        ],
        50,
      ),
    ).toBeNull();
    expect(
      histogramPercentile(
        [
          [1, 2],
          [0, 1],
        ],
        50,
      ),
    ).toBeNull();
  });
});

describe('stored statistics', () => {
  it('are read per band, each member checked', () => {
    const stats = {
      b1: {
        min: 1,
        max: 9,
        mean: 4,
        std: 2,
        histogram: [
          [1, 1],
          [1, 5, 9],
        ],
      },
      b2: { min: '1', max: 9 },
      b3: { min: 0, max: 1, histogram: [[1], [0, 0.5, 1]] },
    };
    expect(storedBand(stats, 1)).toEqual(stats.b1);
    expect(storedBand(stats, 2)).toBeNull();
    expect(storedBand(stats, 3)).toEqual({ min: 0, max: 1 });
    expect(storedBand(stats, 4)).toBeNull();
    expect(storedBand(null, 1)).toBeNull();
  });

  it('stretch from the 2nd to the 98th percentile, kept within min and max', () => {
    // GDAL's buckets reach past the data: the percentiles of the outer buckets are clamped to it.
    const band = {
      min: 0.5,
      max: 99.5,
      histogram: [
        [1, 98, 1],
        [0, 1, 99, 100],
      ] as [number[], number[]],
    };
    const [low, high] = displayRange(band);
    expect(low).toBeCloseTo(2, 12);
    expect(high).toBeCloseTo(98, 12);
    expect(
      displayRange({
        min: 0.5,
        max: 3.5,
        histogram: [
          [50, 0, 0, 50],
          [0, 1, 2, 3, 4],
        ],
      }),
    ).toEqual([0.5, 3.5]);
  });

  it('stretch from min to max without a histogram, or where the percentiles leave no span', () => {
    expect(displayRange({ min: 3, max: 7 })).toEqual([3, 7]);
    expect(displayRange({ min: 5, max: 5, histogram: [[100], [4.5, 5.5]] })).toEqual([5, 5]);
  });
});
