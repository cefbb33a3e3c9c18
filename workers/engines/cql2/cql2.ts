import { sql, type SQL } from 'drizzle-orm';
import { parseInstant as parseDate } from './datetime';
import { CatalogError } from './errors';
import { checkGeometry, type Geometry } from './geojson';

/** A filter the caller wrote wrongly: its message says where. */
export class FilterError extends CatalogError {
  constructor(message: string) {
    super('filter', message);
  }
}

/** A date or date-time literal of a filter. */
function parseInstant(value: unknown, what: string): Date {
  try {
    return parseDate(value, what, { dates: true });
  } catch (error) {
    if (error instanceof CatalogError) throw new FilterError(`${what} ${error.errors[0]!.message}`);
    throw error;
  }
}

/**
 * A CQL2 expression in its JSON encoding (OGC 21-065). CQL2 text is parsed into this same shape,
 * so one compiler serves both encodings and both services (OGC Features, STAC).
 */
export type Cql2 =
  | boolean
  | number
  | string
  | null
  | Cql2[]
  | { property: string }
  | { timestamp: string }
  | { date: string }
  | { interval: [Cql2, Cql2] }
  | { bbox: number[] }
  | { op: string; args: Cql2[] }
  | Geometry;

export type ValueType = 'number' | 'string' | 'boolean' | 'timestamp' | 'geometry' | 'json';

/** A queryable as SQL: typed columns, or a JSON value whose type is taken from what it is compared with. */
export interface Column {
  sql: SQL;
  type: ValueType;
  /** For a time span such as an item's datetime: its end (the start is `sql`). */
  end?: SQL;
}

/** Maps a property name to SQL, or throws a FilterError for an unknown one. */
export type Resolver = (name: string) => Column;

interface Operand {
  sql: SQL;
  type: ValueType;
  literal: boolean;
}

const COMPARISONS: Record<string, string> = { '=': '=', '<>': '<>', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };
const SPATIAL: Record<string, string> = {
  s_intersects: 'ST_Intersects',
  s_equals: 'ST_Equals',
  s_disjoint: 'ST_Disjoint',
  s_touches: 'ST_Touches',
  s_within: 'ST_Within',
  s_overlaps: 'ST_Overlaps',
  s_crosses: 'ST_Crosses',
  s_contains: 'ST_Contains',
};
type Span = [SQL, SQL];
/** Allen's interval relations over [start, end] spans, as OGC CQL2's temporal functions define them. */
const TEMPORAL: Record<string, (a: Span, b: Span) => SQL> = {
  t_after: ([a1], [, b2]) => sql`${a1} > ${b2}`,
  t_before: ([, a2], [b1]) => sql`${a2} < ${b1}`,
  t_contains: ([a1, a2], [b1, b2]) => sql`${a1} < ${b1} AND ${a2} > ${b2}`,
  t_disjoint: ([a1, a2], [b1, b2]) => sql`NOT (${a1} <= ${b2} AND ${a2} >= ${b1})`,
  t_during: ([a1, a2], [b1, b2]) => sql`${a1} > ${b1} AND ${a2} < ${b2}`,
  t_equals: ([a1, a2], [b1, b2]) => sql`${a1} = ${b1} AND ${a2} = ${b2}`,
  t_finishedby: ([a1, a2], [b1, b2]) => sql`${a1} < ${b1} AND ${a2} = ${b2}`,
  t_finishes: ([a1, a2], [b1, b2]) => sql`${a1} > ${b1} AND ${a2} = ${b2}`,
  t_intersects: ([a1, a2], [b1, b2]) => sql`${a1} <= ${b2} AND ${a2} >= ${b1}`,
  t_meets: ([, a2], [b1]) => sql`${a2} = ${b1}`,
  t_metby: ([a1], [, b2]) => sql`${a1} = ${b2}`,
  t_overlappedby: ([a1, a2], [b1, b2]) => sql`${a1} > ${b1} AND ${a1} < ${b2} AND ${a2} > ${b2}`,
  t_overlaps: ([a1, a2], [b1, b2]) => sql`${a1} < ${b1} AND ${a2} > ${b1} AND ${a2} < ${b2}`,
  t_startedby: ([a1, a2], [b1, b2]) => sql`${a1} = ${b1} AND ${a2} > ${b2}`,
  t_starts: ([a1, a2], [b1, b2]) => sql`${a1} = ${b1} AND ${a2} < ${b2}`,
};
export const MAX_DEPTH = 64;
const MAX_NODES = 2000;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A JSON value as the given type; NULL where it holds another type, so comparisons never fail at run time. */
export function coerceJson(value: SQL, type: ValueType): SQL {
  switch (type) {
    case 'number':
      return sql`(CASE WHEN jsonb_typeof(${value}) = 'number' THEN (${value} #>> '{}')::float8 END)`;
    case 'string':
      return sql`(CASE WHEN jsonb_typeof(${value}) = 'string' THEN ${value} #>> '{}' END)`;
    case 'boolean':
      return sql`(CASE WHEN jsonb_typeof(${value}) = 'boolean' THEN (${value} #>> '{}')::boolean END)`;
    case 'timestamp':
      return sql`stac_timestamptz(${value} #>> '{}')`;
    default:
      return value;
  }
}

/** Compiles a CQL2 JSON expression to a parameterised SQL condition; every literal is a bind parameter. */
export function compileCql2(expression: unknown, resolve: Resolver): SQL {
  return new Compiler(resolve).condition(expression, 0);
}

/** One compilation: the resolver, and the count of terms that bounds the filter's size. */
class Compiler {
  private nodes = 0;

  constructor(private readonly resolve: Resolver) {}

  /** Every term counts towards MAX_NODES, and none may sit deeper than MAX_DEPTH. */
  private enter(depth: number): void {
    if (++this.nodes > MAX_NODES) throw new FilterError(`The filter is too large (${MAX_NODES} terms at most).`);
    if (depth > MAX_DEPTH) throw new FilterError('The filter nests too deeply.');
  }

  private column(name: unknown): Column {
    if (typeof name !== 'string' || name.length === 0 || name.length > 256)
      throw new FilterError('A property name must be a non-empty string.');
    return this.resolve(name);
  }

  private operand(node: unknown, depth: number): Operand {
    this.enter(depth);
    if (typeof node === 'number') {
      if (!Number.isFinite(node)) throw new FilterError('Numbers must be finite.');
      return { sql: sql`${node}::float8`, type: 'number', literal: true };
    }
    if (typeof node === 'string') return { sql: sql`${node}::text`, type: 'string', literal: true };
    if (typeof node === 'boolean') return { sql: sql`${node}::boolean`, type: 'boolean', literal: true };
    if (isObject(node)) {
      if ('property' in node) {
        const col = this.column(node.property);
        return { sql: col.sql, type: col.type, literal: false };
      }
      if ('timestamp' in node)
        return {
          sql: sql`${parseInstant(node.timestamp, 'timestamp').toISOString()}::timestamptz`,
          type: 'timestamp',
          literal: true,
        };
      if ('date' in node)
        return {
          sql: sql`${parseInstant(node.date, 'date').toISOString()}::timestamptz`,
          type: 'timestamp',
          literal: true,
        };
      if ('op' in node) return { sql: this.condition(node, depth + 1), type: 'boolean', literal: false };
      if ('bbox' in node || 'type' in node) return { sql: this.geometry(node, depth), type: 'geometry', literal: true };
    }
    throw new FilterError(`Cannot read ${JSON.stringify(node)?.slice(0, 80)} as a value.`);
  }

  private geometry(node: unknown, depth: number): SQL {
    if (isObject(node) && 'property' in node) {
      const col = this.column(node.property);
      if (col.type !== 'geometry') throw new FilterError(`"${String(node.property)}" is not a geometry.`);
      return col.sql;
    }
    if (isObject(node) && 'bbox' in node) return envelope(node.bbox);
    if (depth > MAX_DEPTH) throw new FilterError('The filter nests too deeply.');
    try {
      return sql`ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(checkGeometry(node))}), 4326)`;
    } catch (error) {
      throw new FilterError(`Not a geometry: ${(error as Error).message}`);
    }
  }

  /** A temporal function's argument as a [start, end] span: an instant is a span of no length. */
  private span(node: unknown, depth: number): Span {
    if (isObject(node) && 'interval' in node) {
      const bounds = node.interval;
      if (!Array.isArray(bounds) || bounds.length !== 2) throw new FilterError('An interval takes two bounds.');
      return [this.intervalBound(bounds[0], '-infinity', depth), this.intervalBound(bounds[1], 'infinity', depth)];
    }
    if (isObject(node) && 'property' in node) {
      const col = this.column(node.property);
      if (col.type === 'timestamp') return [col.sql, col.end ?? col.sql];
      if (col.type === 'json') {
        const value = coerceJson(col.sql, 'timestamp');
        return [value, value];
      }
      throw new FilterError(`"${String(node.property)}" is not a time.`);
    }
    const instant = this.operand(node, depth);
    if (instant.type !== 'timestamp')
      throw new FilterError('Temporal functions take timestamps, dates, intervals or time properties.');
    return [instant.sql, instant.sql];
  }

  /** One end of an interval: `'..'` is open (`open` is ±infinity), else a property or an instant. */
  private intervalBound(bound: unknown, open: string, depth: number): SQL {
    if (bound === '..') return sql.raw(`'${open}'::timestamptz`);
    if (isObject(bound) && 'property' in bound) return this.operand(bound, depth + 1).sql;
    const instant = parseInstant(isObject(bound) ? (bound.timestamp ?? bound.date) : bound, 'interval bound');
    return sql`${instant.toISOString()}::timestamptz`;
  }

  condition(node: unknown, depth: number): SQL {
    this.enter(depth);
    if (typeof node === 'boolean') return node ? sql`TRUE` : sql`FALSE`;
    if (!isObject(node) || typeof node.op !== 'string' || !Array.isArray(node.args)) {
      throw new FilterError(`Expected a predicate {"op": …, "args": […]}, got ${JSON.stringify(node)?.slice(0, 80)}.`);
    }
    const op = node.op.toLowerCase();
    const args: unknown[] = node.args;
    // The operator families are tried in this order; each answers undefined for an operator not its own.
    const compiled =
      this.logical(op, args, depth) ?? this.comparison(op, args, depth) ?? this.spatialOrTemporal(op, args, depth);
    if (compiled) return compiled;
    throw new FilterError(`Unsupported operator "${node.op}".`);
  }

  /** and, or, not. */
  private logical(op: string, args: unknown[], depth: number): SQL | undefined {
    if (op === 'and' || op === 'or') {
      if (args.length < 2) throw new FilterError(`"${op}" takes at least 2 arguments.`);
      return sql`(${sql.join(
        args.map((a) => this.condition(a, depth + 1)),
        sql.raw(op === 'and' ? ' AND ' : ' OR '),
      )})`;
    }
    if (op === 'not') {
      arity(op, args, 1);
      return sql`(NOT ${this.condition(args[0], depth + 1)})`;
    }
    return undefined;
  }

  /** The comparisons, like, between, in and isNull: operands brought to one type by `unify`. */
  private comparison(op: string, args: unknown[], depth: number): SQL | undefined {
    if (op in COMPARISONS) {
      arity(op, args, 2);
      const [a, b] = unify(this.operand(args[0], depth + 1), this.operand(args[1], depth + 1));
      return sql`(${a} ${sql.raw(COMPARISONS[op]!)} ${b})`;
    }
    if (op === 'like') {
      arity(op, args, 2);
      const [a, b] = unify(this.operand(args[0], depth + 1), this.operand(args[1], depth + 1));
      return sql`((${a})::text LIKE (${b})::text)`;
    }
    if (op === 'between') {
      arity(op, args, 3);
      const value = this.operand(args[0], depth + 1);
      const [v1, low] = unify(value, this.operand(args[1], depth + 1));
      const [, high] = unify(value, this.operand(args[2], depth + 1));
      return sql`(${v1} BETWEEN ${low} AND ${high})`;
    }
    if (op === 'in') {
      arity(op, args, 2);
      const list = args[1];
      if (!Array.isArray(list) || list.length === 0) throw new FilterError('"in" takes a value and a non-empty list.');
      const value = this.operand(args[0], depth + 1);
      const items = list.map((item) => unify(value, this.operand(item, depth + 1)));
      return sql`(${items[0]![0]} IN (${sql.join(
        items.map(([, b]) => b),
        sql`, `,
      )}))`;
    }
    if (op === 'isnull') {
      arity(op, args, 1);
      const value = this.operand(args[0], depth + 1);
      return value.type === 'json'
        ? sql`(${value.sql} IS NULL OR jsonb_typeof(${value.sql}) = 'null')`
        : sql`(${value.sql} IS NULL)`;
    }
    return undefined;
  }

  /** The spatial (PostGIS) and temporal (Allen) functions. */
  private spatialOrTemporal(op: string, args: unknown[], depth: number): SQL | undefined {
    if (op in SPATIAL) {
      arity(op, args, 2);
      return sql`${sql.raw(SPATIAL[op]!)}(${this.geometry(args[0], depth + 1)}, ${this.geometry(args[1], depth + 1)})`;
    }
    if (op in TEMPORAL) {
      arity(op, args, 2);
      return sql`(${TEMPORAL[op]!(this.span(args[0], depth + 1), this.span(args[1], depth + 1))})`;
    }
    return undefined;
  }
}

function arity(op: string, args: unknown[], n: number): void {
  if (args.length !== n) throw new FilterError(`"${op}" takes ${n} argument${n === 1 ? '' : 's'}, got ${args.length}.`);
}

/** Brings two operands to one type: a JSON property takes the type of what it is compared with. */
function unify(a: Operand, b: Operand): [SQL, SQL] {
  if (a.type === 'json' && b.type !== 'json') return [coerceJson(a.sql, b.type), b.sql];
  if (b.type === 'json' && a.type !== 'json') return [a.sql, coerceJson(b.sql, a.type)];
  if (a.type !== b.type) throw new FilterError(`Cannot compare a ${a.type} with a ${b.type}.`);
  return [a.sql, b.sql];
}

/** A bbox literal of 4 or 6 numbers (the heights of a 3D box are dropped) as a WGS 84 envelope. */
function envelope(box: unknown): SQL {
  if (
    !Array.isArray(box) ||
    (box.length !== 4 && box.length !== 6) ||
    !box.every((v) => typeof v === 'number' && Number.isFinite(v))
  ) {
    throw new FilterError('A bbox takes 4 or 6 numbers.');
  }
  const [minx, miny, maxx, maxy] = box.length === 4 ? box : [box[0], box[1], box[3], box[4]];
  return sql`ST_MakeEnvelope(${minx}, ${miny}, ${maxx}, ${maxy}, 4326)`;
}
