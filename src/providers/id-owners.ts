/**
 * Which provider owns an id (a file or a batch), as the answers told it since the start; an id
 * not seen since (a job from before a restart) is asked of each provider in turn: a 404 from
 * one is not an answer.
 */
import { ApiError } from '../errors.ts';
import type { BatchApi, RemoteBatch } from '../openai/batch-api.ts';
import type { ProviderApi, ProviderName } from './port.ts';

export class IdOwners {
  private readonly owner = new Map<string, ProviderName>();
  private readonly apis: ReadonlyMap<ProviderName, ProviderApi>;

  constructor(apis: ReadonlyMap<ProviderName, ProviderApi>) {
    this.apis = apis;
  }

  get(id: string): ProviderName | undefined {
    return this.owner.get(id);
  }

  note(id: string | null | undefined, p: ProviderName): void {
    if (id) this.owner.set(id, p);
  }

  /** The batch, with its id and its files' ids noted as `p`'s. */
  noteBatch(b: RemoteBatch, p: ProviderName): RemoteBatch {
    this.note(b.id, p);
    this.note(b.input_file_id, p);
    this.note(b.output_file_id, p);
    this.note(b.error_file_id, p);
    return b;
  }

  /** The call on the id's provider; unknown: each in turn until one does not answer 404. */
  async onOwner<T>(id: string, call: (api: BatchApi, p: ProviderName) => Promise<T>): Promise<T> {
    const known = this.owner.get(id);
    if (known !== undefined) return call(this.apis.get(known)!, known);
    let last: unknown;
    for (const [p, api] of this.apis) {
      try {
        const result = await call(api, p);
        this.note(id, p);
        return result;
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 404)) throw err;
        last = err;
      }
    }
    throw last;
  }
}
