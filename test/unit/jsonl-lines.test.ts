import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { readLineBatches, type RawLine } from '../../src/storage/jsonl-lines.ts';
import { tempDir } from '../support/temp-dir.ts';

async function readAll(path: string, options = {}): Promise<RawLine[]> {
  const out: RawLine[] = [];
  for await (const batch of readLineBatches(path, options)) out.push(...batch);
  return out;
}

const texts = (lines: RawLine[]) =>
  lines.map((l) => (l.kind === 'text' ? [l.lineNo, l.text] : [l.lineNo, l.kind]));

test('numbers lines from 1, skips empty lines but counts them, accepts CRLF and a missing final newline', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'a.jsonl');
  await writeFile(path, 'one\r\n\r\ntwo\n\nthree');
  assert.deepEqual(texts(await readAll(path)), [
    [1, 'one'],
    [3, 'two'],
    [5, 'three'],
  ]);
});

test('drops a UTF-8 byte-order mark at the start of the file only', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'bom.jsonl');
  await writeFile(
    path,
    Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}\n\uFEFFx\n')]),
  );
  const lines = await readAll(path);
  assert.deepEqual(texts(lines), [
    [1, '{"a":1}'],
    [2, '\uFEFFx'],
  ]);
});

test('drops the byte-order mark whatever the chunk size (1, 2, 3 bytes): it may span chunks', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'bom-small.jsonl');
  const bom = Buffer.from([0xef, 0xbb, 0xbf]);
  await writeFile(path, Buffer.concat([bom, Buffer.from('{"a":1}\nb\n')]));
  // A file that starts with part of a byte-order mark only: those bytes are its line's.
  const partial = join(dir, 'partial.jsonl');
  await writeFile(partial, Buffer.concat([bom.subarray(0, 2), Buffer.from('x\ny\n')]));
  for (const chunkBytes of [1, 2, 3, 4]) {
    const lines = await readAll(path, { chunkBytes });
    assert.deepEqual(
      texts(lines),
      [
        [1, '{"a":1}'],
        [2, 'b'],
      ],
      `chunkBytes ${chunkBytes}`,
    );
    const first = lines[0]!;
    assert.equal(first.kind === 'text' ? first.offset : undefined, 3, `chunkBytes ${chunkBytes}`);
    assert.equal(first.bytes, 7, `chunkBytes ${chunkBytes}`);
    const other = await readAll(partial, { chunkBytes });
    assert.deepEqual(
      other.map((l) => [l.lineNo, l.kind, l.bytes]),
      [
        [1, 'invalid_utf8', 3],
        [2, 'text', 1],
      ],
      `chunkBytes ${chunkBytes}`,
    );
  }
});

test('reports invalid UTF-8 on its own line and reads the others', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'bad.jsonl');
  await writeFile(
    path,
    Buffer.concat([
      Buffer.from('ok\n'),
      Buffer.from([0x22, 0xff, 0xfe, 0x22, 0x0a]),
      Buffer.from('é\n'),
    ]),
  );
  assert.deepEqual(texts(await readAll(path)), [
    [1, 'ok'],
    [2, 'invalid_utf8'],
    [3, 'é'],
  ]);
});

test('gives the same lines whatever the chunk size, across multi-byte characters and CRLF', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'chunks.jsonl');
  const content = ['{"x":"数据→café"}', '', 'ünïcödé 🎉', 'plain'].join('\r\n') + '\r\n';
  await writeFile(path, content);
  const expected = texts(await readAll(path, { chunkBytes: 1 << 20 }));
  for (const chunkBytes of [1, 2, 3, 5, 7]) {
    assert.deepEqual(texts(await readAll(path, { chunkBytes })), expected, `chunk ${chunkBytes}`);
  }
  assert.deepEqual(expected, [
    [1, '{"x":"数据→café"}'],
    [3, 'ünïcödé 🎉'],
    [4, 'plain'],
  ]);
});

test('reports a line longer than the limit without buffering it, and goes on', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'long.jsonl');
  await writeFile(path, `short\n${'x'.repeat(100)}\nafter\n${'y'.repeat(10)}`);
  const lines = await readAll(path, { maxLineBytes: 10, chunkBytes: 7 });
  assert.deepEqual(
    lines.map((l) => [l.lineNo, l.kind, l.bytes]),
    [
      [1, 'text', 5],
      [2, 'too_long', 100],
      [3, 'text', 5],
      [4, 'text', 10],
    ],
  );
});

test('an empty file has no lines', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'empty.jsonl');
  await writeFile(path, '');
  assert.deepEqual(await readAll(path), []);
});

test('with buffers of its caller: each is handed back once split, its bytes in file order, and the lines are the same when it is taken away then', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'given.jsonl');
  const content = '\ufeff' + ['{"x":"数据→café"}', '', 'ünïcödé 🎉', 'plain', 'last'].join('\r\n');
  await writeFile(path, content);
  for (const chunkBytes of [1, 2, 3, 5, 7, 64]) {
    const expected = texts(await readAll(path, { chunkBytes }));
    const handed: Buffer[] = [];
    let taken = 0;
    let back = 0;
    const lines = await readAll(path, {
      chunkBytes,
      buffers: {
        take: () => (taken++, Buffer.alloc(chunkBytes)),
        done(buffer: Buffer, bytesRead: number) {
          back++;
          if (bytesRead > 0) handed.push(Buffer.from(buffer.subarray(0, bytesRead)));
          // Taken away (as when sent to another thread): nothing may read it after this.
          structuredClone(buffer.buffer, { transfer: [buffer.buffer as ArrayBuffer] });
        },
      },
    });
    assert.deepEqual(texts(lines), expected, `chunk ${chunkBytes}`);
    assert.deepEqual(Buffer.concat(handed), Buffer.from(content), `chunk ${chunkBytes}`);
    assert.equal(back, taken, `chunk ${chunkBytes}: every buffer taken is handed back`);
  }
});
