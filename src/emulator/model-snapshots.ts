/**
 * The dated snapshot the real API reports for a model alias: a batch object's `model` and a
 * completion's `model` say `gpt-4o-mini-2024-07-18` where the request said `gpt-4o-mini`.
 * A name that is not a known alias (a snapshot already, a fine-tune, a local model) is
 * reported as sent. Pure.
 */
export const MODEL_SNAPSHOTS: Readonly<Record<string, string>> = {
  'gpt-4o-mini': 'gpt-4o-mini-2024-07-18',
  'gpt-4o': 'gpt-4o-2024-08-06',
  'gpt-4.1': 'gpt-4.1-2025-04-14',
  'gpt-4.1-mini': 'gpt-4.1-mini-2025-04-14',
  'gpt-4.1-nano': 'gpt-4.1-nano-2025-04-14',
  'gpt-5': 'gpt-5-2025-08-07',
  'gpt-5-mini': 'gpt-5-mini-2025-08-07',
  'gpt-5-nano': 'gpt-5-nano-2025-08-07',
  o3: 'o3-2025-04-16',
  'o4-mini': 'o4-mini-2025-04-16',
};

export function snapshotOf(model: string): string {
  return MODEL_SNAPSHOTS[model] ?? model;
}

export { isReasoningModel } from '../domain/reasoning-models.ts';
