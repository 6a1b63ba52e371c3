/**
 * OpenAI's data-preparation checks for chat fine-tuning, made on every record of the `chat`
 * format before it is written. Pure (the token counter is injected).
 *
 * The format checks are those of OpenAI's cookbook notebook "Data preparation and analysis for
 * chat model fine-tuning" (examples/Chat_finetuning_data_prep.ipynb), one error kind each:
 *
 *   data_type                          the example is not an object
 *   missing_messages_list              it has no `messages` list
 *   message_missing_key                a message lacks `role` or `content`
 *   message_unrecognized_key           a message has a key other than role, content, name,
 *                                      function_call, weight
 *   unrecognized_role                  a role other than system, user, assistant, function
 *   missing_content                    a message's content is not a non-empty string (and it
 *                                      has no function_call)
 *   example_missing_assistant_message  no assistant message
 *
 * Tokens per example are counted as the notebook does (each message's content, plus the chat
 * framing of its messages and the reply primer) and held against the training-example limit of
 * the model to be fine-tuned: OpenAI truncates longer examples, so they are reported, not kept.
 * The notebook's distributions (messages and tokens per example) are kept as min, mean, max.
 */
export const FORMAT_ERRORS = [
  'data_type',
  'missing_messages_list',
  'message_missing_key',
  'message_unrecognized_key',
  'unrecognized_role',
  'missing_content',
  'example_missing_assistant_message',
] as const;
export type FormatError = (typeof FORMAT_ERRORS)[number];

const KNOWN_KEYS = new Set(['role', 'content', 'name', 'function_call', 'weight']);
const KNOWN_ROLES = new Set(['system', 'user', 'assistant', 'function']);

/** The format errors of one example, each kind at most once, in FORMAT_ERRORS order. */
export function formatErrors(example: unknown): FormatError[] {
  if (typeof example !== 'object' || example === null || Array.isArray(example)) {
    return ['data_type'];
  }
  const messages = (example as { messages?: unknown }).messages;
  if (!Array.isArray(messages) || messages.length === 0) return ['missing_messages_list'];
  const found = new Set<FormatError>();
  for (const m of messages as unknown[]) {
    if (typeof m !== 'object' || m === null || Array.isArray(m)) {
      found.add('message_missing_key');
      continue;
    }
    const message = m as Record<string, unknown>;
    if (!('role' in message) || !('content' in message)) found.add('message_missing_key');
    if (Object.keys(message).some((k) => !KNOWN_KEYS.has(k))) {
      found.add('message_unrecognized_key');
    }
    if (typeof message.role !== 'string' || !KNOWN_ROLES.has(message.role)) {
      found.add('unrecognized_role');
    }
    const content = message.content;
    if (
      message.function_call === undefined &&
      (typeof content !== 'string' || content.length === 0)
    ) {
      found.add('missing_content');
    }
  }
  if (!(messages as { role?: unknown }[]).some((m) => m?.role === 'assistant')) {
    found.add('example_missing_assistant_message');
  }
  return FORMAT_ERRORS.filter((e) => found.has(e));
}

export interface ExampleTokenCounter {
  /** Tokens of a message's content. */
  count(text: string): number;
  /** Tokens of the framing of `messages` messages plus the reply primer. */
  chatFramingTokens(messages: number): number;
}

/** Tokens of a chat example as the fine-tuning API counts them. */
export function exampleTokens(
  messages: readonly { content: string }[],
  counter: ExampleTokenCounter,
): number {
  let total = counter.chatFramingTokens(messages.length);
  for (const m of messages) total += counter.count(m.content);
  return total;
}

export interface FineTuningStatistics {
  /** The model the examples are checked for, and its training-example limit in tokens. */
  readonly model: string;
  readonly max_tokens_per_example: number;
  /** Examples checked (kept + left out here). */
  readonly examples_checked: number;
  readonly examples_kept: number;
  /** Examples with each kind of format error (one example can have several). */
  readonly format_errors: Record<FormatError, number>;
  /** Examples left out for holding more tokens than the limit. */
  readonly over_token_limit: number;
  readonly messages_per_example: Distribution | null;
  readonly tokens_per_example: Distribution | null;
  readonly assistant_tokens_per_example: Distribution | null;
  /** Tokens of the examples kept: what one epoch of training is billed for. */
  readonly billing_tokens_per_epoch: number;
}

export interface Distribution {
  readonly min: number;
  readonly mean: number;
  readonly max: number;
}

function distribution() {
  let n = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  return {
    add(x: number): void {
      n++;
      sum += x;
      if (x < min) min = x;
      if (x > max) max = x;
    },
    get sum(): number {
      return sum;
    },
    result(): Distribution | null {
      return n === 0 ? null : { min, mean: Math.round((sum / n) * 100) / 100, max };
    },
  };
}

/** Why an example is left out: a failure category and its reason. */
export interface FineTuningVerdict {
  readonly category: 'fine_tuning_format' | 'over_token_limit';
  readonly reason: string;
}

/** The checks of one compilation: `check` each example, then `result`. */
export function createFineTuningChecks(options: {
  readonly model: string;
  readonly maxTokens: number;
  readonly counter: ExampleTokenCounter;
}) {
  const { model, maxTokens, counter } = options;
  const errors = Object.fromEntries(FORMAT_ERRORS.map((e) => [e, 0])) as Record<
    FormatError,
    number
  >;
  const messagesPer = distribution();
  const tokensPer = distribution();
  const assistantPer = distribution();
  const kept = distribution();
  let checked = 0;
  let badFormat = 0;
  let overLimit = 0;
  return {
    /** Undefined when the example is kept. */
    check(example: { messages: readonly { role: string; content: string }[] }) {
      checked++;
      const found = formatErrors(example);
      for (const e of found) errors[e]++;
      if (found.length > 0) {
        badFormat++;
        return {
          category: 'fine_tuning_format',
          reason: `the chat example fails OpenAI's fine-tuning format checks: ${found.join(', ')}`,
        } satisfies FineTuningVerdict;
      }
      const { messages } = example;
      const tokens = exampleTokens(messages, counter);
      messagesPer.add(messages.length);
      tokensPer.add(tokens);
      let assistant = 0;
      for (const m of messages) if (m.role === 'assistant') assistant += counter.count(m.content);
      assistantPer.add(assistant);
      if (tokens > maxTokens) {
        overLimit++;
        return {
          category: 'over_token_limit',
          reason: `the chat example has ${tokens} tokens, over the ${maxTokens}-token training-example limit of ${model} (it would be truncated)`,
        } satisfies FineTuningVerdict;
      }
      kept.add(tokens);
      return undefined;
    },
    result(): FineTuningStatistics {
      return {
        model,
        max_tokens_per_example: maxTokens,
        examples_checked: checked,
        examples_kept: checked - overLimit - badFormat,
        format_errors: { ...errors },
        over_token_limit: overLimit,
        messages_per_example: messagesPer.result(),
        tokens_per_example: tokensPer.result(),
        assistant_tokens_per_example: assistantPer.result(),
        billing_tokens_per_epoch: kept.sum,
      };
    },
  };
}

export type FineTuningChecks = ReturnType<typeof createFineTuningChecks>;
