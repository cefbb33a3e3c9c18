import { describe, expect, it } from 'vitest';
import { PgDialect } from 'drizzle-orm/pg-core';
import { compileCql2, FilterError } from '../../workers/engines/cql2/cql2';
import { parseCql2Text } from '../../workers/engines/cql2/cql2-text';
import { parseDatetimeParameter } from '../../workers/engines/cql2/datetime';
import { CatalogError } from '../../workers/engines/cql2/errors';
import { selectFields } from '../../workers/catalog/fields';
import { mergePatch } from '../../workers/catalog/item';
import { itemResolver } from '../../workers/catalog/search';

describe('CQL2 text', () => {
  it('parses into the CQL2 JSON encoding', () => {
    expect(parseCql2Text("a = 1 AND NOT b LIKE 'x%' OR c IS NOT NULL")).toEqual({
      op: 'or',
      args: [
        {
          op: 'and',
          args: [
            { op: '=', args: [{ property: 'a' }, 1] },
            { op: 'not', args: [{ op: 'like', args: [{ property: 'b' }, 'x%'] }] },
          ],
        },
        { op: 'not', args: [{ op: 'isNull', args: [{ property: 'c' }] }] },
      ],
    });
    expect(parseCql2Text('"eo:cloud_cover" BETWEEN 0 AND 10.5')).toEqual({
      op: 'between',
      args: [{ property: 'eo:cloud_cover' }, 0, 10.5],
    });
    expect(parseCql2Text("platform NOT IN ('a', 'b')")).toEqual({
      op: 'not',
      args: [{ op: 'in', args: [{ property: 'platform' }, ['a', 'b']] }],
    });
    expect(parseCql2Text('S_INTERSECTS(geometry, MULTIPOINT((1 2), (3 4)))')).toEqual({
      op: 's_intersects',
      args: [
        { property: 'geometry' },
        {
          type: 'MultiPoint',
          coordinates: [
            [1, 2],
            [3, 4],
          ],
        },
      ],
    });
    expect(parseCql2Text('S_WITHIN(geometry, POLYGON((0 0, 1 0, 1 1, 0 0)))')).toEqual({
      op: 's_within',
      args: [
        { property: 'geometry' },
        {
          type: 'Polygon',
          coordinates: [
            [
              [0, 0],
              [1, 0],
              [1, 1],
              [0, 0],
            ],
          ],
        },
      ],
    });
    expect(parseCql2Text("T_INTERSECTS(datetime, INTERVAL('2020-01-01', '..'))")).toEqual({
      op: 't_intersects',
      args: [{ property: 'datetime' }, { interval: ['2020-01-01', '..'] }],
    });
    expect(parseCql2Text("datetime > TIMESTAMP('2020-01-01T00:00:00Z')")).toEqual({
      op: '>',
      args: [{ property: 'datetime' }, { timestamp: '2020-01-01T00:00:00Z' }],
    });
  });

  it('rejects malformed text with a FilterError', () => {
    for (const bad of [
      '',
      'a =',
      'a = 1 1',
      'a LIKE',
      '(a = 1',
      'S_INTERSECTS(geometry, POINT())',
      'a ~ 1',
      "'unterminated",
    ]) {
      expect(() => parseCql2Text(bad), bad).toThrow(FilterError);
    }
  });
});

describe('CQL2 compiled to SQL', () => {
  const dialect = new PgDialect();
  const compile = (filter: unknown) => dialect.sqlToQuery(compileCql2(filter, itemResolver));

  it('keeps every literal a bind parameter', () => {
    const query = compile(parseCql2Text("platform = 'x''; DROP TABLE stac_items; --'"));
    expect(query.sql).not.toContain('DROP');
    expect(query.params).toContain("x'; DROP TABLE stac_items; --");
  });

  it('compares JSON properties as the type of what they are compared with', () => {
    expect(compile({ op: '<', args: [{ property: 'gsd' }, 3] }).sql).toContain('jsonb_typeof');
    expect(compile({ op: '<', args: [{ property: 'datetime' }, { timestamp: '2020-01-01T00:00:00Z' }] }).sql).toContain(
      'i.datetime',
    );
  });

  it('refuses unknown operators, wrong arity, type clashes and bad literals', () => {
    const bad: unknown[] = [
      { op: 'frobnicate', args: [] },
      { op: '=', args: [{ property: 'a' }] },
      { op: '=', args: [1, 'one'] },
      { op: 's_intersects', args: [{ property: 'geometry' }, { type: 'Point', coordinates: [1] }] },
      { op: 't_after', args: [{ property: 'datetime' }, { timestamp: 'tomorrow' }] },
      { op: 'in', args: [{ property: 'a' }, []] },
      'just a string',
    ];
    for (const filter of bad) expect(() => compile(filter), JSON.stringify(filter)).toThrow(FilterError);
    let deep: unknown = { op: '=', args: [{ property: 'a' }, 1] };
    for (let i = 0; i < 100; i++) deep = { op: 'not', args: [deep] };
    expect(() => compile(deep)).toThrow(/nests too deeply/);
  });
});

describe('STAC parameters and documents', () => {
  it('datetime: instants, closed and open intervals; reversed or malformed ones are errors', () => {
    const instant = parseDatetimeParameter('2020-01-01T00:00:00Z');
    expect(instant.start?.toISOString()).toBe('2020-01-01T00:00:00.000Z');
    expect(parseDatetimeParameter('../2020-01-01T00:00:00Z').start).toBeNull();
    expect(parseDatetimeParameter('2020-01-01T00:00:00Z/').end).toBeNull();
    for (const bad of ['2020', '2020-01-01', '../..', '2021-01-01T00:00:00Z/2020-01-01T00:00:00Z', 'a/b/c']) {
      expect(() => parseDatetimeParameter(bad), bad).toThrow(CatalogError);
    }
  });

  it('fields: the default set plus include, minus exclude', () => {
    const item = {
      type: 'Feature',
      id: 'a',
      geometry: {},
      bbox: [],
      links: [],
      assets: {},
      properties: { datetime: 'x', gsd: 1, foo: 2 },
      stac_extensions: [],
    };
    expect(selectFields(item, { include: ['properties.gsd'], exclude: ['geometry'] })).toEqual({
      type: 'Feature',
      id: 'a',
      bbox: [],
      links: [],
      assets: {},
      properties: { datetime: 'x', gsd: 1 },
    });
    expect(selectFields(item, { include: ['properties'], exclude: ['properties.foo'] }).properties).toEqual({
      datetime: 'x',
      gsd: 1,
    });
    expect(item.properties.foo).toBe(2);
    expect(selectFields(item, undefined)).toBe(item);
  });

  it('merge patch follows RFC 7396', () => {
    expect(mergePatch({ a: 'b', c: { d: 'e', f: 'g' } }, { a: 'z', c: { f: null } })).toEqual({
      a: 'z',
      c: { d: 'e' },
    });
    expect(mergePatch({ a: [1, 2] }, { a: [3] })).toEqual({ a: [3] });
  });
});
