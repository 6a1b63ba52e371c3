/**
 * config.example.json and config.schema.json are generated from the zod schema, so that they
 * list every key with its default and cannot drift from it (a test compares them).
 */
import { configJsonSchema } from './schema.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface SchemaNode {
  type?: string;
  default?: Json;
  properties?: Record<string, SchemaNode>;
}

/** Keys that are not settings: `$schema` is set separately, `openai` is the alternative form. */
const NOT_SETTINGS = new Set(['$schema', 'openai']);

function exampleOf(node: SchemaNode): Json {
  if (node.type === 'object' && node.properties !== undefined) {
    const out: { [key: string]: Json } = {};
    for (const [key, child] of Object.entries(node.properties)) {
      if (!NOT_SETTINGS.has(key)) out[key] = exampleOf(child);
    }
    return out;
  }
  return node.default ?? null;
}

export function exampleConfig(): Json {
  const schema = configJsonSchema() as SchemaNode;
  return { $schema: './config.schema.json', ...(exampleOf(schema) as Record<string, Json>) };
}

export function exampleConfigText(): string {
  return `${JSON.stringify(exampleConfig(), null, 2)}\n`;
}

export function configSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}
