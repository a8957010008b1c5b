// The spill file a big shop's books wait in between a whole-shop pass's two reads (jobs/batch-spill.ts).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { BatchSpill, sweepStaleSpills } from '../../jobs/batch-spill.ts';

const scratch = () => mkdtemp(join(tmpdir(), 'spill-test-'));
const batch = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ customerId: String(from + i), orders: [{ id: `o${from + i}`, netMinor: (from + i) * 100, tags: ['a', 'b'], lineItems: [{ productId: 'p', quantity: 2 }] }] }));

describe('batch spill', () => {
  it('gives back every batch in the order written, equal to what went in, then removes its file', async () => {
    const root = await scratch();
    try {
      const spill = await BatchSpill.create<ReturnType<typeof batch>>(root);
      const written = [batch(0, 3), batch(3, 0), batch(3, 500)];
      for (const b of written) await spill.write(b);
      assert.ok(spill.size > 0);
      assert.equal((await readdir(root)).length, 1);
      const read = [];
      for await (const b of spill.read()) read.push(b);
      assert.deepEqual(read, written);
      assert.deepEqual(await readdir(root), []);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('a reader that stops early, or a pass that never reads, leaves no file', async () => {
    const root = await scratch();
    try {
      const early = await BatchSpill.create<ReturnType<typeof batch>>(root);
      for (let i = 0; i < 5; i++) await early.write(batch(i * 10, 10));
      for await (const b of early.read()) {
        assert.equal(b[0]!.customerId, '0');
        break;
      }
      const unread = await BatchSpill.create<ReturnType<typeof batch>>(root);
      await unread.write(batch(0, 1));
      await unread.close();
      await unread.close();
      assert.deepEqual(await readdir(root), []);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('at a worker\'s start, removes the spills of processes that are gone (and of this pid\'s previous life), not of live ones', async () => {
    const root = await scratch();
    try {
      // A pid that has surely exited: a child that ran and ended.
      const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
      const live = process.ppid;
      for (const name of [`segments-pass-${dead}-aaaaaa`, `segments-pass-${live}-bbbbbb`, `segments-pass-${process.pid}-cccccc`, 'other-dir']) await mkdir(join(root, name));
      assert.equal(await sweepStaleSpills(root), 2);
      assert.deepEqual((await readdir(root)).sort(), ['other-dir', `segments-pass-${live}-bbbbbb`]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
