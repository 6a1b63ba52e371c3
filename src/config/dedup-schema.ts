/** The `dedup` section of config.json: duplicates caught before paying (convert/duplicate-gate.ts). */
import { z } from 'zod';

export const Dedup = z
  .strictObject({
    enabled: z
      .boolean()
      .default(false)
      .describe(
        'On: slices with the same code (comments, whitespace and quotes aside) or nearly the same code as a slice sent before (in any repo folder, in any earlier run) are not sent: they are reported as "duplicate".',
      ),
    near_threshold: z
      .number()
      .min(0.5)
      .max(1)
      .default(0.8)
      .describe(
        'A slice is a near duplicate when the estimated Jaccard similarity of its token shingles (names numbered, not spelled) to a slice sent before is at least this (0.5 to 1).',
      ),
  })
  .prefault({});
