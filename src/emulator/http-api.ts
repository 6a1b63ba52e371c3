/**
 * The HTTP face of the emulator (node:http): the routing table of the Files and Batches API
 * under /v1 (the resources' handlers are in files-routes.ts, batches-routes.ts and
 * chat-completions-route.ts), `x-request-id` on every answer, the provider's paths and auth (its
 * dialect), and the HTTP-level faults (http-fault-effects.ts) around each route.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { apiErrors } from './api-errors.ts';
import { batchesRoutes } from './batches-routes.ts';
import type { BatchService } from './batch-service.ts';
import { chatCompletionsRoute } from './chat-completions-route.ts';
import { OPENAI_EMULATOR_DIALECT, type EmulatorDialect } from './dialects.ts';
import type { BatchCreateLimit } from './create-limit.ts';
import type { Faults } from './faults.ts';
import type { FileStore } from './file-store.ts';
import { filesRoutes } from './files-routes.ts';
import { dropConnection, faultBeforeRoute } from './http-fault-effects.ts';
import { sendError, sendJson, sendStream } from './http-reply.ts';
import type { Route } from './http-route.ts';
import type { ChatBody, ChatCompletion } from './responder.ts';
import { withRetryAfterForm } from './retry-after-form.ts';
import { wrongShape } from './wrong-shape.ts';

export interface HttpApiDeps {
  readonly files: FileStore;
  readonly batches: BatchService;
  readonly faults: Faults;
  readonly now: () => number;
  readonly newRequestId: () => string;
  /** Brings batches up to date before a request is answered. */
  readonly tick: () => void;
  /** A synchronous chat completion (POST /v1/chat/completions). */
  readonly complete: (body: ChatBody) => Promise<ChatCompletion>;
  readonly stats: { requests: number; faults: number };
  /** The keys accepted; any non-empty key when absent. */
  readonly apiKeys?: readonly string[] | undefined;
  /** How long a new batch or file stays out of the list endpoints (a lagging listing). */
  readonly listLagMs?: number | undefined;
  /** The provider's API spoken (paths, auth, windows, expiries): OpenAI's when absent. */
  readonly dialect?: EmulatorDialect | undefined;
  /** The limit on batch creations per hour (create-limit.ts); none when absent. */
  readonly createLimit?: BatchCreateLimit | undefined;
}

export function createHttpApi(deps: HttpApiDeps) {
  const lagMs = deps.listLagMs ?? 0;
  const dialect = deps.dialect ?? OPENAI_EMULATOR_DIALECT;
  const { files, batches, now } = deps;
  const routes: Route[] = [
    ...filesRoutes({ files, now, lagMs }),
    ...batchesRoutes({ files, batches, now, lagMs, dialect, createLimit: deps.createLimit }),
    chatCompletionsRoute(deps.complete),
  ];

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    deps.stats.requests++;
    res.setHeader('x-request-id', deps.newRequestId());
    // The server's clock, as the real API's `date` header is (an HTTP-date retry-after is on it).
    res.setHeader('date', new Date(now()).toUTCString());
    const url = new URL(req.url ?? '/', 'http://emulator');
    const method = req.method ?? 'GET';
    try {
      // The provider's paths and auth; the routes and faults below know OpenAI's paths.
      const path = dialect.route(req, url, deps.apiKeys);
      const fault = deps.faults.forHttp(method, path);
      if (fault !== undefined) deps.stats.faults++;
      if (await faultBeforeRoute(req, fault, res, now())) return;

      const route = routes.find((r) => r.method === method && r.pattern.test(path));
      if (route === undefined) throw apiErrors.unknownRoute(method, path);
      deps.tick();
      const params = route.pattern.exec(path)!.slice(1);
      const reply = await route.handler(req, params, url.searchParams, fault);
      if (fault?.kind === 'lose_answer') {
        // The work is done (the batch exists, the file is stored), the answer never arrives.
        dropConnection(req);
      } else if ('stream' in reply) {
        await sendStream(req, res, reply, fault);
      } else {
        const json = fault?.kind === 'wrong_shape' ? wrongShape(reply.json, 'object') : reply.json;
        sendJson(res, reply.status ?? 200, json);
      }
    } catch (err) {
      sendError(req, res, withRetryAfterForm(err, deps.faults.profile.retry_after_form, now()));
    }
  };
}
