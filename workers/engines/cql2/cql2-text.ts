import { FilterError, MAX_DEPTH, type Cql2 } from './cql2';

/**
 * CQL2 text → the CQL2 JSON encoding (OGC 21-065): basic CQL2, advanced comparison operators,
 * spatial (WKT and BBOX literals) and temporal functions. The JSON is then compiled like any
 * filter sent as JSON, so the two encodings cannot drift apart.
 */
export function parseCql2Text(text: string): Cql2 {
  return new Parser(tokenize(text)).filter();
}

/** A recursive-descent parser over the tokens of one filter: `or` → `and` → `not` → predicate → operands. */
class Parser {
  private i = 0;
  // Parentheses and NOTs nest by recursion: past the compiler's own limit, the parser stops first.
  private depth = 0;

  constructor(private readonly tokens: Token[]) {}

  /** The whole filter: one expression and nothing after it. */
  filter(): Cql2 {
    const expression = this.or();
    if (this.i !== this.tokens.length)
      throw new FilterError(`Unexpected "${this.tokens[this.i]!.value}" after the end of the filter.`);
    return expression;
  }

  private nested<T>(parse: () => T): T {
    if (++this.depth > MAX_DEPTH) throw new FilterError('The filter nests too deeply.');
    try {
      return parse();
    } finally {
      this.depth -= 1;
    }
  }

  private peek(offset = 0): Token | undefined {
    return this.tokens[this.i + offset];
  }

  private isWord(word: string, offset = 0): boolean {
    return this.peek(offset)?.kind === 'word' && this.peek(offset)!.value.toUpperCase() === word;
  }

  private isPunct(value: string): boolean {
    return this.peek()?.kind === 'punct' && this.peek()!.value === value;
  }

  private take(): Token {
    const token = this.tokens[this.i++];
    if (!token) throw new FilterError('The filter ends too early.');
    return token;
  }

  private expect(value: string): void {
    const token = this.take();
    if (token.value.toUpperCase() !== value) throw new FilterError(`Expected "${value}" but found "${token.value}".`);
  }

  /** The `('…')` after TIMESTAMP or DATE. */
  private stringArgument(): string {
    this.expect('(');
    const value = this.take();
    if (value.kind !== 'string') throw new FilterError(`Expected a quoted string, found "${value.value}".`);
    this.expect(')');
    return value.value;
  }

  private scalar(): Cql2 {
    const token = this.take();
    if (token.kind === 'number') return Number(token.value);
    if (token.kind === 'string') return token.value;
    if (token.kind === 'quoted') return { property: token.value };
    if (token.kind === 'word') {
      const word = token.value.toUpperCase();
      if (word === 'TRUE' || word === 'FALSE') return word === 'TRUE';
      if (word === 'TIMESTAMP' && this.isPunct('(')) return { timestamp: this.stringArgument() };
      if (word === 'DATE' && this.isPunct('(')) return { date: this.stringArgument() };
      return { property: token.value };
    }
    throw new FilterError(`Expected a property or a literal, found "${token.value}".`);
  }

  private temporal(): Cql2 {
    if (!this.isWord('INTERVAL')) return this.scalar();
    this.take();
    this.expect('(');
    const start = this.intervalBound();
    this.expect(',');
    const end = this.intervalBound();
    this.expect(')');
    return { interval: [start, end] };
  }

  /** A bare string bound stays a string, so that the open bound `'..'` reaches the compiler as written. */
  private intervalBound(): Cql2 {
    if (this.peek()?.kind === 'string') return this.take().value;
    return this.scalar();
  }

  /** A parenthesised WKT coordinate list as nested arrays; a run of numbers is one position. */
  private coordinates(): unknown[] {
    return this.nested(() => {
      this.expect('(');
      const items: unknown[] = [];
      for (;;) {
        if (this.isPunct('(')) items.push(this.coordinates());
        else items.push(this.position());
        if (this.isPunct(',')) this.take();
        else break;
      }
      this.expect(')');
      return items;
    });
  }

  private position(): number[] {
    const numbers: number[] = [];
    while (this.peek()?.kind === 'number') numbers.push(Number(this.take().value));
    if (numbers.length === 0)
      throw new FilterError(`Expected coordinates, found "${this.peek()?.value ?? 'the end'}".`);
    return numbers;
  }

  /** A spatial function's argument: a BBOX or WKT literal, else a property or literal. */
  private geometry(): Cql2 {
    const token = this.peek();
    if (token?.kind === 'word') {
      const word = token.value.toUpperCase();
      if (word === 'BBOX' && this.peek(1)?.value === '(') {
        this.take();
        const values = this.coordinates();
        return { bbox: values.map((v) => (Array.isArray(v) && v.length === 1 ? v[0] : NaN)) as number[] };
      }
      const type = WKT_TYPES[word];
      if (type && this.peek(1)?.value === '(') {
        this.take();
        return wktGeometry(type, this.coordinates());
      }
    }
    return this.scalar();
  }

  private predicate(): Cql2 {
    if (this.isPunct('(')) {
      this.take();
      const inner = this.nested(() => this.or());
      this.expect(')');
      return inner;
    }
    const name = this.peek()?.kind === 'word' ? this.peek()!.value.toUpperCase() : '';
    if (/^S_[A-Z]+$/.test(name) && this.peek(1)?.value === '(') return this.call(name, () => this.geometry());
    if (/^T_[A-Z]+$/.test(name) && this.peek(1)?.value === '(') return this.call(name, () => this.temporal());
    return this.comparison(this.scalar());
  }

  /** A two-argument function such as S_INTERSECTS(a, b), its name the current token. */
  private call(name: string, argument: () => Cql2): Cql2 {
    this.take();
    this.expect('(');
    const a = argument();
    this.expect(',');
    const b = argument();
    this.expect(')');
    return { op: name.toLowerCase(), args: [a, b] };
  }

  /** What follows a predicate's left operand: [NOT] LIKE/BETWEEN/IN, IS [NOT] NULL, or a comparison operator. */
  private comparison(left: Cql2): Cql2 {
    const negated = this.isWord('NOT') && (this.isWord('LIKE', 1) || this.isWord('BETWEEN', 1) || this.isWord('IN', 1));
    if (negated) this.take();
    const wrap = (inner: Cql2): Cql2 => (negated ? { op: 'not', args: [inner] } : inner);
    if (this.isWord('LIKE')) {
      this.take();
      return wrap({ op: 'like', args: [left, this.scalar()] });
    }
    if (this.isWord('BETWEEN')) {
      this.take();
      const low = this.scalar();
      this.expect('AND');
      return wrap({ op: 'between', args: [left, low, this.scalar()] });
    }
    if (this.isWord('IN')) {
      this.take();
      return wrap({ op: 'in', args: [left, this.list()] });
    }
    if (this.isWord('IS')) {
      this.take();
      const isNot = this.isWord('NOT');
      if (isNot) this.take();
      this.expect('NULL');
      const test: Cql2 = { op: 'isNull', args: [left] };
      return isNot ? { op: 'not', args: [test] } : test;
    }
    const op = this.take();
    if (op.kind !== 'op') throw new FilterError(`Expected a comparison operator, found "${op.value}".`);
    return { op: op.value, args: [left, this.scalar()] };
  }

  /** The parenthesised list of IN. */
  private list(): Cql2[] {
    this.expect('(');
    const items: Cql2[] = [this.scalar()];
    while (this.isPunct(',')) {
      this.take();
      items.push(this.scalar());
    }
    this.expect(')');
    return items;
  }

  private not(): Cql2 {
    if (this.isWord('NOT')) {
      this.take();
      return { op: 'not', args: [this.nested(() => this.not())] };
    }
    return this.predicate();
  }

  private and(): Cql2 {
    return this.chain('AND', () => this.not());
  }

  private or(): Cql2 {
    return this.chain('OR', () => this.and());
  }

  /** One or more `next` joined by AND or OR; a single term stands alone. */
  private chain(word: 'AND' | 'OR', next: () => Cql2): Cql2 {
    const args = [next()];
    while (this.isWord(word)) {
      this.take();
      args.push(next());
    }
    return args.length === 1 ? args[0]! : { op: word.toLowerCase(), args };
  }
}

/** A WKT literal as GeoJSON; MULTIPOINT(1 2, 3 4) and MULTIPOINT((1 2), (3 4)) are both valid WKT. */
function wktGeometry(type: string, tree: unknown[]): Cql2 {
  const unwrapPoints = (items: unknown[]) => items.map((p) => (Array.isArray(p) && Array.isArray(p[0]) ? p[0] : p));
  const coordinatesOf = type === 'Point' ? tree[0] : type === 'MultiPoint' ? unwrapPoints(tree) : tree;
  return { type, coordinates: coordinatesOf } as Cql2;
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
