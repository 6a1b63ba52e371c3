/**
 * The layout of one reviewed slice (one JSON object per line), as the original slicer writes it.
 * The original processor required id, type, file_path, name, code_snippet and complexity; the
 * other fields are optional but must have the right type when present. Unknown fields are kept
 * out of the way (ignored), so that slicers that add fields still work.
 */
import { z } from 'zod';
import { reservedSliceIdProblem } from '../domain/custom-id.ts';

const nonEmpty = z.string().trim().min(1, 'must not be empty');

/** A method of a class: a name, or an object with a name (both occur in the original data). */
const MethodRef = z.union([z.string(), z.looseObject({ name: z.string() })]);

const FunctionContext = z.looseObject({
  docstring: z.string().nullish(),
  parameters: z.array(z.string()).nullish(),
  returns: z.string().nullish(),
  decorators: z.array(z.string()).nullish(),
});

const ClassContext = z.looseObject({
  docstring: z.string().nullish(),
  base_classes: z.array(z.string()).nullish(),
  methods: z.array(MethodRef).nullish(),
  decorators: z.array(z.string()).nullish(),
});

export const SLICE_TYPES = ['function', 'class'] as const;
export const COMPLEXITIES = ['simple', 'medium', 'complex'] as const;

const common = {
  id: nonEmpty.max(256, 'must be at most 256 characters').superRefine((id, ctx) => {
    const problem = reservedSliceIdProblem(id);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  }),
  repository: z.string().nullish(),
  file_path: nonEmpty,
  name: nonEmpty,
  start_line: z.number().int().nullish(),
  end_line: z.number().int().nullish(),
  code_snippet: nonEmpty,
  complexity: z.enum(COMPLEXITIES),
  metadata: z.looseObject({}).nullish(),
};

export const FunctionSliceSchema = z.looseObject({
  ...common,
  type: z.literal('function'),
  context: FunctionContext.nullish(),
});

export const ClassSliceSchema = z.looseObject({
  ...common,
  type: z.literal('class'),
  context: ClassContext.nullish(),
});

export type FunctionSlice = z.infer<typeof FunctionSliceSchema>;
export type ClassSlice = z.infer<typeof ClassSliceSchema>;
export type Slice = FunctionSlice | ClassSlice;

/** The fields every slice must have, in the order we report them missing. */
export const REQUIRED_FIELDS = [
  'id',
  'type',
  'file_path',
  'name',
  'code_snippet',
  'complexity',
] as const;
