// A whole-shop pass reads the shop's books twice: once for the calibration's summaries, then again for
// the per-customer pass, which needs the calibration first. A small shop's books are kept in memory in
// between (shop-snapshot.ts); a larger shop's went back to the database for the second read — on
// FerretDB a scan that decodes every book's JSON again. Instead, the first read now writes each batch
// to a local file as it goes (v8 serialization, length-prefixed), and the second read comes from that
// file: the same snapshot the small shop keeps in memory, without the memory and without the second
// scan. One directory per pass under the OS temp dir (TMPDIR), removed when the pass has read it or
// ends; a worker that died mid-pass leaves its directory, removed at the next start (sweepStaleSpills).
import { mkdtemp, open, readdir, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';

import type { Logger } from '../src/logger.ts';

const PREFIX = 'segments-pass-';

export class BatchSpill<T> {
  private bytes = 0;
  private batches = 0;
  private closed = false;

  private readonly dir: string;
  private readonly file: FileHandle;

  private constructor(dir: string, file: FileHandle) {
    this.dir = dir;
    this.file = file;
  }

  /** A new spill file in a directory of its own, named after this process (sweepStaleSpills). */
  static async create<T>(root = tmpdir()): Promise<BatchSpill<T>> {
    const dir = await mkdtemp(join(root, `${PREFIX}${process.pid}-`));
    try {
      return new BatchSpill<T>(dir, await open(join(dir, 'batches'), 'w+'));
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
  }

  /** Bytes written so far. */
  get size(): number {
    return this.bytes;
  }

  async write(batch: T): Promise<void> {
    const body = serialize(batch);
    const head = Buffer.alloc(4);
    head.writeUInt32LE(body.length);
    const record = Buffer.concat([head, body]);
    // One write call may write less than asked (a disk filling up): the rest is written, or it throws.
    let done = 0;
    while (done < record.length) {
      const { bytesWritten } = await this.file.write(record, done, record.length - done, this.bytes + done);
      if (bytesWritten === 0) throw new Error(`spill file: nothing written at ${this.bytes + done} bytes`);
      done += bytesWritten;
    }
    this.bytes += record.length;
    this.batches++;
  }

  /** The batches in the order written, each once; the file is removed when the reader is done or stops. */
  async *read(): AsyncGenerator<T> {
    try {
      let at = 0;
      for (let i = 0; i < this.batches; i++) {
        const head = Buffer.alloc(4);
        await this.readFully(head, at);
        const body = Buffer.alloc(head.readUInt32LE(0));
        await this.readFully(body, at + 4);
        at += 4 + body.length;
        yield deserialize(body) as T;
      }
    } finally {
      await this.close();
    }
  }

  private async readFully(buf: Buffer, position: number): Promise<void> {
    let done = 0;
    while (done < buf.length) {
      const { bytesRead } = await this.file.read(buf, done, buf.length - done, position + done);
      if (bytesRead === 0) throw new Error(`spill file ended early at ${position + done} of ${this.bytes} bytes`);
      done += bytesRead;
    }
  }

  /**
   * Closes and removes the file (idempotent). Never throws: a file that cannot be removed must not fail
   * a pass that succeeded; it is left for sweepStaleSpills at the next start.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.file.close().catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** Whether the spill's process still runs. This process's own pid counts as gone: sweepStaleSpills runs before its first pass only. */
const alive = (pid: number): boolean => {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** What a process that runs workers calls before its first pass (jobs/main.ts, web/main.ts --with-worker): sweepStaleSpills, logged, never failing the start. */
export async function removeStaleSpills(logger: Pick<Logger, 'warn'>): Promise<void> {
  const removed = await sweepStaleSpills().catch(() => 0);
  if (removed) logger.warn({ removed }, 'removed the spill files of a worker that died mid-pass');
}

/**
 * Removes the spill directories of processes that are gone (a worker killed mid-pass). Called at the
 * worker's start, before it takes a job (jobs/main.ts, web/main.ts --with-worker): a directory named
 * after this very pid is a previous life's (a container restarts its process with the same pid).
 * One it cannot remove (another user's) is skipped. Returns how many it removed.
 */
export async function sweepStaleSpills(root = tmpdir()): Promise<number> {
  let removed = 0;
  for (const name of await readdir(root).catch(() => [] as string[])) {
    if (!name.startsWith(PREFIX)) continue;
    const pid = Number(name.slice(PREFIX.length).split('-')[0]);
    if (!Number.isInteger(pid) || alive(pid)) continue;
    try {
      await rm(join(root, name), { recursive: true, force: true });
      removed++;
    } catch {
      // Not ours to remove (EPERM / EACCES in a shared temp dir): left as it is.
    }
  }
  return removed;
}
