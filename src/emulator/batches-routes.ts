/**
 * The Batches resource of the OpenAI emulator's HTTP API: create (with the `file_not_ready`
 * fault: a fresh upload not yet visible), list (newest first, `after`/`limit`, lagging when the
 * profile says so), retrieve and cancel, over the batch service.
 */
import type { BatchCreateLimit } from './create-limit.ts';
import { apiErrors } from './api-errors.ts';
import { batchCreateArgs, inputFileIdOf } from './batch-create-args.ts';
import { batchObject, type BatchService } from './batch-service.ts';
import { unixSeconds } from './clock.ts';
import type { EmulatorDialect } from './dialects.ts';
import type { HttpFaultT } from './faults.ts';
import type { FileStore } from './file-store.ts';
import { intParam, listPage, readJson, type Route } from './http-route.ts';

export interface BatchesRoutesDeps {
  readonly files: FileStore;
  readonly batches: BatchService;
  readonly now: () => number;
  /** How long a new batch stays out of the list (a lagging listing); 0: none. */
  readonly lagMs: number;
  readonly dialect: EmulatorDialect;
  /** The limit on batch creations per hour (create-limit.ts); none when absent. */
  readonly createLimit?: BatchCreateLimit | undefined;
}

export function batchesRoutes(deps: BatchesRoutesDeps): Route[] {
  const { batches, lagMs } = deps;
  return [
    {
      method: 'POST',
      pattern: /^\/v1\/batches$/,
      handler: async (req, _p, _q, fault) => {
        const body = (await readJson(req)) as Record<string, unknown>;
        refuseFreshUpload(deps, inputFileIdOf(body), fault);
        const args = batchCreateArgs(body, deps.dialect);
        deps.createLimit?.admit();
        const b = await batches.create(args);
        return { json: batchObject(b) };
      },
    },
    {
      method: 'GET',
      pattern: /^\/v1\/batches$/,
      handler: (_req, _p, q) => {
        const limit = intParam(q, 'limit', 20, 1, 100);
        const upTo = deps.now() - lagMs;
        let all = lagMs > 0 ? batches.list().filter((b) => b.created_at <= upTo) : batches.list();
        const after = q.get('after');
        if (after !== null) {
          const i = all.findIndex((b) => b.id === after);
          all = i === -1 ? [] : all.slice(i + 1);
        }
        const page = all.slice(0, limit).map(batchObject) as { id: string }[];
        return { json: listPage(page, all.length > limit, null) };
      },
    },
    {
      method: 'GET',
      pattern: /^\/v1\/batches\/([^/]+)$/,
      handler: (_req, [id]) => {
        const b = batches.get(id!);
        if (b === undefined) throw apiErrors.notFound('batch', id!);
        return { json: batchObject(b) };
      },
    },
    {
      method: 'POST',
      pattern: /^\/v1\/batches\/([^/]+)\/cancel$/,
      handler: async (_req, [id]) => ({ json: batchObject(await batches.cancel(id!)) }),
    },
  ];
}

/** The `file_not_ready` fault: a batch on a file uploaded less than `within_s` ago is refused. */
function refuseFreshUpload(
  deps: BatchesRoutesDeps,
  fileId: string,
  fault: HttpFaultT | undefined,
): void {
  if (fault?.kind !== 'file_not_ready') return;
  const f = deps.files.get(fileId);
  if (f !== undefined && unixSeconds(deps.now()) - f.created_at < (fault.within_s ?? 60))
    throw apiErrors.fileNotReady(f.id);
}
