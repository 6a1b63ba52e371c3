import assert from 'node:assert/strict';
import { fstatSync, statSync } from 'node:fs';
import { mkdtemp, rm, stat, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { BANDS, SLOTS } from '../../src/domain/code-fingerprint.ts';
import {
  BACKGROUND_FLUSH_BYTES,
  READ_BLOCK,
  openDataFile,
} from '../../src/storage/duplicate-data-file.ts';
import { MAX_CANDIDATES, nearCandidates } from '../../src/storage/duplicate-candidates.ts';
import { idHash, metaOf, sliceOf } from '../../src/storage/duplicate-kept-slice.ts';
import {
  BadLogFileError,
  DATA_MAGIC,
  HEADER,
  INDEX_MAGIC,
  INDEX_RECORD,
  INDEX_WORDS,
  KIND_DROP,
  KIND_SLICE,
  Words,
  checkHeader,
  checksumHolds,
  dataLengthAt,
  dataRecordLength,
  decodeDataRecord,
  header,
  newRecord,
  readRecord,
  writeDataRecord,
  writeMarkRecord,
  writeSliceRecord,
} from '../../src/storage/duplicate-log-format.ts';

const signature = Uint32Array.from({ length: SLOTS }, (_, i) => (i * 2654435761) >>> 0);
const bands = Uint32Array.from({ length: BANDS }, (_, i) => 1000 + i);

/** `meta` encoded into a data record at byte `start` of a buffer filled with 0xff first. */
function encoded(meta: string, signed: boolean, start = 8) {
  const metaBytes = Buffer.byteLength(meta);
  const length = dataRecordLength(signed, metaBytes);
  const padded = Math.ceil(length / 8) * 8;
  const to = new Words(start + padded + 8);
  to.buf.fill(0xff);
  const slice = { exact: [7, 8, 9], idHash: 42, signature: signed ? signature : undefined, meta };
  writeDataRecord(to, start, metaBytes, padded, slice);
  return { to, length, padded };
}

test('a data record decodes to what was written, with or without a signature, and is padded with zeros', () => {
  for (const signed of [true, false]) {
    const meta = JSON.stringify(['répo', 'id-1', 'src/ü.py', 3, 'when']);
    const { to, length, padded } = encoded(meta, signed);
    assert.equal(dataLengthAt(to.w, 2), length);
    const rec = decodeDataRecord(to, 2, length);
    assert.deepEqual([...rec.exact], [7, 8, 9]);
    assert.equal(rec.idHash, 42);
    assert.deepEqual(rec.signature && [...rec.signature], signed ? [...signature] : undefined);
    assert.equal(rec.meta(), meta);
    assert.ok(to.buf.subarray(8 + length, 8 + padded).every((b) => b === 0));
    assert.equal(to.buf[8 + padded], 0xff, 'nothing written past the padded record');
  }
});

test('a word too short to be a data record is told apart', () => {
  const w = new Uint32Array(4);
  w[0] = 8;
  assert.equal(dataLengthAt(w, 0), undefined);
});

test('index records read back as written; a changed word fails the checksum', () => {
  const w = new Uint32Array(INDEX_WORDS * 2);
  writeSliceRecord(w, 0, [1, 2, 3], bands, 4096);
  writeMarkRecord(w, INDEX_WORDS, KIND_DROP, 17);
  const rec = newRecord();
  assert.ok(checksumHolds(w, 0));
  readRecord(w, 0, rec);
  assert.equal(rec.kind, KIND_SLICE);
  assert.equal(rec.signed, true);
  assert.equal(rec.aux, 4096);
  assert.deepEqual([...rec.exact], [1, 2, 3]);
  assert.deepEqual([...rec.bands], [...bands]);
  assert.ok(checksumHolds(w, INDEX_WORDS));
  readRecord(w, INDEX_WORDS, rec);
  assert.deepEqual([rec.kind, rec.signed, rec.aux], [KIND_DROP, false, 17]);
  w[INDEX_WORDS + 2] = 18;
  assert.equal(checksumHolds(w, INDEX_WORDS), false);
  assert.equal(INDEX_RECORD, INDEX_WORDS * 4);
});

test('a slice record without band keys reads as unsigned', () => {
  const w = new Uint32Array(INDEX_WORDS);
  writeSliceRecord(w, 0, [4, 5, 6], undefined, 8);
  const rec = newRecord();
  readRecord(w, 0, rec);
  assert.deepEqual([rec.kind, rec.signed, rec.aux], [KIND_SLICE, false, 8]);
  assert.ok(checksumHolds(w, 0));
});

test('a header is accepted as its own kind only; another kind, a short one or another version is not', () => {
  const ok = header(INDEX_MAGIC);
  assert.doesNotThrow(() => checkHeader(ok, HEADER, INDEX_MAGIC, 'x.index'));
  assert.throws(() => checkHeader(ok, HEADER, DATA_MAGIC, 'x.data'), BadLogFileError);
  assert.throws(() => checkHeader(ok, HEADER - 1, INDEX_MAGIC, 'x.index'), /x\.index/);
  const other = Buffer.from(ok);
  other.writeUInt32LE(other.readUInt32LE(24) + 1, 24);
  assert.throws(() => checkHeader(other, HEADER, INDEX_MAGIC, 'x.index'), BadLogFileError);
});

test('near candidates: those found under enough bands, each once, in order of refs', () => {
  assert.deepEqual(nearCandidates([5, 3, 5, 9, 3, 3, 1], 2), [3, 5]);
  assert.deepEqual(nearCandidates([5, 3, 9], 1), [3, 5, 9]);
  assert.deepEqual(nearCandidates([], 1), []);
});

test('near candidates past the cap: those found most, of equals the first kept', () => {
  const found: number[] = [];
  for (let ref = 0; ref < MAX_CANDIDATES + 10; ref++) found.push(ref, ref);
  found.push(MAX_CANDIDATES + 9, 50, 50); // found 3 and 4 times
  const refs = nearCandidates(found, 2);
  assert.equal(refs.length, MAX_CANDIDATES);
  assert.deepEqual(refs.slice(0, 3), [50, MAX_CANDIDATES + 9, 0]);
  assert.ok(!refs.includes(MAX_CANDIDATES + 8));
});

test("a kept slice's meta decodes to the slice; its id hash tells repo from id", () => {
  const slice = { repo: 'a/b', id: 'x"1', file: 'f.py', line: 12, at: 'then' };
  assert.deepEqual(sliceOf(metaOf(slice)), slice);
  assert.notEqual(idHash('ab', 'c'), idHash('a', 'bc'));
  assert.equal(idHash('ab', 'c'), idHash('ab', 'c'));
});

test('a data record cut off the end of its file is a broken file, not the record read before', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'dup-data-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'duplicates.data');
  const slice = (meta: string) => ({ exact: [1, 2, 3], idHash: 5, signature, meta });
  const writer = openDataFile(path, { readOnly: false, durable: true });
  const first = writer.append(slice('first'));
  const second = writer.append(slice('second'));
  writer.sync();
  writer.close();
  const reader = openDataFile(path, { readOnly: true, durable: false });
  t.after(() => reader.close());
  assert.equal(reader.read(first).meta(), 'first');
  // The file loses its end (a damaged disk, a copy cut short) after it was opened.
  assert.ok((await stat(path)).size > second + 2);
  await truncate(path, second + 2);
  assert.throws(() => reader.read(second), BadLogFileError);
});

test('a durable data file hands its pages to the disk in the background every 2 MB written', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'dup-flush-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const slice = (i: number) => ({ exact: [i, 2, 3], idHash: i, signature, meta: `slice ${i}` });
  const open = (name: string, durable: boolean, sizes: number[]) =>
    openDataFile(join(dir, name), {
      readOnly: false,
      durable,
      // What is in the file when a flush starts: the pieces written so far.
      flushInBackground: (fd) => sizes.push(fstatSync(fd).size),
    });
  const sizes: number[] = [];
  const durable = open('durable.data', true, sizes);
  let end = 0;
  for (let i = 0; end < 5.5 * 1024 * 1024; i++) end = durable.append(slice(i));
  assert.equal(sizes.length, 2, `flushes started at ${sizes.join(', ')} bytes`);
  let before = HEADER;
  for (const size of sizes) {
    // Not before 2 MB more is written, nor much after (a piece is 256 KB).
    assert.ok(size - before >= BACKGROUND_FLUSH_BYTES, `${size} after ${before}`);
    assert.ok(size - before < BACKGROUND_FLUSH_BYTES + 512 * 1024, `${size} after ${before}`);
    before = size;
  }
  // A sync waits for the disk itself, and counts from there.
  durable.sync();
  const synced = statSync(join(dir, 'durable.data')).size;
  for (let i = 0; statSync(join(dir, 'durable.data')).size < synced + 1024 * 1024; i++) {
    durable.append(slice(i));
  }
  assert.equal(sizes.length, 2);
  durable.close();

  // Nothing is synced in a file that need not be durable (a dry run's own).
  const none: number[] = [];
  const scratch = open('scratch.data', false, none);
  for (let i = 0, at = 0; at < 3 * 1024 * 1024; i++) at = scratch.append(slice(i));
  scratch.close();
  assert.deepEqual(none, []);
});

test('the background flush of a data file closed at once does no harm', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'dup-flush-close-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'duplicates.data');
  const writer = openDataFile(path, { readOnly: false, durable: true });
  const offsets: number[] = [];
  for (let i = 0; (offsets.at(-1) ?? 0) < 3 * 1024 * 1024; i++) {
    offsets.push(writer.append({ exact: [i, 0, 0], idHash: i, signature, meta: `m${i}` }));
  }
  writer.sync();
  // Closed while the flush started above may still be waiting for a thread of the pool.
  writer.close();
  await new Promise((resolve) => setTimeout(resolve, 50));
  const reader = openDataFile(path, { readOnly: true, durable: false });
  t.after(() => reader.close());
  for (const i of [0, offsets.length >> 1, offsets.length - 1]) {
    assert.equal(reader.read(offsets[i]!).meta(), `m${i}`);
  }
});

test('data records read in file order are read a block at a time, and every read gives its own record', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'dup-blocks-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'duplicates.data');
  // Metas of every length up to 3 KB, so that records straddle the blocks' ends.
  const metaOf = (i: number) => `slice ${i} `.padEnd(20 + ((i * 97) % 3000), 'x');
  const writer = openDataFile(path, { readOnly: false, durable: false });
  const offsets: number[] = [];
  const append = (i: number) =>
    offsets.push(
      writer.append({
        exact: [i, 0, 0],
        idHash: i,
        signature: i % 3 ? signature : undefined,
        meta: metaOf(i),
      }),
    );
  for (let i = 0; i < 3000; i++) append(i);
  writer.sync();
  const check = (file: typeof writer, order: number[]) => {
    for (const i of order) {
      const rec = file.read(offsets[i]!);
      assert.equal(rec.meta(), metaOf(i), `record ${i}`);
      assert.equal(rec.idHash, i);
      assert.equal(rec.signature === undefined, i % 3 === 0);
    }
  };
  const all = offsets.map((_, i) => i);
  const reader = openDataFile(path, { readOnly: true, durable: false });
  t.after(() => reader.close());
  check(reader, all);
  check(reader, [...all].reverse());
  check(
    reader,
    all.map((i) => (i * 7919) % all.length),
  );
  // Every other record, then in runs of a few back and forth.
  check(
    reader,
    all.filter((i) => i % 2 === 0),
  );
  check(
    reader,
    all.map((i) => i - (i % 5) + (4 - (i % 5))),
  );

  // The writer reads back what it wrote while it appends more (blocks read before stay right).
  for (let i = 0; i < 3000; i++) {
    check(writer, [i, Math.floor(i / 2)]);
    append(3000 + i);
  }
  writer.sync();
  check(
    writer,
    offsets.map((_, i) => i),
  );
  writer.close();

  // Read ahead: after three records in order, the next ones within 64 KB are in memory; past
  // them, the file is read again (and here found cut short).
  const ahead = openDataFile(path, { readOnly: true, durable: false });
  t.after(() => ahead.close());
  check(ahead, [0, 1, 2]);
  const inBlock = offsets.findLastIndex((o) => o + 4096 < offsets[2]! + READ_BLOCK);
  await truncate(path, offsets[3]);
  check(ahead, [3, 4, inBlock]);
  assert.throws(() => ahead.read(offsets[inBlock + 30]!), BadLogFileError);
});
