import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError } from '../../src/errors.ts';
import {
  isLoopback,
  readTokenFile,
  requireTokenOffLoopback,
  tokenMatches,
} from '../../src/review/access-token.ts';
import { escapeHtml, html, renderValue, sliceUrl } from '../../src/review/html.ts';
import { isExcluded, type ReviewDecision } from '../../src/domain/review-journal.ts';
import { sameOrigin } from '../../src/review/review-server.ts';
import { tempDir } from '../support/temp-dir.ts';

test('loopback addresses need no token; any other address does, and the error names the key', () => {
  for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) {
    assert.ok(isLoopback(host), host);
    requireTokenOffLoopback(host, undefined);
  }
  for (const host of ['0.0.0.0', '::', '192.168.1.10', 'example.org']) {
    assert.ok(!isLoopback(host), host);
    assert.throws(
      () => requireTokenOffLoopback(host, undefined),
      (err: Error) => err instanceof ConfigError && /"http\.token_file"/.test(err.message),
    );
    requireTokenOffLoopback(host, 'a-token-of-enough-length');
  }
});

test('the token file: its first line, at least 16 characters; a bad file is named', async (t) => {
  const dir = await tempDir(t);
  const good = join(dir, 'good');
  await writeFile(good, 'abcdefghijklmnopqrstuvwxyz012345\nignored\n');
  assert.equal(await readTokenFile(good), 'abcdefghijklmnopqrstuvwxyz012345');
  const short = join(dir, 'short');
  await writeFile(short, 'tooshort\n');
  await assert.rejects(readTokenFile(short), (err: Error) => {
    assert.ok(err instanceof ConfigError);
    assert.match(err.message, /"http\.token_file": .*short must hold a token of at least 16/);
    assert.ok(!err.message.includes('tooshort'), 'the token is not in the message');
    return true;
  });
  await assert.rejects(
    readTokenFile(join(dir, 'missing')),
    /"http\.token_file": cannot read .*missing: ENOENT/,
  );
  assert.ok(tokenMatches('same-token-value', 'same-token-value'));
  assert.ok(!tokenMatches('same-token-valuf', 'same-token-value'));
  assert.ok(!tokenMatches('short', 'same-token-value'));
});

test('everything from the data folder is escaped; markup built here is not escaped twice', () => {
  assert.equal(
    escapeHtml(`<script>"x" & 'y'</script>`),
    '&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;',
  );
  const inner = html`<b>${'<i>'}</b>`;
  assert.equal(html`<p>${inner}${['<a>', 1]}</p>`.text, '<p><b>&lt;i&gt;</b>&lt;a&gt;1</p>');
  const rendered = renderValue({ '<k>': ['<v>', { n: 1 }] }).text;
  assert.ok(!rendered.includes('<v>') && !rendered.includes('<k>'));
  assert.ok(rendered.includes('&lt;v&gt;'));
  assert.equal(sliceUrl('', 'a/b c'), '/slices/_/a%2Fb%20c');
  assert.equal(sliceUrl('org/repo', 'x'), '/slices/org%2Frepo/x');
});

test('same origin: the Origin header, else Sec-Fetch-Site', () => {
  const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;
  assert.ok(sameOrigin(req({ host: '127.0.0.1:9465', origin: 'http://127.0.0.1:9465' })));
  assert.ok(!sameOrigin(req({ host: '127.0.0.1:9465', origin: 'http://evil.example' })));
  assert.ok(!sameOrigin(req({ host: '127.0.0.1:9465', origin: 'null' })));
  assert.ok(sameOrigin(req({ host: '127.0.0.1:9465', 'sec-fetch-site': 'same-origin' })));
  assert.ok(!sameOrigin(req({ host: '127.0.0.1:9465', 'sec-fetch-site': 'cross-site' })));
  assert.ok(!sameOrigin(req({ host: '127.0.0.1:9465' })));
});

test('an exclusion covers the attempt it was taken on and earlier ones, not a resend', () => {
  const d: ReviewDecision = {
    t: 'exclude',
    repo: 'r',
    custom_id: 'scenario1_x',
    attempt: 2,
    reason: 'no',
    at: '',
  };
  const excluded = new Map([['r\u0000scenario1_x', d]]);
  assert.equal(isExcluded(excluded, 'r', 'scenario1_x', 1), d);
  assert.equal(isExcluded(excluded, 'r', 'scenario1_x', 2), d);
  assert.equal(isExcluded(excluded, 'r', 'scenario1_x', 3), undefined);
  assert.equal(isExcluded(excluded, '', 'scenario1_x', 1), undefined);
});

test('review routes: paths told apart, repo `_` is the top folder, ids decoded, methods', async () => {
  const { reviewRoute, isReviewPath, methodRefused } =
    await import('../../src/review/review-route.ts');
  assert.deepEqual(reviewRoute('/'), { kind: 'overview', part: false });
  assert.deepEqual(reviewRoute('/overview.part'), { kind: 'overview', part: true });
  assert.deepEqual(reviewRoute('/assets/review.js'), { kind: 'asset', name: 'review.js' });
  assert.deepEqual(reviewRoute('/slices'), { kind: 'search' });
  assert.deepEqual(reviewRoute('/slices/_/s%2F1'), {
    kind: 'slice',
    repo: '',
    sliceId: 's/1',
    action: undefined,
  });
  assert.deepEqual(reviewRoute('/slices/org%2Frepo/s1/resend'), {
    kind: 'slice',
    repo: 'org/repo',
    sliceId: 's1',
    action: 'resend',
  });
  assert.deepEqual(reviewRoute('/slices/r/s1/delete'), { kind: 'not_found' });
  assert.deepEqual(reviewRoute('/assets/other.png'), { kind: 'not_found' });
  assert.equal(isReviewPath('/metrics'), false);
  assert.equal(isReviewPath('/slices/r/s'), true);
  assert.equal(methodRefused('/slices', 'POST'), true);
  assert.equal(methodRefused('/slices', 'HEAD'), false);
  assert.equal(methodRefused('/slices/r/s/exclude', 'POST'), false);
});

test('review decisions: the form token, a reason, an attempt from 1', async () => {
  const { decisionForm, decisionNotice } = await import('../../src/review/review-decision.ts');
  const form = (fields: Record<string, string>) => new URLSearchParams(fields);
  assert.deepEqual(decisionForm(form({ csrf: 't', reason: ' wrong ', attempt: '2' }), 't'), {
    ok: true,
    reason: 'wrong',
    attempt: 2,
  });
  assert.equal(decisionForm(form({ csrf: 'x', reason: 'r', attempt: '1' }), 't').ok, false);
  const stale = decisionForm(form({ reason: 'r', attempt: '1' }), 't');
  assert.equal(!stale.ok && stale.status, 403);
  const blank = decisionForm(form({ csrf: 't', reason: '  ', attempt: '1' }), 't');
  assert.equal(!blank.ok && blank.status, 400);
  const long = decisionForm(form({ csrf: 't', reason: 'x'.repeat(2001), attempt: '1' }), 't');
  assert.equal(!long.ok && long.status, 400);
  for (const attempt of ['0', '1.5', 'two', '']) {
    const bad = decisionForm(form({ csrf: 't', reason: 'r', attempt }), 't');
    assert.equal(!bad.ok && bad.message, '"attempt" must be a whole number from 1\n', attempt);
  }
  assert.match(decisionNotice('resend'), /new attempt/);
  assert.match(decisionNotice('exclude'), /leaves this answer out/);
  assert.match(decisionNotice('include'), /includes it again/);
});

test('search SQL: a whole value by its index, a part in the trigram index, filters', async () => {
  const { searchSql } = await import('../../src/review/slice-queries.ts');
  assert.deepEqual(searchSql({ q: ' parse ', repo: '_' }, 'name'), {
    from: 'slices',
    clause: 'WHERE slices.name = ? AND slices.repo = ?',
    order: 'slices.id',
    args: ['parse', ''],
  });
  const part = searchSql({ q: 'a"b', category: 'final' }, undefined);
  assert.equal(part.order, 'slices_fts.rowid');
  assert.deepEqual(part.args, ['"a""b"', 'final']);
  assert.deepEqual(searchSql({ q: 'ab' }, undefined).args, ['ab', 'ab', 'ab']);
  assert.deepEqual(searchSql({ scenario: '' }, undefined), {
    from: 'slices',
    clause: '',
    order: 'slices.id',
    args: [],
  });
});
