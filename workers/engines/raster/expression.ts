import { RasterError } from './errors';

/**
 * Band math without eval: `b1`…`bN`, numbers, + - * / ^ (or **), comparisons, parentheses and a
 * few functions. Several expressions separated by `;` make several output bands.
 */
export interface Expression {
  /** 0-based bands the expression reads. */
  bands: number[];
  outputs: Array<(values: Float64Array) => number>;
  source: string;
}

type Node = (values: Float64Array) => number;

const FUNCTIONS: Record<string, { arity: [number, number]; fn: (...args: number[]) => number }> = {
  sqrt: { arity: [1, 1], fn: Math.sqrt },
  abs: { arity: [1, 1], fn: Math.abs },
  log: { arity: [1, 1], fn: Math.log },
  log10: { arity: [1, 1], fn: Math.log10 },
  exp: { arity: [1, 1], fn: Math.exp },
  floor: { arity: [1, 1], fn: Math.floor },
  ceil: { arity: [1, 1], fn: Math.ceil },
  round: { arity: [1, 1], fn: Math.round },
  sin: { arity: [1, 1], fn: Math.sin },
  cos: { arity: [1, 1], fn: Math.cos },
  tan: { arity: [1, 1], fn: Math.tan },
  arctan: { arity: [1, 1], fn: Math.atan },
  pow: { arity: [2, 2], fn: Math.pow },
  min: { arity: [2, 8], fn: Math.min },
  max: { arity: [2, 8], fn: Math.max },
  where: { arity: [3, 3], fn: (c, a, b) => (c ? a : b) },
  clip: { arity: [3, 3], fn: (v, lo, hi) => Math.min(hi, Math.max(lo, v)) },
};

const TOKEN =
  /\s*(?:(\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|(b\d+)|([A-Za-z_][A-Za-z0-9_]*)|(\*\*|>=|<=|==|!=|&&|\|\||[-+*/^(),<>]))/y;

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  let position = 0;
  while (position < text.length) {
    if (/^\s*$/.test(text.slice(position))) break;
    TOKEN.lastIndex = position;
    const match = TOKEN.exec(text);
    if (!match)
      throw new RasterError(400, `Invalid expression: unexpected "${text.slice(position).trim().slice(0, 12)}".`);
    tokens.push((match[1] ?? match[2] ?? match[3] ?? match[4])!);
    position = TOKEN.lastIndex;
  }
  return tokens;
}

function parseOne(text: string, bandCount: number, used: Set<number>): Node {
  const tokens = tokenize(text);
  let i = 0;
  const peek = () => tokens[i];
  const take = (expected?: string) => {
    const token = tokens[i++];
    if (token === undefined || (expected !== undefined && token !== expected)) {
      throw new RasterError(
        400,
        `Invalid expression "${text}": expected ${expected ?? 'more'}${token ? ` near "${token}"` : ' at the end'}.`,
      );
    }
    return token;
  };
  const binary = (next: () => Node, ops: Record<string, (a: number, b: number) => number>) => (): Node => {
    let left = next();
    while (peek() !== undefined && Object.hasOwn(ops, peek()!)) {
      const op = ops[take()]!;
      const l = left;
      const r = next();
      left = (v) => op(l(v), r(v));
    }
    return left;
  };
  const primary = (): Node => {
    const token = take();
    if (/^(\d|\.)/.test(token)) {
      const value = Number(token);
      return () => value;
    }
    if (/^b\d+$/.test(token)) {
      const band = Number(token.slice(1)) - 1;
      if (band < 0 || band >= bandCount)
        throw new RasterError(400, `Invalid expression: ${token} does not exist (the file has ${bandCount} band(s)).`);
      used.add(band);
      return (v) => v[band]!;
    }
    if (token === '(') {
      const inner = or();
      take(')');
      return inner;
    }
    if (Object.hasOwn(FUNCTIONS, token)) {
      const { arity, fn } = FUNCTIONS[token]!;
      take('(');
      const args: Node[] = [or()];
      while (peek() === ',') {
        take(',');
        args.push(or());
      }
      take(')');
      if (args.length < arity[0] || args.length > arity[1])
        throw new RasterError(
          400,
          `Invalid expression: ${token}() takes ${arity[0]}${arity[1] > arity[0] ? `–${arity[1]}` : ''} argument(s).`,
        );
      return (v) => fn(...args.map((a) => a(v)));
    }
    throw new RasterError(
      400,
      `Invalid expression "${text}": unknown name "${token}" (bands are b1…b${bandCount}; functions: ${Object.keys(FUNCTIONS).join(', ')}).`,
    );
  };
  const unary = (): Node => {
    if (peek() === '-') {
      take();
      const inner = unary();
      return (v) => -inner(v);
    }
    if (peek() === '+') take();
    return power();
  };
  const power = (): Node => {
    const base = primary();
    if (peek() === '^' || peek() === '**') {
      take();
      const exponent = unary();
      return (v) => base(v) ** exponent(v);
    }
    return base;
  };
  const product = binary(unary, { '*': (a, b) => a * b, '/': (a, b) => a / b });
  const sum = binary(product, { '+': (a, b) => a + b, '-': (a, b) => a - b });
  const comparison = binary(sum, {
    '>': (a, b) => +(a > b),
    '<': (a, b) => +(a < b),
    '>=': (a, b) => +(a >= b),
    '<=': (a, b) => +(a <= b),
    '==': (a, b) => +(a === b),
    '!=': (a, b) => +(a !== b),
  });
  const and = binary(comparison, { '&&': (a, b) => +(a && b) });
  const or = binary(and, { '||': (a, b) => +(a || b) });
  const node = or();
  if (i !== tokens.length) throw new RasterError(400, `Invalid expression "${text}": unexpected "${tokens[i]}".`);
  return node;
}

/** Bands an expression may make: an image shows 1 or 3 (and alpha); `.npy` takes up to this many. */
export const MAX_OUTPUTS = 4;

export function parseExpression(text: string, bandCount: number): Expression {
  if (text.length > 2048) throw new RasterError(400, 'Expression too long (2048 characters at most).');
  const parts = text
    .split(';')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  if (parts.length === 0) throw new RasterError(400, 'Empty expression.');
  // Each output is a plane of the whole window: bounded before anything is read.
  if (parts.length > MAX_OUTPUTS)
    throw new RasterError(400, `An expression makes ${MAX_OUTPUTS} bands at most (got ${parts.length}).`);
  const used = new Set<number>();
  const outputs = parts.map((p) => parseOne(p, bandCount, used));
  return { bands: [...used].sort((a, b) => a - b), outputs, source: text };
}
