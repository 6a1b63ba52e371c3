/**
 * Builds wasm/chunk-counter.ts (AssemblyScript) into src/domain/chunk-counter-wasm.ts, and
 * wasm/code-fingerprint.ts into src/domain/code-fingerprint-wasm.ts, each module's bytes as
 * base64, so that the sources, the build, the package and the image carry them with nothing but
 * Node. `npm run build:wasm` after changing a source; the unit tests
 * test/unit/chunk-counter-wasm.test.ts and test/unit/code-fingerprint-wasm.test.ts fail when the
 * committed bytes are not this build.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const WASM_SOURCE = join(root, 'wasm', 'chunk-counter.ts');
export const WASM_MODULE_FILE = join(root, 'src', 'domain', 'chunk-counter-wasm.ts');
export const FINGERPRINT_SOURCE = join(root, 'wasm', 'code-fingerprint.ts');
export const FINGERPRINT_MODULE_FILE = join(root, 'src', 'domain', 'code-fingerprint-wasm.ts');

/** What is used of the compiler's API (its own typings declare globals of AssemblyScript's). */
interface Asc {
  main(
    argv: string[],
    options: {
      stdout: { write(s: string): void };
      stderr: { write(s: string): void };
      writeFile(name: string, contents: Uint8Array | string, baseDir: string): void;
    },
  ): Promise<{ error: Error | null }>;
}
const ASC = 'assemblyscript/asc';

/**
 * The module's bytes, as `asc wasm/chunk-counter.ts -O3 --runtime stub --noAssert` builds them
 * (the compiler's command line, run in this process; the output kept in memory).
 */
export const buildChunkCounterWasm = (): Promise<Uint8Array> => buildWasm(WASM_SOURCE);

/** The fingerprint module's bytes (wasm/code-fingerprint.ts, built the same way). */
export const buildFingerprintWasm = (): Promise<Uint8Array> => buildWasm(FINGERPRINT_SOURCE);

async function buildWasm(source: string): Promise<Uint8Array> {
  const asc = (await import(ASC)) as Asc;
  let binary: Uint8Array | undefined;
  let messages = '';
  const sink = { write: (s: string) => void (messages += s) };
  const result = await asc.main(
    [
      relative(root, source),
      '-O3',
      '--runtime',
      'stub',
      '--noAssert',
      '--outFile',
      'module.wasm',
      '--baseDir',
      root,
    ],
    {
      stdout: sink,
      stderr: sink,
      writeFile: (name, contents) => {
        if (name.endsWith('module.wasm') && typeof contents !== 'string') binary = contents;
      },
    },
  );
  if (result.error !== null || binary === undefined) {
    throw new Error(`asc failed: ${String(result.error)}\n${messages}`);
  }
  return binary;
}

/** The text of src/domain/chunk-counter-wasm.ts (or another module's file) for these bytes. */
export function moduleFileText(
  binary: Uint8Array,
  source = 'wasm/chunk-counter.ts',
  name = 'chunkCounterWasm',
): string {
  return [
    '/**',
    ` * The WebAssembly module of ${source}, built by \`npm run build:wasm\``,
    ' * (scripts/build-wasm.ts); do not edit. Base64 so that it travels as source.',
    ' */',
    `export const ${name} =`,
    `  '${Buffer.from(binary).toString('base64')}';`,
    '',
  ].join('\n');
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const binary = await buildChunkCounterWasm();
  writeFileSync(WASM_MODULE_FILE, moduleFileText(binary));
  console.log(`${WASM_MODULE_FILE}: ${binary.length} bytes of WebAssembly`);
  const fingerprint = await buildFingerprintWasm();
  writeFileSync(
    FINGERPRINT_MODULE_FILE,
    moduleFileText(fingerprint, 'wasm/code-fingerprint.ts', 'codeFingerprintWasm'),
  );
  console.log(`${FINGERPRINT_MODULE_FILE}: ${fingerprint.length} bytes of WebAssembly`);
}
