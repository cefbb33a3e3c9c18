import { CORE_MEMBERS } from './item';

/** The Fields extension's include/exclude sets, as dotted paths (`properties.eo:cloud_cover`). */
export interface FieldSelection {
  include: string[];
  exclude: string[];
}

/** What a selection always starts from, so that the answer stays a valid STAC Item. */
const DEFAULT_INCLUDE = [
  'type',
  'stac_version',
  'id',
  'collection',
  'geometry',
  'bbox',
  'links',
  'assets',
  'properties.datetime',
];

/** `datetime` and `properties.datetime` mean the same; a bare name that is no top-level member is a property. */
const normalise = (path: string): string[] => {
  const parts = path.split('.');
  return parts.length === 1 && !CORE_MEMBERS.has(path) ? ['properties', path] : parts;
};

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function copyPath(source: Json, target: Json, parts: string[]): void {
  const [head, ...rest] = parts;
  if (head === undefined || !Object.hasOwn(source, head)) return;
  if (rest.length === 0) {
    target[head] = source[head];
    return;
  }
  if (!isObject(source[head])) return;
  if (!isObject(target[head])) target[head] = {};
  copyPath(source[head], target[head] as Json, rest);
}

function deletePath(target: Json, parts: string[]): void {
  const [head, ...rest] = parts;
  if (head === undefined || !Object.hasOwn(target, head)) return;
  if (rest.length === 0) delete target[head];
  else if (isObject(target[head])) {
    target[head] = { ...(target[head] as Json) };
    deletePath(target[head] as Json, rest);
  }
}

/**
 * Fields semantics: the default set plus `include`, minus `exclude` (a field both included and
 * excluded is left out). Without a selection the item is returned whole.
 */
export function selectFields(item: Json, selection: FieldSelection | undefined): Json {
  if (!selection) return item;
  const result: Json = {};
  for (const path of [...DEFAULT_INCLUDE, ...selection.include]) copyPath(item, result, normalise(path));
  for (const path of selection.exclude) deletePath(result, normalise(path));
  return result;
}

/** GET syntax: `id,-geometry,+properties.gsd`. */
export function parseFieldsParameter(value: string): FieldSelection {
  const selection: FieldSelection = { include: [], exclude: [] };
  for (const raw of value.split(',')) {
    const field = raw.trim();
    if (!field) continue;
    if (field.startsWith('-')) selection.exclude.push(field.slice(1));
    else selection.include.push(field.replace(/^\+/, ''));
  }
  return selection;
}
