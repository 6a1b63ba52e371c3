/**
 * Deterministic generator of realistic reviewed slices (Python-like functions and classes), for
 * tests and the benchmark corpus. Identifiers follow a Zipf-like distribution over a large
 * vocabulary, so that token caches see the hit rates of real code rather than of a few repeated
 * snippets; docstrings, comments, strings, numbers and some non-ASCII text are mixed in (about
 * 2 % of slices have a character beyond Latin-1, which makes V8 store them as two-byte strings).
 */
import { prng } from '../../src/emulator/ids.ts';
import { SLICED_AT } from './test-time.ts';

export interface GeneratedSlice {
  id: string;
  type: 'function' | 'class';
  repository: string;
  file_path: string;
  name: string;
  start_line: number;
  end_line: number;
  code_snippet: string;
  complexity: 'simple' | 'medium' | 'complex';
  context: Record<string, unknown>;
  metadata: { sliced_at: string; analyzer_version: string };
}

export { prng };

const WORDS = (
  'account address agent alias amount archive array attempt audit author backend balance batch ' +
  'block body bucket buffer build bundle cache call cancel capacity cart channel charset check ' +
  'child chunk claim client clock code column commit config connection consumer content context ' +
  'cookie count counter cursor customer data date debug decode default delay delta depth digest ' +
  'document domain draft driver edge email encode entry envelope error event expiry export factor ' +
  'feature field file filter flag folder format frame gateway group handler hash header history ' +
  'host index input invoice item job journal key label layer lease ledger level limit line link ' +
  'listener loader lock log manifest mapping marker message meta method metric mode model module ' +
  'name node notice number offset order origin owner packet page parser part partition path ' +
  'payload peer period policy pool port prefix price profile project prompt provider proxy queue ' +
  'quota range rate reader record region registry report request resource response result retry ' +
  'route row rule schema scope score secret segment sender session shard signal size slot source ' +
  'span state status step storage stream subject suffix summary table tag target task template ' +
  'tenant text thread ticket timer token topic total trace transaction tree trigger type unit ' +
  'update upload user value vendor version view window worker writer zone'
).split(' ');

const VERBS = (
  'add apply build check clean close collect compute convert copy create decode delete dispatch ' +
  'encode ensure fetch filter find flush format get handle init load lookup make merge normalize ' +
  'open parse prepare process publish read refresh register release remove render reset resolve ' +
  'run save scan send serialize set split start stop store sync update validate wait write'
).split(' ');

/** Latin-1 accents, and characters beyond Latin-1 (rarer in code: about 2 % of slices). */
const LATIN1 = ['café', 'naïve', 'résumé', 'über', 'señal'];
const WIDE = ['数据', 'ファイル', 'Ωmega', '→', '’s'];

export interface GeneratorOptions {
  readonly seed?: number;
  readonly repository?: string;
  /** Fraction of classes (the rest are functions). */
  readonly classRatio?: number;
  readonly vocabulary?: number;
}

export function createSliceGenerator(options: GeneratorOptions = {}) {
  const rnd = prng(options.seed ?? 1);
  const repository = options.repository ?? 'repo_generated';
  const classRatio = options.classRatio ?? 0.2;
  const vocabularySize = options.vocabulary ?? 40_000;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  // Zipf-like rank: small ranks are much more frequent.
  const zipf = (n: number): number => Math.min(n - 1, Math.floor(Math.pow(n, rnd()) - 1));
  const identifier = (rank: number, style: 'snake' | 'camel'): string => {
    const parts = [WORDS[rank % WORDS.length]!];
    let r = Math.floor(rank / WORDS.length);
    while (r > 0) {
      parts.push(WORDS[r % WORDS.length]!);
      r = Math.floor(r / WORDS.length);
    }
    return style === 'snake'
      ? parts.join('_')
      : parts.map((p) => p[0]!.toUpperCase() + p.slice(1)).join('');
  };
  const variable = (): string => identifier(zipf(vocabularySize), 'snake');
  const className = (): string => identifier(zipf(vocabularySize), 'camel');
  const funcName = (): string => `${pick(VERBS)}_${variable()}`;
  const sentence = (): string => {
    const n = 5 + Math.floor(rnd() * 12);
    const words = Array.from({ length: n }, () => {
      const r = rnd();
      return r < 0.0006 ? pick(WIDE) : r < 0.0026 ? pick(LATIN1) : pick(WORDS);
    });
    const s = words.join(' ');
    return `${s[0]!.toUpperCase()}${s.slice(1)}.`;
  };
  const expression = (): string => {
    switch (Math.floor(rnd() * 7)) {
      case 0:
        return `${variable()}.${pick(VERBS)}(${variable()})`;
      case 1:
        return `len(${variable()}) + ${Math.floor(rnd() * 1000)}`;
      case 2:
        return `"${sentence().slice(0, 30)}"`;
      case 3:
        return `{${JSON.stringify(variable())}: ${variable()}}`;
      case 4:
        return `[${variable()} for ${variable()} in ${variable()} if ${variable()}]`;
      case 5:
        return `${variable()} or ${rnd() < 0.5 ? 'None' : '0'}`;
      default:
        return `self.${variable()}`;
    }
  };
  const body = (depth: number, lines: number): string[] => {
    const out: string[] = [];
    const pad = '    '.repeat(depth);
    while (out.length < lines) {
      const r = rnd();
      if (r < 0.12 && depth < 4) {
        out.push(
          `${pad}if ${variable()} ${pick(['is None', '== 0', 'in ' + variable(), '> ' + Math.floor(rnd() * 100)])}:`,
        );
        out.push(...body(depth + 1, 1 + Math.floor(rnd() * 3)));
      } else if (r < 0.2 && depth < 4) {
        out.push(`${pad}for ${variable()} in ${variable()}.${pick(VERBS)}():`);
        out.push(...body(depth + 1, 1 + Math.floor(rnd() * 3)));
      } else if (r < 0.25 && depth < 4) {
        out.push(`${pad}try:`);
        out.push(...body(depth + 1, 1 + Math.floor(rnd() * 2)));
        out.push(`${pad}except ${className()}Error as exc:`);
        out.push(
          `${pad}    raise ${className()}Error(f"${sentence().slice(0, 40)} {exc}") from exc`,
        );
      } else if (r < 0.33) {
        out.push(`${pad}# ${sentence()}`);
      } else if (r < 0.4) {
        out.push('');
      } else if (r < 0.5) {
        out.push(`${pad}return ${expression()}`);
      } else {
        out.push(`${pad}${variable()} = ${expression()}`);
      }
    }
    return out;
  };
  const docstring = (): string => {
    const n = 1 + Math.floor(rnd() * 4);
    return Array.from({ length: n }, sentence).join('\n\n');
  };
  const indentDoc = (doc: string, pad: string): string =>
    `${pad}"""${doc
      .split('\n')
      .join(`\n${pad}`)
      .replace(new RegExp(`\\n${pad}\\n`, 'g'), '\n\n')}\n${pad}"""`;

  let counter = 0;
  let line = 1;
  const next = (): GeneratedSlice => {
    const n = counter++;
    const isClass = rnd() < classRatio;
    const filePath = `${variable()}/${variable()}.py`;
    const start = line;
    const doc = rnd() < 0.8 ? docstring() : null;
    if (isClass) {
      const name = className();
      const bases = rnd() < 0.7 ? [className()] : [];
      const methods = Array.from({ length: 1 + Math.floor(rnd() * 6) }, funcName);
      methods.unshift('__init__');
      const code = [
        `class ${name}${bases.length ? `(${bases.join(', ')})` : ''}:`,
        ...(doc ? [indentDoc(doc, '    '), ''] : []),
        ...methods.flatMap((m) => [
          `    def ${m}(self, ${variable()}, ${variable()}=None):`,
          ...body(2, 2 + Math.floor(rnd() * 8)),
          '',
        ]),
      ].join('\n');
      line += code.split('\n').length + 2;
      return {
        id: `${repository}_${String(n).padStart(5, '0')}_class`,
        type: 'class',
        repository,
        file_path: filePath,
        name,
        start_line: start,
        end_line: line - 2,
        code_snippet: code,
        complexity: 'medium',
        context: { docstring: doc, base_classes: bases, methods, decorators: [] },
        metadata: { sliced_at: SLICED_AT, analyzer_version: '1.0' },
      };
    }
    const name = funcName();
    const params = Array.from({ length: Math.floor(rnd() * 4) }, variable);
    const complexity = pick(['simple', 'simple', 'medium', 'complex'] as const);
    const size = complexity === 'simple' ? 3 : complexity === 'medium' ? 10 : 25;
    const decorators = rnd() < 0.1 ? [pick(['staticmethod', 'property', 'functools.cache'])] : [];
    const code = [
      ...decorators.map((d) => `@${d}`),
      `def ${name}(${params.join(', ')}):`,
      ...(doc ? [indentDoc(doc, '    ')] : []),
      ...body(1, size + Math.floor(rnd() * size)),
    ].join('\n');
    line += code.split('\n').length + 2;
    return {
      id: `${repository}_${String(n).padStart(5, '0')}_func`,
      type: 'function',
      repository,
      file_path: filePath,
      name,
      start_line: start,
      end_line: line - 2,
      code_snippet: code,
      complexity,
      context: { docstring: doc, parameters: params, returns: null, decorators },
      metadata: { sliced_at: SLICED_AT, analyzer_version: '1.0' },
    };
  };
  return { next };
}

/** `count` generated slices as JSONL text. */
export function generateSlicesJsonl(count: number, options: GeneratorOptions = {}): string {
  const gen = createSliceGenerator(options);
  let out = '';
  for (let i = 0; i < count; i++) out += `${JSON.stringify(gen.next())}\n`;
  return out;
}
