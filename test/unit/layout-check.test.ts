/**
 * The layout check (scripts/check-layout.ts, run by `npm run lint`) on a small tree of its own:
 * an import across stages, an import cycle and the SDK outside src/openai/ fail it, naming the
 * files; a known crossing passes; the project's own tree passes.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../support/temp-dir.ts';

const SCRIPT = fileURLToPath(new URL('../../scripts/check-layout.ts', import.meta.url));

const check = (...args: string[]) =>
  spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8' });

async function tree(root: string, files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(root, 'src', path, '..'), { recursive: true });
    await writeFile(join(root, 'src', path), text);
  }
}

test('a stage importing another stage, a cycle and the SDK outside src/openai/ fail the check', async (t) => {
  const root = await tempDir(t);
  await tree(root, {
    'intake/a.ts': "import { b } from '../convert/b.ts';\nexport const a = b;\n",
    'convert/b.ts': 'export const b = 1;\n',
    'domain/c.ts': "import { d } from './d.ts';\nexport const c = 1;\n",
    'domain/d.ts': "import { c } from './c.ts';\nexport const d = c;\n",
    'config/e.ts': "import OpenAI from 'openai';\nexport const e = OpenAI;\n",
    'daemon/f.ts': "import { a } from '../intake/a.ts';\nexport const f = a;\n",
  });
  const known = join(root, 'known.txt');
  await writeFile(known, '');
  const r = check('--src', join(root, 'src'), '--known', known);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(
    r.stderr,
    /src\/intake\/a\.ts → src\/convert\/b\.ts \(stage intake → stage convert\)/,
  );
  assert.match(r.stderr, /import cycle: domain\/(c|d)\.ts → domain\/(d|c)\.ts/);
  assert.match(r.stderr, /src\/config\/e\.ts: imports the openai SDK/);
  assert.doesNotMatch(r.stderr, /daemon\/f\.ts/, 'the daemon composes the stages');

  await writeFile(join(root, 'src', 'domain', 'd.ts'), 'export const d = 2;\n');
  await writeFile(join(root, 'src', 'config', 'e.ts'), 'export const e = 1;\n');
  await writeFile(known, '# known\nsrc/intake/a.ts → src/convert/b.ts\n');
  const ok = check('--src', join(root, 'src'), '--known', known);
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /no cycles/);
});

test("the project's own import graph passes", () => {
  const r = check();
  assert.equal(r.status, 0, r.stdout + r.stderr);
});
