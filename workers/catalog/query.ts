import type { Cql2 } from '../engines/cql2/cql2';
import { CatalogError } from '../engines/cql2/errors';
import { escapeLike } from '../platform/db/sql';

/**
 * The Query extension (`{"eo:cloud_cover": {"lt": 10}}`) as the CQL2 it stands for, so it is
 * compiled by the same code as `filter`.
 */
export function queryToCql2(query: unknown): Cql2 | undefined {
  if (typeof query !== 'object' || query === null || Array.isArray(query))
    throw new CatalogError('query', 'must be an object of {property: {operator: value}}');
  const predicates: Cql2[] = [];
  for (const [name, operators] of Object.entries(query)) {
    if (typeof operators !== 'object' || operators === null || Array.isArray(operators)) {
      throw new CatalogError(`query.${name}`, 'must be an object of {operator: value}');
    }
    const property = { property: name };
    for (const [operator, value] of Object.entries(operators)) {
      const field = `query.${name}.${operator}`;
      const scalar = (v: unknown): Cql2 => {
        if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
        throw new CatalogError(field, 'takes a string, number or boolean');
      };
      const text = (v: unknown): string => {
        if (typeof v !== 'string') throw new CatalogError(field, 'takes a string');
        return escapeLike(v);
      };
      const comparisons: Record<string, string> = { eq: '=', neq: '<>', lt: '<', lte: '<=', gt: '>', gte: '>=' };
      if (operator in comparisons) predicates.push({ op: comparisons[operator]!, args: [property, scalar(value)] });
      else if (operator === 'startsWith') predicates.push({ op: 'like', args: [property, `${text(value)}%`] });
      else if (operator === 'endsWith') predicates.push({ op: 'like', args: [property, `%${text(value)}`] });
      else if (operator === 'contains') predicates.push({ op: 'like', args: [property, `%${text(value)}%`] });
      else if (operator === 'in') {
        if (!Array.isArray(value) || value.length === 0) throw new CatalogError(field, 'takes a non-empty array');
        predicates.push({ op: 'in', args: [property, value.map(scalar)] });
      } else
        throw new CatalogError(
          field,
          'is not an operator (eq, neq, lt, lte, gt, gte, startsWith, endsWith, contains, in)',
        );
    }
  }
  if (predicates.length === 0) return undefined;
  return predicates.length === 1 ? predicates[0] : { op: 'and', args: predicates };
}
