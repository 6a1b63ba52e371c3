/**
 * `slicebatch emulator` flags for the faults of refusals, content filtering, a proxy's HTML
 * pages and the form of `retry-after`: each sets its fault in the profile, and a bad value is a
 * usage error naming the flag.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseFlags } from '../../src/cli/command.ts';
import { emulatorCommand } from '../../src/cli/commands/emulator.ts';
import { faultProfile } from '../../src/cli/commands/emulator-options.ts';

const profileOf = (argv: string[]) => faultProfile(parseFlags(emulatorCommand, argv), '.');

test('--rate-refusal, --rate-content-filter, --rate-gateway-html and --retry-after-form set their faults', async () => {
  const p = await profileOf([
    '--rate-refusal',
    '0.1',
    '--rate-content-filter',
    '0.2',
    '--rate-gateway-html',
    '0.05',
    '--retry-after-form',
    'http_date',
  ]);
  assert.deepEqual(p.requests, [
    { kind: 'refusal', rate: 0.1 },
    { kind: 'content_filter', rate: 0.2 },
  ]);
  assert.deepEqual(p.http, [{ kind: 'gateway_html', status: 502, rate: 0.05 }]);
  assert.equal(p.retry_after_form, 'http_date');
  assert.equal((await profileOf([])).retry_after_form, 'seconds');
});

test('a bad value is a usage error that names the flag', async () => {
  await assert.rejects(
    profileOf(['--rate-refusal', '2']),
    /--rate-refusal must be between 0 and 1/,
  );
  await assert.rejects(profileOf(['--retry-after-form', 'weeks']), /retry_after_form/);
});
