import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';

interface Schema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  items?: Schema;
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
}
interface Operation {
  responses?: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch']);
const isJson = (mediaType: string) => /^application\/(?:[\w.-]+\+)?json$/.test(mediaType);

/**
 * A schema that says nothing beyond "some object": no named members, no reference, no composition
 * and any member allowed (`additionalProperties` absent, true or the empty schema). Followed through
 * references, array items, map values and compositions, so a list or map of anything is free-form too.
 */
function isFreeForm(schema: Schema, doc: Document): boolean {
  if (schema.$ref) {
    const target = doc.components?.schemas?.[schema.$ref.replace('#/components/schemas/', '')];
    return target === undefined || isFreeForm(target, doc);
  }
  const members = [...(schema.allOf ?? []), ...(schema.oneOf ?? []), ...(schema.anyOf ?? [])];
  if (members.length > 0) return members.every((member) => isFreeForm(member, doc));
  const types = [schema.type ?? 'object'].flat();
  if (types.includes('array')) return schema.items !== undefined && isFreeForm(schema.items, doc);
  if (!types.includes('object')) return false;
  if (schema.properties && Object.keys(schema.properties).length > 0) return false;
  const extra = schema.additionalProperties;
  if (extra === undefined || extra === true) return true;
  return typeof extra === 'object' && (Object.keys(extra).length === 0 || isFreeForm(extra, doc));
}

describe('the OpenAPI document', () => {
  it('gives every JSON answer a schema that names its members', async () => {
    const response = await exports.default.fetch(new Request('http://edge.test/openapi.json'));
    const doc = await response.json<Document>();
    const untyped: string[] = [];
    const operations = new Set<string>();
    let walked = 0;
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        if (!METHODS.has(method)) continue;
        walked++;
        for (const [status, answer] of Object.entries(operation.responses ?? {})) {
          if (!status.startsWith('2')) continue;
          for (const [mediaType, { schema }] of Object.entries(answer.content ?? {})) {
            if (!isJson(mediaType)) continue;
            const name = `${method.toUpperCase()} ${path} ${status} ${mediaType}`;
            operations.add(`${method} ${path}`);
            if (!schema || isFreeForm(schema, doc)) untyped.push(name);
          }
        }
      }
    }
    expect(untyped, 'JSON answers documented as a free-form object').toEqual([]);
    // Not vacuous: 82 of the 113 operations answer JSON today (the rest images, tiles, XML, bytes, 204s).
    expect(walked).toBeGreaterThan(100);
    expect(operations.size).toBeGreaterThan(80);
  });
});
