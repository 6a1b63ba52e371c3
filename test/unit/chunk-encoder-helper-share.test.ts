/**
 * Which read chunks the helper thread encodes whole (convert/chunk-encoder.ts): any, when it
 * has room, unless their slices may be skipped, which the conversion thread finds out without
 * making their requests: caps set, or a folder whose slices were mostly sent by earlier runs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import { createChunkEncoder, type InputFile } from '../../src/convert/chunk-encoder.ts';
import { CONVERTED_EARLIER } from '../../src/convert/converted-slices.ts';
import type { HelperLines } from '../../src/convert/helper-thread-client.ts';
import { createScenarioBuilders } from '../../src/convert/scenario-setup.ts';
import { createSliceTriage } from '../../src/convert/slice-triage.ts';
import { SeenSliceIds } from '../../src/domain/seen-slice-ids.ts';
import type { RawLine } from '../../src/storage/jsonl-lines.ts';
import { functionSlice } from '../support/slices.ts';

function setUp(options: { earlierIds?: readonly string[]; cap?: number }) {
  const seen = new SeenSliceIds();
  for (const id of options.earlierIds ?? []) seen.add(id, { source: CONVERTED_EARLIER, lineNo: 0 });
  const cap = options.cap ?? Infinity;
  const triage = createSliceTriage({ scenario1: cap, scenario2: cap }, () => 'in.jsonl');
  const context = { model: 'gpt-4o-mini', contextTokens: 128_000, maxChars: 1_000_000 };
  let sent = 0;
  const lines: HelperLines = {
    setUp() {},
    hasRoom: () => true,
    takesAny: false,
    encode: () => {
      sent++;
      return new Promise(() => undefined);
    },
    giveBack() {},
    get sent() {
      return sent;
    },
  };
  const encoder = createChunkEncoder(
    {
      builders: createScenarioBuilders(parseConfig({}, 'config.json')),
      encodings: { scenario1: 'o200k_base', scenario2: 'o200k_base' },
      triage,
      contexts: { scenario1: context, scenario2: context },
    },
    {
      countTexts: (_e, texts) => Promise.resolve(new Int32Array(texts.length)),
      fingerprintCodes: () => Promise.reject(new Error('no dedup here')),
      lines,
    },
    undefined,
  );
  const file = {
    listed: { relDir: 'repo_demo' },
    sourceIndex: 0,
    folder: { seen, earlier: seen.size > 0, read: 0, turnedAway: 0 },
    summary: {
      lines: 0,
      converted: { scenario1: 0, scenario2: 0 },
      alreadyConverted: 0,
      overCap: 0,
    },
  } as unknown as InputFile;
  let lineNo = 0;
  /** Encodes a chunk of the slices `ids`: 'helper' when sent to the helper thread. */
  const encode = (ids: readonly string[]): 'helper' | 'here' => {
    const raws: RawLine[] = ids.map((id) => {
      const text = JSON.stringify(functionSlice({ id }));
      return { kind: 'text', lineNo: ++lineNo, text, bytes: text.length + 1 };
    });
    const before = sent;
    void encoder.encode(raws, 0, file);
    return sent > before ? 'helper' : 'here';
  };
  return { encode };
}

const ids = (prefix: string, n: number): string[] =>
  Array.from({ length: n }, (_, i) => `${prefix}${i}`);

test('with room, the helper thread takes any chunk of a folder new to the conversion', () => {
  const { encode } = setUp({});
  assert.deepEqual([encode(ids('a', 10)), encode(ids('b', 10))], ['helper', 'helper']);
});

test('chunks of slices sent by earlier runs stay here, where their requests are not made', () => {
  const old = ids('old', 1200);
  const { encode } = setUp({ earlierIds: old });
  const where = [];
  for (let c = 0; c < 4; c++) where.push(encode(old.slice(c * 300, (c + 1) * 300)));
  assert.deepEqual(where, ['here', 'here', 'here', 'here']);
});

test('in a folder with earlier slices, new ones go to the helper thread once it is seen they are new', () => {
  const { encode } = setUp({ earlierIds: ids('old', 100) });
  // The first 512 slices read are read here, to tell.
  assert.deepEqual(
    [encode(ids('n', 300)), encode(ids('m', 300)), encode(ids('k', 300))],
    ['here', 'here', 'helper'],
  );
});

test('with a cap, every chunk stays here', () => {
  const { encode } = setUp({ cap: 1000 });
  assert.deepEqual([encode(ids('a', 10)), encode(ids('b', 10))], ['here', 'here']);
});
