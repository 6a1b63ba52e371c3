/**
 * Writes src/domain/token-list-o200k.ts and token-list-cl100k.ts: each encoding's token list
 * from the tokenizer library, packed, deflated and in base64 (src/domain/token-list.ts), so that
 * the counter loads it in milliseconds instead of importing the library's array of 200,000
 * strings. `npm run build:token-lists` after updating the library; test/unit/token-list.test.ts
 * fails when a committed list is not the installed library's, rank by rank.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeTokenList, packTokenList } from '../src/domain/token-list.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const LISTS = [
  { encoding: 'o200k_base', file: 'token-list-o200k.ts', name: 'o200kTokenList' },
  { encoding: 'cl100k_base', file: 'token-list-cl100k.ts', name: 'cl100kTokenList' },
] as const;

const libraryVersion = (
  JSON.parse(readFileSync(join(root, 'node_modules', 'gpt-tokenizer', 'package.json'), 'utf8')) as {
    version: string;
  }
).version;

for (const { encoding, file, name } of LISTS) {
  const decoder = (
    (await import(`gpt-tokenizer/bpeRanks/${encoding}`)) as { default: readonly unknown[] }
  ).default;
  const text = [
    '/**',
    ` * The ${encoding} token list of gpt-tokenizer ${libraryVersion}, packed by`,
    ' * src/domain/token-list.ts, built by `npm run build:token-lists`',
    ' * (scripts/build-token-lists.ts); do not edit.',
    ' */',
    `export const ${name} =`,
    `  '${encodeTokenList(packTokenList(decoder))}';`,
    '',
  ].join('\n');
  writeFileSync(join(root, 'src', 'domain', file), text);
  console.log(`src/domain/${file}: ${decoder.length} tokens, ${text.length} bytes`);
}
