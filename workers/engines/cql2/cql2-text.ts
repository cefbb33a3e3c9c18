import { FilterError, MAX_DEPTH, type Cql2 } from './cql2';

/**
 * CQL2 text → the CQL2 JSON encoding (OGC 21-065): basic CQL2, advanced comparison operators,
 * spatial (WKT and BBOX literals) and temporal functions. The JSON is then compiled like any
 * filter sent as JSON, so the two encodings cannot drift apart.
 */
export function parseCql2Text(text: string): Cql2 {
  const tokens = tokenize(text);
  let i = 0;
  // Parentheses and NOTs nest by recursion: past the compiler's own limit, the parser stops first.
  let depth = 0;
  const nested = <T>(parse: () => T): T => {
    if (++depth > MAX_DEPTH) throw new FilterError('The filter nests too deeply.');
    try {
      return parse();
    } finally {
      depth -= 1;
    }
  };
  const peek = (offset = 0) => tokens[i + offset];
  const isWord = (word: string, offset = 0) =>
    peek(offset)?.kind === 'word' && peek(offset)!.value.toUpperCase() === word;
  const isPunct = (value: string) => peek()?.kind === 'punct' && peek()!.value === value;
  const take = (): Token => {
    const token = tokens[i++];
    if (!token) throw new FilterError('The filter ends too early.');
    return token;
  };
  const expect = (value: string) => {
    const token = take();
    if (token.value.toUpperCase() !== value) throw new FilterError(`Expected "${value}" but found "${token.value}".`);
  };
  const stringArgument = (): string => {
    expect('(');
    const value = take();
    if (value.kind !== 'string') throw new FilterError(`Expected a quoted string, found "${value.value}".`);
    expect(')');
    return value.value;
  };

  const scalar = (): Cql2 => {
    const token = take();
    if (token.kind === 'number') return Number(token.value);
    if (token.kind === 'string') return token.value;
    if (token.kind === 'quoted') return { property: token.value };
    if (token.kind === 'word') {
      const word = token.value.toUpperCase();
      if (word === 'TRUE' || word === 'FALSE') return word === 'TRUE';
      if (word === 'TIMESTAMP' && isPunct('(')) return { timestamp: stringArgument() };
      if (word === 'DATE' && isPunct('(')) return { date: stringArgument() };
      return { property: token.value };
    }
    throw new FilterError(`Expected a property or a literal, found "${token.value}".`);
  };

  const temporal = (): Cql2 => {
    if (!isWord('INTERVAL')) return scalar();
    take();
    expect('(');
    const bound = (): Cql2 => {
      if (peek()?.kind === 'string') return take().value;
      return scalar();
    };
    const start = bound();
    expect(',');
    const end = bound();
    expect(')');
    return { interval: [start, end] };
  };

  /** A parenthesised WKT coordinate list as nested arrays; a run of numbers is one position. */
  const coordinates = (): unknown[] =>
    nested(() => {
      expect('(');
      const items: unknown[] = [];
      for (;;) {
        if (isPunct('(')) items.push(coordinates());
        else {
          const numbers: number[] = [];
          while (peek()?.kind === 'number') numbers.push(Number(take().value));
          if (numbers.length === 0)
            throw new FilterError(`Expected coordinates, found "${peek()?.value ?? 'the end'}".`);
          items.push(numbers);
        }
        if (isPunct(',')) take();
        else break;
      }
      expect(')');
      return items;
    });

  const geometry = (): Cql2 => {
    const token = peek();
    if (token?.kind === 'word') {
      const word = token.value.toUpperCase();
      if (word === 'BBOX' && peek(1)?.value === '(') {
        take();
        const values = coordinates();
        return { bbox: values.map((v) => (Array.isArray(v) && v.length === 1 ? v[0] : NaN)) as number[] };
      }
      if (WKT_TYPES[word] && peek(1)?.value === '(') {
        take();
        const tree = coordinates();
        const type = WKT_TYPES[word];
        // MULTIPOINT(1 2, 3 4) and MULTIPOINT((1 2), (3 4)) are both valid WKT.
        const unwrapPoints = (items: unknown[]) =>
          items.map((p) => (Array.isArray(p) && Array.isArray(p[0]) ? p[0] : p));
        const coordinatesOf = type === 'Point' ? tree[0] : type === 'MultiPoint' ? unwrapPoints(tree) : tree;
        return { type, coordinates: coordinatesOf } as Cql2;
      }
    }
    return scalar();
  };

  const predicate = (): Cql2 => {
    if (isPunct('(')) {
      take();
      const inner = nested(or);
      expect(')');
      return inner;
    }
    const name = peek()?.kind === 'word' ? peek()!.value.toUpperCase() : '';
    const call = (argument: () => Cql2): Cql2 => {
      take();
      expect('(');
      const a = argument();
      expect(',');
      const b = argument();
      expect(')');
      return { op: name.toLowerCase(), args: [a, b] };
    };
    if (/^S_[A-Z]+$/.test(name) && peek(1)?.value === '(') return call(geometry);
    if (/^T_[A-Z]+$/.test(name) && peek(1)?.value === '(') return call(temporal);
    const left = scalar();
    const negated = isWord('NOT') && (isWord('LIKE', 1) || isWord('BETWEEN', 1) || isWord('IN', 1));
    if (negated) take();
    const wrap = (inner: Cql2): Cql2 => (negated ? { op: 'not', args: [inner] } : inner);
    if (isWord('LIKE')) {
      take();
      return wrap({ op: 'like', args: [left, scalar()] });
    }
    if (isWord('BETWEEN')) {
      take();
      const low = scalar();
      expect('AND');
      return wrap({ op: 'between', args: [left, low, scalar()] });
    }
    if (isWord('IN')) {
      take();
      expect('(');
      const items: Cql2[] = [scalar()];
      while (isPunct(',')) {
        take();
        items.push(scalar());
      }
      expect(')');
      return wrap({ op: 'in', args: [left, items] });
    }
    if (isWord('IS')) {
      take();
      const isNot = isWord('NOT');
      if (isNot) take();
      expect('NULL');
      const test: Cql2 = { op: 'isNull', args: [left] };
      return isNot ? { op: 'not', args: [test] } : test;
    }
    const op = take();
    if (op.kind !== 'op') throw new FilterError(`Expected a comparison operator, found "${op.value}".`);
    return { op: op.value, args: [left, scalar()] };
  };

  const not = (): Cql2 => {
    if (isWord('NOT')) {
      take();
      return { op: 'not', args: [nested(not)] };
    }
    return predicate();
  };
  const chain = (word: 'AND' | 'OR', next: () => Cql2) => (): Cql2 => {
    const args = [next()];
    while (isWord(word)) {
      take();
      args.push(next());
    }
    return args.length === 1 ? args[0]! : { op: word.toLowerCase(), args };
  };
  const and = chain('AND', not);
  const or = chain('OR', and);

  const expression = or();
  if (i !== tokens.length) throw new FilterError(`Unexpected "${tokens[i]!.value}" after the end of the filter.`);
  return expression;
}

const WKT_TYPES: Record<string, string> = {
  POINT: 'Point',
  LINESTRING: 'LineString',
  POLYGON: 'Polygon',
  MULTIPOINT: 'MultiPoint',
  MULTILINESTRING: 'MultiLineString',
  MULTIPOLYGON: 'MultiPolygon',
};

interface Token {
  kind: 'word' | 'quoted' | 'string' | 'number' | 'op' | 'punct';
  value: string;
}

function tokenize(text: string): Token[] {
  if (text.length > 8192) throw new FilterError('The filter is too long (8192 characters at most).');
  const tokens: Token[] = [];
  const pattern =
    /\s*(?:(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|'((?:[^']|'')*)'|"((?:[^"]|"")+)"|([A-Za-z_][A-Za-z0-9_:.]*)|(<>|<=|>=|=|<|>)|([(),]))/y;
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
