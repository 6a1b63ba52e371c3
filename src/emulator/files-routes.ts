/**
 * The Files resource of the OpenAI emulator's HTTP API: upload, list, retrieve, content (with
 * byte ranges from an offset on, for a resumed download) and delete, over the file store.
 */
import { apiErrors } from './api-errors.ts';
import type { FileStore } from './file-store.ts';
import { intParam, listPage, type Route, type StreamReply } from './http-route.ts';

export interface FilesRoutesDeps {
  readonly files: FileStore;
  readonly now: () => number;
  /** How long a new file stays out of the list (a lagging listing); 0: none. */
  readonly lagMs: number;
}

export function filesRoutes({ files, now, lagMs }: FilesRoutesDeps): Route[] {
  const existing = (id: string) => {
    const f = files.get(id);
    if (f === undefined) throw apiErrors.notFound('file', id);
    return f;
  };
  return [
    {
      method: 'POST',
      pattern: /^\/v1\/files$/,
      handler: async (req) => ({ json: await files.upload(req, now()) }),
    },
    {
      method: 'GET',
      pattern: /^\/v1\/files$/,
      handler: (_req, _p, q) => {
        const order = q.get('order') ?? 'desc';
        if (order !== 'asc' && order !== 'desc')
          throw apiErrors.badRequest("Invalid 'order': 'asc' or 'desc'.", 'order');
        const page = files.list({
          purpose: q.get('purpose') ?? undefined,
          limit: intParam(q, 'limit', 10_000, 1, 10_000),
          order,
          after: q.get('after') ?? undefined,
          createdUpTo: lagMs > 0 ? now() - lagMs : undefined,
        });
        return { json: listPage(page.data, page.has_more, '') };
      },
    },
    {
      method: 'GET',
      pattern: /^\/v1\/files\/([^/]+)$/,
      handler: (_req, [id]) => ({ json: existing(id!) }),
    },
    {
      method: 'GET',
      pattern: /^\/v1\/files\/([^/]+)\/content$/,
      handler: (req, [id]): StreamReply => {
        const f = existing(id!);
        // Byte ranges from an offset on (a resumed download), as HTTP servers answer them.
        const start = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1] ?? 0);
        const partial = start > 0 && start < f.bytes;
        return {
          stream: files.contentStream(f.id, partial ? start : 0),
          contentType: 'application/octet-stream',
          length: partial ? f.bytes - start : f.bytes,
          ...(partial ? { range: { start, total: f.bytes } } : {}),
        };
      },
    },
    {
      method: 'DELETE',
      pattern: /^\/v1\/files\/([^/]+)$/,
      handler: async (_req, [id]) => {
        if (!(await files.delete(id!))) throw apiErrors.notFound('file', id!);
        return { json: { id, object: 'file', deleted: true } };
      },
    },
  ];
}
