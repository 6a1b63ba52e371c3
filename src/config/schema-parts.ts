/** Pieces shared by the config sections' schemas (schema.ts and the *-schema.ts beside it). */
import type { z } from 'zod';

/** An optional key: absent or `null` both mean "not set" (so the example file can list it). */
export const unset = <T extends z.ZodType>(schema: T) =>
  schema.nullish().transform((v): z.output<T> | undefined => v ?? undefined);
