/**
 * An input file's start and end in a conversion: where its requests and rejects report go,
 * and, once its last chunk is placed, its rejects report settled and its summary logged.
 */
import { join } from 'node:path';
import { displayName } from '../domain/data-paths.ts';
import { rejectsReportName } from '../domain/file-names.ts';
import type { Logger } from '../log/logger.ts';
import type { InputFile } from './chunk-encoder.ts';
import type { ConvertOutput } from './convert-output.ts';
import type { InputFileSummary, InputToConvert } from './convert-types.ts';

export function openInputFile(
  listed: InputToConvert,
  dirs: { readonly dataDir: string; readonly outDir: string },
  sourceNames: string[],
  output: ConvertOutput,
): InputFile {
  const sourceName = displayName(dirs.dataDir, listed.path);
  const reportPath = join(dirs.outDir, rejectsReportName(listed.rel.split('/').pop()!));
  return {
    listed,
    sourceName,
    sourceIndex: sourceNames.push(sourceName) - 1,
    outDir: dirs.outDir,
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
