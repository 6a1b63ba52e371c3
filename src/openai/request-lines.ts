/**
 * Request lines as another provider wants them, rewritten while they stream up: the `model`
 * (Azure: the deployment's name; a compatible server: its own model name) and the `url` (Azure's
 * dated API versions name `/chat/completions`, without `/v1`). The local batch input file keeps
 * our names (budgets, prices and results go by them); only the upload differs. Line by line,
 * so memory does not grow with the file. A line that is not a JSON object goes up unchanged
 * (the API reports it, as it would have).
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

export interface LineRewrite {
  /** The name a request line's model goes up under. */
  readonly model?: ((model: string) => string) | undefined;
  /** The path a request line's url goes up as. */
  readonly url?: ((url: string) => string) | undefined;
}

export function isIdentity(rewrite: LineRewrite): boolean {
  return rewrite.model === undefined && rewrite.url === undefined;
}

function rewriteLine(text: string, rewrite: LineRewrite): string {
  let line: unknown;
  try {
    line = JSON.parse(text);
  } catch {
    return text;
  }
  if (line === null || typeof line !== 'object' || Array.isArray(line)) return text;
  const l = line as { url?: unknown; body?: unknown };
  if (rewrite.url !== undefined && typeof l.url === 'string') l.url = rewrite.url(l.url);
  const body = l.body as { model?: unknown } | null | undefined;
  if (rewrite.model !== undefined && typeof body?.model === 'string') {
    body.model = rewrite.model(body.model);
  }
  return JSON.stringify(line);
}

/** The file's lines, rewritten, as the chunks of an upload. */
export async function* rewrittenLines(path: string, rewrite: LineRewrite): AsyncGenerator<Buffer> {
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  for await (const text of lines) {
    if (text.trim() === '') continue;
    yield Buffer.from(`${rewriteLine(text, rewrite)}\n`, 'utf8');
  }
}

/** The size in bytes of the rewritten file (what the server will say the upload's size is). */
export async function rewrittenSize(path: string, rewrite: LineRewrite): Promise<number> {
  let bytes = 0;
  for await (const chunk of rewrittenLines(path, rewrite)) bytes += chunk.length;
  return bytes;
}
