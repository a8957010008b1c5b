import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from '../src/logger.ts';

describe('logger', () => {
  it('never writes personal data or tokens', () => {
    const lines: string[] = [];
    const sink = new Writable({ write(chunk: Buffer, _e, cb) { lines.push(chunk.toString()); cb(); } });
    const log = createLogger({ level: 'info', destination: sink });
    log.child({ shop: 'a.myshopify.com', customerId: '42' }).info(
      { email: 'jane@example.com', accessToken: 'shpat_secret', customer: { email: 'jane@example.com', first_name: 'Jane', phone: '+100' } },
      'customer updated',
    );
    const out = lines.join('');
    assert.match(out, /"shop":"a.myshopify.com"/);
    assert.match(out, /"customerId":"42"/);
    for (const secret of ['jane@example.com', 'shpat_secret', 'Jane', '+100']) assert.ok(!out.includes(secret), `${secret} leaked`);
  });
});
