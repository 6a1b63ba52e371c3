/**
 * `slicebatch emulator --provider anthropic`: the Message Batches API emulator as a server,
 * until SIGINT/SIGTERM, with the same timing and fault flags as the OpenAI one (a lost create
 * answer is on `POST /v1/messages/batches`).
 */
import { resolve } from 'node:path';
import type { Schedule } from '../../emulator/batch-lifecycle.ts';
import { startAnthropicEmulator } from '../../emulator/anthropic/anthropic-emulator.ts';
import type { FaultProfile } from '../../emulator/faults.ts';
import type { Logger } from '../../log/logger.ts';
import { integerFlag, stringFlag, type CommandContext, type ParsedFlags } from '../command.ts';
import { serveUntilStopped } from './emulator-serve.ts';

export async function runAnthropicEmulator(
  ctx: CommandContext,
  args: ParsedFlags,
  options: {
    schedule: Schedule;
    faults: FaultProfile;
    stateDir: string | undefined;
    log: Logger;
  },
): Promise<number> {
  const { schedule, stateDir, log } = options;
  const faults: FaultProfile = {
    ...options.faults,
    http: options.faults.http.map((f) =>
      f.route === 'POST /v1/batches' ? { ...f, route: 'POST /v1/messages/batches' } : f,
    ),
  };
  const emulator = await startAnthropicEmulator({
    host: stringFlag(args, 'host') ?? '127.0.0.1',
    port: integerFlag(args, 'emulator', 'port') ?? 8787,
    stateDir: stateDir === undefined ? undefined : resolve(ctx.cwd, stateDir),
    schedule,
    faults,
    seed: faults.seed,
    maxRequestsPerBatch: integerFlag(args, 'emulator', 'max-requests', 1) ?? 100_000,
  });
  return serveUntilStopped(ctx, log, emulator, {
    banner:
      `slicebatch emulator (Anthropic Message Batches) listening on ${emulator.url}\n` +
      'Nothing leaves this machine.\n' +
      `Use it with: ANTHROPIC_BASE_URL=${emulator.url} ANTHROPIC_API_KEY=any-non-empty-key (and "provider": "anthropic")\n`,
    name: 'anthropic emulator',
    fields: { schedule, stateDir },
  });
}
