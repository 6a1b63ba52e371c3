/**
 * Conversion sends the helper thread only the variable texts whose counts it does not know yet
 * (convert/known-text-counts.ts): every request's tokens stay the sum over all its texts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import { createChunkEncoder, type InputFile } from '../../src/convert/chunk-encoder.ts';
import { MAX_KNOWN_CHARS } from '../../src/convert/known-text-counts.ts';
import { createScenarioBuilders } from '../../src/convert/scenario-setup.ts';
import { createSliceTriage } from '../../src/convert/slice-triage.ts';
import { SeenSliceIds } from '../../src/domain/seen-slice-ids.ts';
import { parseSliceLine } from '../../src/domain/parse-slice.ts';
import { encodeSliceRequest } from '../../src/convert/request-builder.ts';
import { ByteSink } from '../../src/storage/byte-sink.ts';
import type { EncodingName } from '../../src/domain/token-counter.ts';
import type { RawLine } from '../../src/storage/jsonl-lines.ts';
import { classSlice, functionSlice } from '../support/slices.ts';

/** A stand-in count that differs between texts: its length plus its number of newlines. */
const countOf = (text: string): number => text.length + text.split('\n').length;

function setUp() {
  const builders = createScenarioBuilders(parseConfig({}, 'config.json'));
  const triage = createSliceTriage({ scenario1: Infinity, scenario2: Infinity }, () => 'in.jsonl');
  triage.startFolder(new SeenSliceIds());
  const posted: string[][] = [];
  const encoder = createChunkEncoder(
    {
      builders,
      encodings: { scenario1: 'o200k_base', scenario2: 'o200k_base' },
      triage,
    },
    {
      countTexts: (_encoding: EncodingName, texts: readonly string[]) => {
        posted.push([...texts]);
        return Promise.resolve(Int32Array.from(texts, countOf));
      },
      fingerprintCodes: () => Promise.reject(new Error('no dedup here')),
    },
    undefined,
  );
  const file = {
    listed: { relDir: 'repo_demo' },
    sourceIndex: 0,
    summary: {
      lines: 0,
      converted: { scenario1: 0, scenario2: 0 },
      alreadyConverted: 0,
      overCap: 0,
    },
  } as unknown as InputFile;
  return { builders, encoder, file, posted };
}

let lineNo = 0;
const textOfLine = new Map<number, string>();
function lines(n: number): RawLine[] {
  const out: RawLine[] = [];
  for (let i = 0; i < n; i++) {
    lineNo++;
    const complexity = ['simple', 'medium', 'complex'][i % 3];
    const record =
      i % 4 === 3
        ? classSlice({ id: `c${lineNo}`, name: `C${lineNo}`, complexity })
        : functionSlice({ id: `f${lineNo}`, name: `f${lineNo}`, complexity });
    const text = JSON.stringify(record);
    textOfLine.set(lineNo, text);
    out.push({ kind: 'text', lineNo, text, bytes: text.length + 1, offset: 0 });
  }
  return out;
}

test('texts counted once are not sent again, and each request keeps the tokens of all its texts', async () => {
  const { builders, encoder, file, posted } = setUp();
  const chunks = [];
  for (let c = 0; c < 3; c++) {
    const chunk = encoder.encode(lines(40), 0, file);
    chunks.push(chunk);
    // The answer comes back (and is learned from) before the next chunk is encoded.
    for (const p of chunk.counts.values()) await p;
  }
  // 40 slices of 5 variable texts each: all sent at first, as nothing is known yet.
  assert.equal(posted[0]!.length, 40 * 5);
  assert.equal(posted[0]!.filter((t) => t === 'Repository: repo_demo\n').length, 40);
  // Then only texts not answered before (path and name, code, outline; a requirement not met
  // yet) and the long ones (never kept).
  const answered = new Set(posted[0]);
  for (const texts of posted.slice(1)) {
    assert.ok(texts.length < 40 * 3, `${texts.length} texts sent`);
    for (const text of texts) {
      assert.ok(text.length > MAX_KNOWN_CHARS || !answered.has(text), `sent again: ${text}`);
    }
    for (const text of texts) answered.add(text);
  }

  for (const chunk of chunks) {
    const counts = await chunk.counts.get('o200k_base')!;
    for (const item of chunk.items) {
      assert.equal(item.kind, 'request');
      if (item.kind !== 'request') continue;
      const parsed = parseSliceLine(textOfLine.get(item.lineNo)!);
      assert.ok(parsed.ok);
      const slice = parsed.slice;
      const all = encodeSliceRequest(builders, new ByteSink(), slice, 'repo_demo');
      let tokens = item.knownTokens;
      for (let i = 0; i < item.texts; i++) tokens += counts[item.offset + i]!;
      assert.equal(
        tokens,
        all.variableTexts.map(countOf).reduce((a, b) => a + b, 0),
        item.sliceId,
      );
    }
  }
});
