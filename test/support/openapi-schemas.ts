/**
 * Validators for the official OpenAI schemas of the Files and Batch API objects
 * (test/fixtures/openai-batch-files.openapi.json, components.schemas), built with ajv.
 *
 * The published schema marks many optional fields as plain types although the API sends `null`
 * for them. Before compiling, every schema is rewritten (recursively, nested objects included):
 *
 * - a property the enclosing object does NOT list as `required` also accepts `null`; a required
 *   one accepts `null` only if the published schema itself says so;
 * - `nullable: true` (OpenAPI 3.0 style) means `null` is accepted;
 * - extension keywords (`x-*`, `nullable`) are removed; the OpenAPI formats `unixtime`, `int64`
 *   and `binary` are registered as accept-all (the type is still checked).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';

export const FIXTURE_PATH = new URL('../fixtures/openai-batch-files.openapi.json', import.meta.url);

export const SCHEMA_NAMES = [
  'Batch',
  'OpenAIFile',
  'ListBatchesResponse',
  'ListFilesResponse',
  'DeleteFileResponse',
  'ErrorResponse',
  'BatchRequestInput',
  'BatchRequestOutput',
] as const;
export type SchemaName = (typeof SCHEMA_NAMES)[number];

type JsonObject = Record<string, unknown>;

const isObject = (v: unknown): v is JsonObject =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** Keywords whose value is one subschema. */
const SUBSCHEMA_KEYWORDS = [
  'items',
  'additionalProperties',
  'not',
  'contains',
  'propertyNames',
  'unevaluatedItems',
  'unevaluatedProperties',
  'if',
  'then',
  'else',
] as const;
/** Keywords whose value is an array of subschemas. */
const SUBSCHEMA_LIST_KEYWORDS = ['anyOf', 'oneOf', 'allOf', 'prefixItems'] as const;
/** Keywords whose value is a map of name → subschema. */
const SUBSCHEMA_MAP_KEYWORDS = ['patternProperties', '$defs', 'dependentSchemas'] as const;

const orNull = (schema: unknown): JsonObject => ({ anyOf: [schema, { type: 'null' }] });

/**
 * The schema as validated: non-required properties also accept null, `nullable: true` accepts
 * null, extension keywords removed. Pure (the input is not modified).
 */
export function relaxSchema(schema: unknown): unknown {
  if (!isObject(schema)) return schema;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key.startsWith('x-') || key === 'nullable') continue;
    if (key === 'properties' && isObject(value)) {
      const required = new Set(
        Array.isArray(schema.required) ? (schema.required as unknown[]) : [],
      );
      out.properties = Object.fromEntries(
        Object.entries(value).map(([name, sub]) => {
          const relaxed = relaxSchema(sub);
          return [name, required.has(name) ? relaxed : orNull(relaxed)];
        }),
      );
    } else if ((SUBSCHEMA_KEYWORDS as readonly string[]).includes(key)) {
      out[key] = relaxSchema(value);
    } else if (
      (SUBSCHEMA_LIST_KEYWORDS as readonly string[]).includes(key) &&
      Array.isArray(value)
    ) {
      out[key] = value.map(relaxSchema);
    } else if ((SUBSCHEMA_MAP_KEYWORDS as readonly string[]).includes(key) && isObject(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, relaxSchema(v)]));
    } else {
      out[key] = value;
    }
  }
  return schema.nullable === true ? orNull(out) : out;
}

const DOCUMENT_ID = 'https://slicebatch.test/openai-batch-files.openapi.json';

function loadDocument(): JsonObject {
  const doc = JSON.parse(readFileSync(FIXTURE_PATH, 'utf8')) as {
    components?: { schemas?: JsonObject };
  };
  const schemas = doc.components?.schemas;
  if (!isObject(schemas)) throw new Error(`${FIXTURE_PATH.pathname}: no components.schemas`);
  for (const name of SCHEMA_NAMES) {
    if (!(name in schemas)) throw new Error(`${FIXTURE_PATH.pathname}: no schema ${name}`);
  }
  return {
    $id: DOCUMENT_ID,
    components: {
      schemas: Object.fromEntries(Object.entries(schemas).map(([k, v]) => [k, relaxSchema(v)])),
    },
  };
}

function createValidators(): Record<SchemaName, ValidateFunction> {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  for (const format of ['unixtime', 'int64', 'binary']) ajv.addFormat(format, true);
  ajv.addSchema(loadDocument());
  return Object.fromEntries(
    SCHEMA_NAMES.map((name) => {
      const validate = ajv.getSchema(`${DOCUMENT_ID}#/components/schemas/${name}`);
      if (validate === undefined) throw new Error(`schema ${name} did not compile`);
      return [name, validate];
    }),
  ) as Record<SchemaName, ValidateFunction>;
}

let validators: Record<SchemaName, ValidateFunction> | undefined;

export function validatorFor(name: SchemaName): ValidateFunction {
  validators ??= createValidators();
  return validators[name];
}

function describeErrors(errors: readonly ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .map(
      (e) => `${e.instancePath || '(root)'} ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`,
    )
    .join('; ');
}

/** ajv's errors for `value` against the named schema, or null when it is valid. */
export function schemaErrors(name: SchemaName, value: unknown): string | null {
  const validate = validatorFor(name);
  return validate(value) ? null : describeErrors(validate.errors);
}

/** Fails (AssertionError) with ajv's error text and the value's JSON unless `value` is valid. */
export function assertValid(name: SchemaName, value: unknown, context?: string): void {
  const errors = schemaErrors(name, value);
  if (errors === null) return;
  assert.fail(
    `${context === undefined ? '' : `${context}: `}not a valid ${name}: ${errors}\n` +
      `value: ${JSON.stringify(value, null, 2)}`,
  );
}
