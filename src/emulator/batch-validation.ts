/**
 * The validation of a batch's input file: its outcome written into the record (total, model,
 * prompt tokens, and the errors that fail it, an injected validation failure included).
 */
import { apiErrors } from './api-errors.ts';
import type { BatchRecord } from './batch-record.ts';
import type { BatchErrorData } from './validate-batch-input.ts';
import type { FileObject, FileStore } from './file-store.ts';
import type { Tokenizers } from './tokenizers.ts';
import { validateBatchInput } from './validate-batch-input.ts';

export interface BatchValidationOptions {
  readonly maxRequests: number;
  readonly tokenizers: Tokenizers;
  /** The provider's request-line rules (dialects.ts): its url form and the models it serves. */
  readonly lineUrl?: ((url: unknown) => unknown) | undefined;
  readonly checkModel?: ((model: string) => string | undefined) | undefined;
}

export async function validateRecord(
  b: BatchRecord,
  inputPath: string,
  options: BatchValidationOptions,
): Promise<void> {
  const result = await validateBatchInput(inputPath, {
    endpoint: b.endpoint,
    maxRequests: options.maxRequests,
    tokenizers: options.tokenizers,
    lineUrl: options.lineUrl,
    checkModel: options.checkModel,
  });
  b.total = result.errors.length === 0 ? result.total : 0;
  b.model = result.model;
  b.prompt_tokens = result.promptTokens;
  if (result.errors.length > 0) {
    b.errors = [...result.errors];
  } else if (b.fault.validation) {
    b.errors = [injectedValidationError(b.fault.validation_line ?? null)];
  }
  b.validation = b.errors === null ? 'ok' : 'failed';
}

/**
 * An injected validation failure: naming `line` as the real API names a bad request line (the
 * other lines were not at fault), or naming none, as when the API refuses the whole file.
 */
function injectedValidationError(line: number | null): BatchErrorData {
  return line === null
    ? {
        code: 'invalid_request',
        message: '(emulated fault) The batch input file failed validation.',
        param: null,
        line: null,
      }
    : {
        code: 'invalid_request',
        message: `(emulated fault) Line ${line} of the batch input file is not a valid request.`,
        param: null,
        line,
      };
}

/** The input file a batch create names: it must exist and have purpose `batch`. */
export function batchInputFile(files: FileStore, id: string): FileObject {
  const file = files.get(id);
  if (file === undefined) throw apiErrors.notFound('file', id);
  if (file.purpose !== 'batch') {
    throw apiErrors.badRequest(
      `The file ${file.id} has purpose '${file.purpose}', not 'batch'.`,
      'input_file_id',
    );
  }
  return file;
}
