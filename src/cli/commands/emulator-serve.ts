/**
 * An emulator run as the `emulator` command's server (OpenAI's or Anthropic's): its banner on
 * stdout, then serving until SIGINT/SIGTERM (the command's stop signal), then closed, with its
 * stats in the log.
 */
import type { Logger } from '../../log/logger.ts';
import type { CommandContext } from '../command.ts';

export async function serveUntilStopped(
  ctx: CommandContext,
  log: Logger,
  emulator: { readonly url: string; stats(): object; close(): Promise<void> },
  started: { readonly banner: string; readonly name: string; readonly fields: object },
): Promise<number> {
  ctx.stdout.write(started.banner);
  log.info({ url: emulator.url, ...started.fields }, `${started.name} started`);
  await new Promise<void>((resolveStop) => {
    if (ctx.signal.aborted) resolveStop();
    ctx.signal.addEventListener('abort', () => resolveStop(), { once: true });
  });
  await emulator.close();
  log.info(emulator.stats(), `${started.name} stopped`);
  return 0;
}
