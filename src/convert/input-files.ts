/**
 * An input file's start and end in a conversion: where its requests and rejects report go,
 * and, once its last chunk is placed, its rejects report settled and its summary logged.
 */
import { join } from 'node:path';
import { displayName } from '../domain/data-paths.ts';
import { rejectsReportName } from '../domain/file-names.ts';
import type { Logger } from '../log/logger.ts';
import type { FolderIds, InputFile } from './chunk-encoder.ts';
import type { ConvertOutput } from './convert-output.ts';
import type { InputFileSummary, InputToConvert } from './convert-types.ts';

export function openInputFile(
  listed: InputToConvert,
  at: { readonly dataDir: string; readonly outDir: string; readonly folder: FolderIds },
  sourceNames: string[],
  output: ConvertOutput,
): InputFile {
  const sourceName = displayName(at.dataDir, listed.path);
  const reportPath = join(at.outDir, rejectsReportName(listed.rel.split('/').pop()!));
  return {
    listed,
    sourceName,
    sourceIndex: sourceNames.push(sourceName) - 1,
    outDir: at.outDir,
    folder: at.folder,
    report: output.openReport(reportPath, listed.from !== undefined),
    reportPath,
    summary: {
      lines: 0,
      converted: { scenario1: 0, scenario2: 0 },
      alreadyConverted: 0,
      overCap: 0,
    },
  };
}

export async function finishInputFile(
  file: InputFile,
  output: ConvertOutput,
  log: Logger,
): Promise<InputFileSummary> {
  const written = await file.report.close();
  const appended = file.listed.from !== undefined;
  const published = await output.settleReport(file.reportPath, appended, written);
  const s = file.summary;
  const rejected = file.report.count;
  const read = await file.read!;
  const summary = { file: file.sourceName, ...s, rejected, rejectsReport: published, read };
  const { scenario1, scenario2 } = s.converted;
  log.info(
    {
      file: file.sourceName,
      lines: s.lines,
      scenario1,
      scenario2,
      rejected,
      alreadyConverted: s.alreadyConverted,
      overCap: s.overCap,
    },
    `read ${file.sourceName}: ${scenario1 + scenario2} slices converted, ${rejected} rejected`,
  );
  return summary;
}
