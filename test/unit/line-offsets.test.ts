import assert from 'node:assert/strict';
import { open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { readLineBatches } from '../../src/storage/jsonl-lines.ts';
import { tempDir } from '../support/temp-dir.ts';

test('each text line gives the byte offset it starts at, across a BOM, CRLF, empty lines, multi-byte text and any chunk size', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'offsets.jsonl');
  const content = Buffer.concat([
    Buffer.from([0xef, 0xbb, 0xbf]),
    Buffer.from('{"a":"é"}\r\n\n\r\n{"b":"∑∑∑"}\nplain line\n\n{"last":true}'),
  ]);
  await writeFile(path, content);
  const handle = await open(path, 'r');
  t.after(() => handle.close());
  for (const chunkBytes of [3, 4, 5, 7, 64, 1 << 16]) {
    const seen: string[] = [];
    for await (const batch of readLineBatches(path, { chunkBytes })) {
      for (const line of batch) {
        assert.equal(line.kind, 'text');
        if (line.kind !== 'text') continue;
        assert.ok(
          line.offset !== undefined,
          `chunk ${chunkBytes}: line ${line.lineNo} has an offset`,
        );
        const back = Buffer.alloc(Buffer.byteLength(line.text));
        await handle.read(back, 0, back.length, line.offset);
        assert.equal(back.toString('utf8'), line.text, `chunk ${chunkBytes}, line ${line.lineNo}`);
        seen.push(line.text);
      }
    }
    assert.deepEqual(seen, ['{"a":"é"}', '{"b":"∑∑∑"}', 'plain line', '{"last":true}']);
  }
});
