/**
 * A record's line in the dataset files, in one of three formats. Pure.
 *
 *   alpaca    {"instruction", "input", "output", "metadata"}: the original compiler's records
 *   chat      {"messages": [system, user, assistant]}: OpenAI's fine-tuning format (system: our
 *             instruction for the scenario; user: the instruction and the input; assistant:
 *             the output)
 *   sharegpt  {"conversations": [{"from": "system"|"human"|"gpt", "value"}]}: the same three
 *             turns in the ShareGPT form most open-source trainers read
 *
 * The processed files (per repo folder and scenario) keep the metadata in both formats. The
 * train and validation files take each record from its processed line: in the alpaca format
 * the whole line; in the chat and sharegpt formats its `head` (`{"messages":[...]` or
 * `{"conversations":[...]`) followed by SPLIT_SUFFIX, so that those files hold nothing but the
 * turns.
 */
import type { Scenario } from '../domain/answer-schemas.ts';
import type { DatasetFormat } from '../domain/dataset-formats.ts';
import { SYSTEM_MESSAGES, type RecordText } from './record-text.ts';

export { DATASET_FORMATS, type DatasetFormat } from '../domain/dataset-formats.ts';

export interface RecordMetadata {
  /** `scenario1_<slice id>` / `scenario2_<slice id>`, without an attempt suffix. */
  readonly custom_id: string;
  readonly scenario: Scenario;
  /** The repo folder ('' for the top of the inbox). */
  readonly repo: string;
  readonly slice_id: string;
  readonly file_path: string;
  readonly name: string;
  readonly complexity: string;
  /** The attempt whose answer this is (1 unless the request was sent again). */
  readonly attempt: number;
  readonly batch_id: string;
  /** Scenario 2: the title of the requirement the request was built with. */
  readonly requirement?: string;
  /** The model's reasoning summary, when the request asked for one (responses endpoint). */
  readonly reasoning_summary?: string;
}

/** A line is written as `head` then `tail`; the split files take `head` + SPLIT_SUFFIX[format]. */
export interface FormattedRecord {
  readonly head: string;
  readonly tail: string;
}

export const SPLIT_SUFFIX: Record<DatasetFormat, string> = {
  alpaca: '',
  chat: '}\n',
  sharegpt: '}\n',
};

export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

/** The three messages of a chat record (the fine-tuning checks read them too). */
export function chatMessages(text: RecordText, scenario: Scenario): ChatMessage[] {
  return [
    { role: 'system', content: SYSTEM_MESSAGES[scenario] },
    { role: 'user', content: `${text.instruction}\n\n${text.input}` },
    { role: 'assistant', content: text.output },
  ];
}

const SHAREGPT_FROM = { system: 'system', user: 'human', assistant: 'gpt' } as const;

export function formatRecord(
  format: DatasetFormat,
  text: RecordText,
  metadata: RecordMetadata,
): FormattedRecord {
  if (format === 'alpaca') {
    return {
      head: `${JSON.stringify({
        instruction: text.instruction,
        input: text.input,
        output: text.output,
        metadata,
      })}\n`,
      tail: '',
    };
  }
  const messages = chatMessages(text, metadata.scenario);
  if (format === 'sharegpt') {
    const conversations = messages.map((m) => ({ from: SHAREGPT_FROM[m.role], value: m.content }));
    return {
      head: `{"conversations":${JSON.stringify(conversations)}`,
      tail: `,"metadata":${JSON.stringify(metadata)}}\n`,
    };
  }
  return {
    head: `{"messages":${JSON.stringify(messages)}`,
    tail: `,"metadata":${JSON.stringify(metadata)}}\n`,
  };
}
