/**
 * Instances of a WebAssembly module whose bytes are committed as base64 (chunk-counter-wasm.ts,
 * code-fingerprint-wasm.ts): compiled once, on the first instance, then instantiated as often as
 * asked (each instance has its own memory).
 */

/** The WebAssembly API of Node (not in the ES library's typings this project compiles with). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { readonly exports: unknown };
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** A function that returns the exports of a new instance of the module in `base64`. */
export function wasmInstances<Exports>(base64: string): () => Exports {
  let compiled: object | undefined;
  return () => {
    compiled ??= new wasmApi.Module(Buffer.from(base64, 'base64'));
    return new wasmApi.Instance(compiled).exports as Exports;
  };
}
