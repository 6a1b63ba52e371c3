/**
 * The emulator's Files: contents on disk (never in memory), metadata kept in memory and, with a
 * state folder, persisted beside them. Uploads are parsed as a stream and written to disk as
 * they arrive (file-upload.ts); listing is a pure function of the files (`listFiles`).
 */
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { writeJsonAtomic } from '../storage/atomic-file.ts';
import { unixSeconds } from './clock.ts';
import { checkUpload, receiveUpload } from './file-upload.ts';

export { FILE_PURPOSES } from './file-upload.ts';

export interface FileObject {
  readonly id: string;
  readonly object: 'file';
  readonly bytes: number;
  readonly created_at: number;
  readonly expires_at: number | null;
  readonly filename: string;
  readonly purpose: string;
  readonly status: 'processed';
  readonly status_details: null;
}

export interface FileStoreOptions {
  readonly root: string;
  readonly newId: () => string;
  /** Largest upload accepted for purpose "batch". */
  readonly maxBatchFileBytes: number;
  readonly persist: boolean;
  /** The emulator's clock: files past their `expires_at` are gone (404), as on the real API. */
  readonly now?: () => number;
  /** The `expires_after` seconds accepted on upload; null: the parameter is refused. */
  readonly fileExpiry?: { readonly minS: number; readonly maxS: number } | null | undefined;
}

/** Batch input and output files expire 30 days after creation unless told otherwise. */
export const DEFAULT_BATCH_FILE_EXPIRY_S = 30 * 86_400;

export interface ListFilesQuery {
  readonly purpose?: string | undefined;
  readonly limit: number;
  readonly order: 'asc' | 'desc';
  readonly after?: string | undefined;
  /** Only files created at or before this time (ms, the server's clock): a lagging list. */
  readonly createdUpTo?: number | undefined;
}

/** A file's metadata as the API gives it; batch files expire after 30 days unless told. */
function fileObject(
  id: string,
  filename: string,
  purpose: string,
  bytes: number,
  created: number,
  expiresAfterS: number | undefined,
): FileObject {
  const expiry =
    expiresAfterS ??
    (purpose === 'batch' || purpose === 'batch_output' ? DEFAULT_BATCH_FILE_EXPIRY_S : undefined);
  return {
    id,
    object: 'file',
    bytes,
    created_at: created,
    expires_at: expiry === undefined ? null : created + expiry,
    filename,
    purpose,
    status: 'processed',
    status_details: null,
  };
}

/** A page of files (oldest or newest first, after a cursor), those of a purpose, not too new. */
export function listFiles(
  files: readonly FileObject[],
  query: ListFilesQuery,
  createdMsOf: (f: FileObject) => number,
): { data: FileObject[]; has_more: boolean } {
  const upTo = query.createdUpTo;
  let all = files.filter(
    (f) =>
      (query.purpose === undefined || f.purpose === query.purpose) &&
      (upTo === undefined || createdMsOf(f) <= upTo),
  );
  all.sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : 1));
  if (query.order === 'desc') all.reverse();
  if (query.after !== undefined) {
    const i = all.findIndex((f) => f.id === query.after);
    all = i === -1 ? [] : all.slice(i + 1);
  }
  return { data: all.slice(0, query.limit), has_more: all.length > query.limit };
}

/** Past its `expires_at` on the server's clock: gone (404), as on the real API. */
function expired(f: FileObject, nowMs: number): boolean {
  return f.expires_at !== null && unixSeconds(nowMs) >= f.expires_at;
}

/**
 * The files' metadata, in memory and, with a state folder, saved after each change (one save
 * after another) and read back at the start (none before the first save).
 */
async function openFileMeta(metaPath: string, persist: boolean) {
  const files = new Map<string, FileObject>();
  if (persist) {
    try {
      for (const f of JSON.parse(await readFile(metaPath, 'utf8')) as FileObject[])
        files.set(f.id, f);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  let saving: Promise<void> = Promise.resolve();
  return {
    files,
    save: (): Promise<void> => {
      if (!persist) return Promise.resolve();
      saving = saving.then(() => writeJsonAtomic(metaPath, [...files.values()]));
      return saving;
    },
    /** Waits for the saves under way. */
    flush: (): Promise<void> => saving,
  };
}

export async function openFileStore(options: FileStoreOptions) {
  const dataDir = join(options.root, 'files');
  await mkdir(dataDir, { recursive: true });
  const meta = await openFileMeta(join(options.root, 'files.json'), options.persist);
  const { files, save } = meta;
  let tmpCounter = 0;
  /** The most bytes of one upload held in memory at once (streams' buffers), for tests. */
  let uploadPeakBuffered = 0;
  const pathOf = (id: string): string => join(dataDir, id);
  /** Creation times to the millisecond (files made before a restart: their created_at). */
  const createdMs = new Map<string, number>();
  const live = (f: FileObject | undefined): FileObject | undefined =>
    f === undefined || options.now === undefined || !expired(f, options.now()) ? f : undefined;

  const add = async (
    tmp: string,
    filename: string,
    purpose: string,
    bytes: number,
    nowMs: number,
    expiresAfterS?: number,
  ): Promise<FileObject> => {
    const id = options.newId();
    await rename(tmp, pathOf(id));
    const file = fileObject(id, filename, purpose, bytes, unixSeconds(nowMs), expiresAfterS);
    files.set(id, file);
    createdMs.set(id, nowMs);
    await save();
    return file;
  };

  return {
    get uploadPeakBuffered() {
      return uploadPeakBuffered;
    },

    async register(
      tmp: string,
      filename: string,
      purpose: string,
      nowMs: number,
      expiresAfterS?: number,
    ): Promise<FileObject> {
      const { size } = await stat(tmp);
      return add(tmp, filename, purpose, size, nowMs, expiresAfterS);
    },

    /** POST /v1/files: multipart with `file`, `purpose`, optional `expires_after[...]`. */
    async upload(req: IncomingMessage, nowMs: number): Promise<FileObject> {
      const tmp = join(dataDir, `.upload-${process.pid}-${tmpCounter++}`);
      const received = await receiveUpload(req, tmp, (held) => {
        if (held > uploadPeakBuffered) uploadPeakBuffered = held;
      });
      let checked: ReturnType<typeof checkUpload>;
      try {
        checked = checkUpload(received, options);
      } catch (err) {
        await rm(tmp, { force: true });
        throw err;
      }
      const { filename, purpose, expiresAfterS } = checked;
      return add(tmp, filename, purpose, received.bytes, nowMs, expiresAfterS);
    },

    /** A file that exists and has not expired. */
    get(id: string): FileObject | undefined {
      return live(files.get(id));
    },

    pathOf,

    /** The content from byte `start` on (a Range request), streamed from disk. */
    contentStream(id: string, start = 0) {
      return createReadStream(pathOf(id), { highWaterMark: 256 * 1024, start });
    },

    list(query: ListFilesQuery): { data: FileObject[]; has_more: boolean } {
      const current = [...files.values()].filter((f) => live(f) !== undefined);
      return listFiles(current, query, (f) => createdMs.get(f.id) ?? f.created_at * 1000);
    },

    async delete(id: string): Promise<boolean> {
      const f = files.get(id);
      if (f === undefined) return false;
      files.delete(id);
      await rm(pathOf(id), { force: true });
      await save();
      return live(f) !== undefined; // an expired file was gone already: 404
    },

    flush: () => meta.flush(),
  };
}

export type FileStore = Awaited<ReturnType<typeof openFileStore>>;
