import { sql, type SQL } from 'drizzle-orm';

/** A filter the caller wrote wrongly: its message says where. */
export class FilterError extends Error {}

export type FieldType = 'string' | 'number' | 'boolean';

/**
 * CQL2 text (basic CQL2, advanced comparison operators, S_INTERSECTS) compiled to a parameterised
 * SQL condition over `vector_features f`. Property names are checked against the layer's
 * queryables; every literal travels as a bind parameter, so a filter can never be SQL.
 */
export function compileCql2(text: string, fields: Record<string, FieldType | string>): SQL {
  const tokens = tokenize(text);
  let i = 0;
  const peek = (offset = 0) => tokens[i + offset];
  const isWord = (word: string, offset = 0) => peek(offset)?.kind === 'word' && peek(offset)!.value.toUpperCase() === word;
  const take = (): Token => {
    const token = tokens[i++];
    if (!token) throw new FilterError('The filter ends too early.');
    return token;
  };
  const expect = (value: string) => {
    const token = take();
    if (token.value.toUpperCase() !== value) throw new FilterError(`Expected "${value}" but found "${token.value}".`);
  };

  type Operand = { sql: SQL; type: FieldType | 'any' };

  const property = (name: string): Operand => {
    if (!Object.hasOwn(fields, name)) throw new FilterError(`Unknown queryable "${name}" (queryables: ${Object.keys(fields).join(', ') || 'none'}).`);
    const type = fields[name] as FieldType;
    const value = sql`(f.properties ->> ${name})`;
    if (type === 'number') return { sql: sql`(${value})::float8`, type };
    if (type === 'boolean') return { sql: sql`(${value})::boolean`, type };
    return { sql: value, type: 'string' };
  };

  const scalar = (): Operand => {
    const token = take();
    if (token.kind === 'number') {
      const value = Number(token.value);
      if (!Number.isFinite(value)) throw new FilterError(`The number ${token.value} is out of range.`);
      return { sql: sql`${value}::float8`, type: 'number' };
    }
    if (token.kind === 'string') return { sql: sql`${token.value}::text`, type: 'string' };
    if (token.kind === 'word' && (token.value.toUpperCase() === 'TRUE' || token.value.toUpperCase() === 'FALSE')) {
      return { sql: sql`${token.value.toUpperCase() === 'TRUE'}::boolean`, type: 'boolean' };
    }
    if (token.kind === 'word' || token.kind === 'quoted') return property(token.value);
    throw new FilterError(`Expected a property or a literal, found "${token.value}".`);
  };

  const geometry = (): SQL => {
    const token = take();
    if (token.kind === 'word' && token.value.toLowerCase() === 'geometry') return sql`f.geom`;
    if (token.kind === 'word' && token.value.toUpperCase() === 'BBOX') {
      expect('(');
      const values: number[] = [];
      for (;;) {
        const n = take();
        if (n.kind !== 'number') throw new FilterError('BBOX takes numbers.');
        values.push(Number(n.value));
        if (peek()?.value === ',') take();
        else break;
      }
      expect(')');
      if (values.length !== 4 && values.length !== 6) throw new FilterError('BBOX takes 4 or 6 numbers.');
      const [minx, miny, maxx, maxy] = values.length === 4 ? values : [values[0]!, values[1]!, values[3]!, values[4]!];
      return sql`ST_MakeEnvelope(${minx}, ${miny}, ${maxx}, ${maxy}, 4326)`;
    }
    if (token.kind === 'word' && /^(POINT|LINESTRING|POLYGON|MULTIPOINT|MULTILINESTRING|MULTIPOLYGON)$/i.test(token.value)) {
      // Collect the balanced parenthesised coordinate list verbatim; PostGIS parses it as WKT.
      let depth = 0;
      let wkt = token.value.toUpperCase();
      do {
        const part = take();
        if (part.value === '(') depth++;
        if (part.value === ')') depth--;
        if (part.kind !== 'number' && !['(', ')', ','].includes(part.value)) throw new FilterError(`Unexpected "${part.value}" inside ${token.value}.`);
        wkt += part.value === ',' ? ', ' : part.kind === 'number' ? ` ${part.value}` : part.value;
      } while (depth > 0);
      return sql`ST_GeomFromText(${wkt}, 4326)`;
    }
    throw new FilterError(`Expected the geometry property, a WKT geometry or BBOX(...), found "${token.value}".`);
  };

  const predicate = (): SQL => {
    if (peek()?.value === '(') {
      take();
      const inner = or();
      expect(')');
      return sql`(${inner})`;
    }
    if (isWord('S_INTERSECTS')) {
      take();
      expect('(');
      const a = geometry();
      expect(',');
      const b = geometry();
      expect(')');
      return sql`ST_Intersects(${a}, ${b})`;
    }
    const left = scalar();
    const negated = isWord('NOT') && (isWord('LIKE', 1) || isWord('BETWEEN', 1) || isWord('IN', 1));
    if (negated) take();
    const not = negated ? sql`NOT ` : sql``;
    if (isWord('LIKE')) {
      take();
      const pattern = scalar();
      return sql`${not}((${left.sql})::text LIKE (${pattern.sql})::text)`;
    }
    if (isWord('BETWEEN')) {
      take();
      const low = scalar();
      expect('AND');
      const high = scalar();
      return sql`${not}(${left.sql} BETWEEN ${low.sql} AND ${high.sql})`;
    }
    if (isWord('IN')) {
      take();
      expect('(');
      const items: SQL[] = [scalar().sql];
      while (peek()?.value === ',') {
        take();
        items.push(scalar().sql);
      }
      expect(')');
      return sql`${not}(${left.sql} IN (${sql.join(items, sql`, `)}))`;
    }
    if (isWord('IS')) {
      take();
      const isNot = isWord('NOT');
      if (isNot) take();
      expect('NULL');
      return isNot ? sql`(${left.sql} IS NOT NULL)` : sql`(${left.sql} IS NULL)`;
    }
    const op = take();
    const operators: Record<string, string> = { '=': '=', '<>': '<>', '<': '<', '>': '>', '<=': '<=', '>=': '>=' };
    const operator = operators[op.value];
    if (op.kind !== 'op' || !operator) throw new FilterError(`Expected a comparison operator, found "${op.value}".`);
    const right = scalar();
    return sql`(${left.sql} ${sql.raw(operator)} ${right.sql})`;
  };

  const not = (): SQL => {
    if (isWord('NOT')) {
      take();
      return sql`(NOT ${not()})`;
    }
    return predicate();
  };
  const and = (): SQL => {
    let left = not();
    while (isWord('AND')) {
      take();
      left = sql`(${left} AND ${not()})`;
    }
    return left;
  };
  const or = (): SQL => {
    let left = and();
    while (isWord('OR')) {
      take();
      left = sql`(${left} OR ${and()})`;
    }
    return left;
  };

  const condition = or();
  if (i !== tokens.length) throw new FilterError(`Unexpected "${tokens[i]!.value}" after the end of the filter.`);
  return condition;
}

interface Token {
  kind: 'word' | 'quoted' | 'string' | 'number' | 'op' | 'punct';
  value: string;
}

function tokenize(text: string): Token[] {
  if (text.length > 8192) throw new FilterError('The filter is too long (8192 characters at most).');
  const tokens: Token[] = [];
  const pattern = /\s*(?:(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|'((?:[^']|'')*)'|"((?:[^"]|"")+)"|([A-Za-z_][A-Za-z0-9_:.]*)|(<>|<=|>=|=|<|>)|([(),]))/y;
  let position = 0;
  while (position < text.length) {
    if (/^\s*$/.test(text.slice(position))) break;
    pattern.lastIndex = position;
    const m = pattern.exec(text);
    if (!m) throw new FilterError(`Cannot read the filter at "${text.slice(position).trim().slice(0, 16)}".`);
    if (m[1] !== undefined) tokens.push({ kind: 'number', value: m[1] });
    else if (m[2] !== undefined) tokens.push({ kind: 'string', value: m[2].replace(/''/g, "'") });
    else if (m[3] !== undefined) tokens.push({ kind: 'quoted', value: m[3].replace(/""/g, '"') });
    else if (m[4] !== undefined) tokens.push({ kind: 'word', value: m[4] });
    else if (m[5] !== undefined) tokens.push({ kind: 'op', value: m[5] });
    else tokens.push({ kind: 'punct', value: m[6]! });
    position = pattern.lastIndex;
  }
  if (tokens.length === 0) throw new FilterError('The filter is empty.');
  return tokens;
}
