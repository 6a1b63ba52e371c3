/**
 * A deterministic JSON value that satisfies a JSON schema (the subset strict structured outputs
 * use: object, array, string, number, integer, boolean, null, enum, const, anyOf), from a seed.
 */
import { prng } from './ids.ts';

type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  minItems?: number;
  maxItems?: number;
};

const WORDS = (
  'the function reads input checks each value and returns the result when the list is empty it ' +
  'raises an error so callers must handle that case first because state changes only after ' +
  'validation this keeps data consistent across calls design component cache layer service event ' +
  'handler request response retry limit boundary interface module adapter store queue'
).split(' ');

export function valueFromSchema(schema: unknown, seed: number): unknown {
  const rnd = prng(seed);
  const sentence = (words: number): string => {
    const out: string[] = [];
    for (let i = 0; i < words; i++) out.push(WORDS[Math.floor(rnd() * WORDS.length)]!);
    const s = out.join(' ');
    return `${s[0]!.toUpperCase()}${s.slice(1)}.`;
  };
  const gen = (s: Schema, name: string, index: number): unknown => {
    if (s.const !== undefined) return s.const;
    if (s.enum !== undefined && s.enum.length > 0) return s.enum[Math.floor(rnd() * s.enum.length)];
    if (s.anyOf !== undefined && s.anyOf.length > 0) {
      const nonNull = s.anyOf.find((x) => x.type !== 'null') ?? s.anyOf[0]!;
      return gen(nonNull, name, index);
    }
    const type = Array.isArray(s.type) ? (s.type.find((t) => t !== 'null') ?? 'null') : s.type;
    switch (type) {
      case 'object': {
        const out: Record<string, unknown> = {};
        for (const [key, child] of Object.entries(s.properties ?? {}))
          out[key] = gen(child, key, index);
        return out;
      }
      case 'array': {
        const min = s.minItems ?? 2;
        const max = Math.max(min, s.maxItems ?? 4);
        const n = min + Math.floor(rnd() * (max - min + 1));
        return Array.from({ length: n }, (_, i) => gen(s.items ?? {}, name, i));
      }
      case 'integer':
        // Step numbers count up, as a model would write them.
        return /step|number|index/i.test(name) ? index + 1 : Math.floor(rnd() * 10);
      case 'number':
        return Math.round(rnd() * 1000) / 100;
      case 'boolean':
        return rnd() < 0.5;
      case 'null':
        return null;
      case 'string':
      default:
        return sentence(4 + Math.floor(rnd() * 10));
    }
  };
  return gen(schema ?? {}, '', 0);
}
