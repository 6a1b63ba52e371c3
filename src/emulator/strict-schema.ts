/**
 * The real API's checks of a strict (`strict: true`) JSON schema response format, with its
 * words: the root is an object; every object has `additionalProperties: false` and lists every
 * property in `required`; keywords Structured Outputs does not support are refused. The first
 * problem found is reported, its place written as the API writes it (a Python tuple of the
 * path: `()`, `('properties', 'steps')`, `('items',)`). Pure.
 *
 * https://github.com/dottxt-ai/outlines/issues/844 (`additionalProperties`),
 * https://github.com/moeru-ai/xsai/issues/202 (a nested object's context),
 * https://github.com/mavam/pi-web-providers/issues/14 (Responses: `param: "text.format.schema"`,
 * `code: "invalid_json_schema"`).
 */

/** Keywords strict mode does not take (composition, object and array constraints). */
const NOT_PERMITTED = [
  'allOf',
  'not',
  'if',
  'then',
  'else',
  'dependentRequired',
  'dependentSchemas',
  'patternProperties',
  'unevaluatedProperties',
  'propertyNames',
  'minProperties',
  'maxProperties',
  'unevaluatedItems',
  'contains',
  'minContains',
  'maxContains',
  'uniqueItems',
] as const;

type Schema = Readonly<Record<string, unknown>>;
type Path = readonly string[];

/** A path as the API writes it: a Python tuple's repr. */
function context(path: Path): string {
  const items = path.map((p) => `'${p}'`);
  return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
}

function isSchema(v: unknown): v is Schema {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The first problem of a node and the nodes below it, or undefined. */
function problemOf(node: Schema, path: Path): string | undefined {
  const where = `In context=${context(path)}`;
  for (const k of NOT_PERMITTED) if (k in node) return `${where}, '${k}' is not permitted.`;
  const properties = node['properties'];
  if (node['type'] === 'object' || isSchema(properties)) {
    if (node['additionalProperties'] !== false) {
      return `${where}, 'additionalProperties' is required to be supplied and to be false.`;
    }
    const keys = isSchema(properties) ? Object.keys(properties) : [];
    const required = Array.isArray(node['required']) ? (node['required'] as unknown[]) : [];
    const missing = keys.find((k) => !required.includes(k));
    if (missing !== undefined) {
      return `${where}, 'required' is required to be supplied and to be an array including every key in properties. Missing '${missing}'.`;
    }
    for (const k of keys) {
      const child = (properties as Schema)[k];
      if (isSchema(child)) {
        const p = problemOf(child, [...path, 'properties', k]);
        if (p !== undefined) return p;
      }
    }
  }
  if (isSchema(node['items'])) {
    const p = problemOf(node['items'], [...path, 'items']);
    if (p !== undefined) return p;
  }
  for (const group of ['anyOf'] as const) {
    const list = node[group];
    if (!Array.isArray(list)) continue;
    for (let i = 0; i < list.length; i++) {
      const item: unknown = list[i];
      if (!isSchema(item)) continue;
      const p = problemOf(item, [...path, group, String(i)]);
      if (p !== undefined) return p;
    }
  }
  for (const defs of ['$defs', 'definitions'] as const) {
    const d = node[defs];
    if (!isSchema(d)) continue;
    for (const [name, def] of Object.entries(d)) {
      if (!isSchema(def)) continue;
      const p = problemOf(def, [...path, defs, name]);
      if (p !== undefined) return p;
    }
  }
  return undefined;
}

/**
 * What the API says of a strict schema named `name` that breaks strict mode's rules, or
 * undefined when it takes it.
 */
export function strictSchemaProblem(schema: unknown, name: string): string | undefined {
  const head = `Invalid schema for response_format '${name}': `;
  if (!isSchema(schema) || schema['type'] !== 'object') {
    const got = isSchema(schema) ? JSON.stringify(schema['type'] ?? null) : 'null';
    return `${head}schema must be a JSON Schema of 'type: "object"', got 'type: ${got}'.`;
  }
  const p = problemOf(schema, []);
  return p === undefined ? undefined : `${head}${p}`;
}
