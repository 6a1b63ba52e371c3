/**
 * The `grounding` section of config.json: whether a scenario 1 answer must quote only code of
 * its slice (its code references, and the identifiers it cites as code), and how often an
 * ungrounded answer is sent again.
 */
import { z } from 'zod';

export const Grounding = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe(
        'Check that each scenario 1 answer quotes only code of its slice (every code_reference, every backticked identifier); an answer that does not is sent again, then reported as ungrounded.',
      ),
    max_retries: z
      .number()
      .int()
      .min(0)
      .max(5)
      .default(1)
      .describe(
        'How many times an ungrounded answer is sent again (within retry.max_attempts) before it is final.',
      ),
    identifiers: z
      .boolean()
      .default(true)
      .describe(
        'Also require the identifiers an answer cites as code (`name` in backticks) to be words of the code.',
      ),
  })
  .prefault({});
