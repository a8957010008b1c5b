import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { CDNOW_SAMPLE } from '../../tools/cdnow-data.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const SAMPLE = CDNOW_SAMPLE;

function runJson(args: string[]): Promise<Record<string, unknown>> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'error' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('exit', (code) => {
      if (code !== 0) return fail(new Error(`${args.join(' ')} exited ${code}: ${err.slice(-2000)}`));
      try { done(JSON.parse(out) as Record<string, unknown>); } catch (e) { fail(e as Error); }
    });
  });
}

describe('npm run demo -- --once --json', () => {
  it('gives the same segment counts as `segments analyze` on the same file and as-of, and tags match profiles', async () => {
    const demo = await runJson(['scripts/demo.ts', '--orders', SAMPLE, '--format', 'cdnow', '--as-of', '1998-07-01', '--once', '--json']);
    const analyze = await runJson(['src/cli/segments.ts', 'analyze', SAMPLE, '--format', 'cdnow', '--as-of', '1998-07-01', '--json']);
    const drop = (s: Record<string, Record<string, number>>) => Object.fromEntries(Object.entries(s).map(([f, seg]) => [f, Object.fromEntries(Object.entries(seg).filter(([, n]) => n > 0).sort())]));
    assert.deepEqual(drop(demo.segments as Record<string, Record<string, number>>), drop(analyze.segments as Record<string, Record<string, number>>));
    assert.deepEqual(demo.tags, { customersTagged: 2357, mismatchedWithProfiles: 0 });
  });
});
