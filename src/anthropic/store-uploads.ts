/**
 * The Anthropic store's uploads folder: an "upload" keeps the input file here (a hard link, or a
 * copy on another file system), with its description as the Files API would give it; its id is
 * named by the file's name and size, so the same upload gets the same id.
 *
 *   <dir>/uploads/<file id>.jsonl, .json   an input file and its description
 */
import { createHash } from 'node:crypto';
import { copyFile, link, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeJsonAtomic } from '../storage/atomic-file.ts';
import type { RemoteFile } from '../openai/remote-types.ts';

export interface StoreUploads {
  uploadPath(fileId: string): string;
  keepUpload(path: string, filename: string, nowMs: number): Promise<RemoteFile>;
  listUploads(): Promise<RemoteFile[]>;
  deleteUpload(fileId: string): Promise<void>;
}

/** The uploads of the store in `dir` (its folder made already). */
export function storeUploads(dir: string): StoreUploads {
  const folder = join(dir, 'uploads');
  const uploadPath = (id: string): string => join(folder, `${id}.jsonl`);
  const describe = (id: string): string => join(folder, `${id}.json`);
  return {
    uploadPath,
    async keepUpload(path, filename, nowMs) {
      const { size } = await stat(path);
      const id = `file_${createHash('sha256').update(`${filename}\n${size}`).digest('hex').slice(0, 24)}`;
      const to = uploadPath(id);
      await rm(to, { force: true });
      // A hard link costs no space; another file system gets a copy.
      await link(path, to).catch(() => copyFile(path, to));
      const file: RemoteFile = {
        id,
        bytes: size,
        created_at: Math.floor(nowMs / 1000),
        filename,
        purpose: 'batch',
      };
      await writeJsonAtomic(describe(id), file);
      return file;
    },
    async listUploads() {
      const out: RemoteFile[] = [];
      for (const name of await readdir(folder)) {
        if (!name.endsWith('.json')) continue;
        try {
          out.push(JSON.parse(await readFile(join(folder, name), 'utf8')) as RemoteFile);
        } catch {
          // A description half written by a crash: its upload is made again.
        }
      }
      return out;
    },
    async deleteUpload(fileId) {
      await rm(describe(fileId), { force: true });
      await rm(uploadPath(fileId), { force: true });
    },
  };
}
