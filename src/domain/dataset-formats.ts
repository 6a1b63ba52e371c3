/** The record formats of the compiled dataset (compile/record-format.ts writes them). */
export const DATASET_FORMATS = ['alpaca', 'chat', 'sharegpt'] as const;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];
