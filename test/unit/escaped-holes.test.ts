/**
 * The helper thread escapes the long variable texts (a slice's code) and the conversion thread
 * puts them into the holes it left in the request lines (convert/escaped-texts.ts): every line
 * placed is byte for byte the line encoded whole, whatever the code holds.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import { createChunkEncoder, type InputFile } from '../../src/convert/chunk-encoder.ts';
import { createChunkPlacement } from '../../src/convert/chunk-placement.ts';
import type { RequestPlacer } from '../../src/convert/convert-output.ts';
import { ESCAPE_MIN_CHARS, escapeTexts } from '../../src/convert/escaped-texts.ts';
import { inlineHelpers, threadHelpers } from '../../src/convert/helper-thread-client.ts';
import { encodeSliceRequest } from '../../src/convert/request-builder.ts';
import { setUpScenarios } from '../../src/convert/scenario-setup.ts';
import { spareBuffers } from '../../src/convert/spare-buffers.ts';
import { parseSliceLine } from '../../src/domain/parse-slice.ts';
import { SeenSliceIds } from '../../src/domain/seen-slice-ids.ts';
import { ByteSink } from '../../src/storage/byte-sink.ts';
import type { RawLine } from '../../src/storage/jsonl-lines.ts';
import { classSlice, functionSlice } from '../support/slices.ts';

/** Code that JSON escapes every way: quotes, backslashes, controls, beyond ASCII, lone halves. */
function trickyCode(i: number): string {
  const pieces = [
    `def f${i}(s):\n\treturn s.replace("\\\\", '"')  # \u0000\u001f\u007f`,
    '    x = "naïve café — 漢字 🐍"\r\n',
    `    y = '\ud800' + '\udfff'  # lone halves of a pair\n`,
    `    z = "\u2028\u2029"\n`,
  ];
  return pieces.join('').repeat(1 + (i % 7)) + '    return x\n'.repeat(i % 40);
}

function rawLines(n: number): { raws: RawLine[]; texts: string[] } {
  const raws: RawLine[] = [];
  const texts: string[] = [];
  for (let i = 0; i < n; i++) {
    const lineNo = i + 1;
    const code = i % 5 === 4 ? 'def short(): pass' : trickyCode(i);
    const record =
      i % 3 === 2
        ? classSlice({ id: `c${lineNo}`, name: `C${lineNo}`, code_snippet: `class C:\n${code}` })
        : functionSlice({ id: `f${lineNo}`, name: `f${lineNo}`, code_snippet: code });
    const text = JSON.stringify(record);
    texts.push(text);
    raws.push({ kind: 'text', lineNo, text, bytes: Buffer.byteLength(text) + 1, offset: 0 });
  }
  return { raws, texts };
}

for (const [name, make] of [
  ['in this thread', inlineHelpers],
  ['in the helper thread', threadHelpers],
] as const) {
  test(`request lines with their code escaped ${name} are the lines encoded whole`, async (t) => {
    const helpers = make();
    t.after(() => helpers.close());
    const config = parseConfig({}, 'config.json');
    const setup = setUpScenarios(config, undefined, helpers, () => 'in.jsonl');
    setup.triage.startFolder(new SeenSliceIds());
    const encoder = createChunkEncoder(setup, helpers, undefined);
    const placed: Buffer[] = [];
    const placer: RequestPlacer = {
      useFolder() {},
      place(_scenario, request) {
        // Copied: the placement reuses the memory of a line put together from holes.
        placed.push(Buffer.from(request.line));
        return Promise.resolve({ ok: true, file: 'out.jsonl' } as never);
      },
      finish: () => Promise.resolve([] as never),
      abort: () => Promise.resolve(),
    };
    const placement = createChunkPlacement(setup, placer, undefined, helpers);
    const file = {
      listed: { relDir: 'repo_demo' },
      sourceName: 'in.jsonl',
      sourceIndex: 0,
      summary: {
        lines: 0,
        converted: { scenario1: 0, scenario2: 0 },
        alreadyConverted: 0,
        overCap: 0,
      },
    } as unknown as InputFile;

    const { raws, texts } = rawLines(120);
    let holes = 0;
    // Three chunks placed one after another: the escaped texts' buffers are given back and reused.
    for (let c = 0; c < 3; c++) {
      const chunk = encoder.encode(raws.slice(c * 40, c * 40 + 40), 0, file);
      holes += chunk.holes.length / 2;
      await placement.place(chunk);
      encoder.recycle(chunk.sink);
    }
    assert.ok(holes >= 50, `${holes} texts escaped by the counting thread`);
    assert.equal(placed.length, texts.length);
    for (let i = 0; i < texts.length; i++) {
      const parsed = parseSliceLine(texts[i]!);
      assert.ok(parsed.ok);
      const whole = new ByteSink(1024);
      encodeSliceRequest(setup.builders, whole, parsed.slice, 'repo_demo');
      assert.ok(placed[i]!.equals(whole.bytes), `line ${i + 1}`);
      JSON.parse(placed[i]!.toString('utf8'));
    }
  });
}

test('escaped texts outgrow the first guess of their size and stay whole', () => {
  const spare = spareBuffers((bytes) => new Uint8Array(bytes));
  // Three bytes of UTF-8 for one character: the guess (one byte a character) is far too small.
  const texts = ['漢'.repeat(5000), 'x', '"\\\n'.repeat(3000), '🐍'.repeat(2000)];
  const at = Int32Array.of(0, 2, 3);
  const { bytes, spans } = escapeTexts(texts, at, spare);
  for (let k = 0; k < at.length; k++) {
    const got = Buffer.from(bytes.subarray(spans[2 * k], spans[2 * k + 1])).toString('utf8');
    assert.equal(got, JSON.stringify(texts[at[k]!]).slice(1, -1));
  }
  assert.ok(spare.made >= 2, 'the buffer grew');
  assert.ok(texts[0]!.length > ESCAPE_MIN_CHARS);
});
