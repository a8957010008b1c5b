// stagedUploadsCreate and the upload target it points at (Shopify hands out signed Google Cloud
// Storage form posts; the simulator signs its own policy the same way and stores the file locally).
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RequestContext, StagedTarget, StagedUploadInput, UploadApi, UserError } from './context.ts';
import { isoUtc } from './formats.ts';

export const MAX_UPLOAD_BYTES = 100 * 1024 * 1024;

interface Target {
  shopId: string;
  key: string;
  path: string | null;
  size: number;
}

export interface UploadResult {
  status: number;
  body: string;
}

export class StagedUploads implements UploadApi {
  readonly #dir: string;
  readonly #baseUrl: () => string;
  readonly #secret = randomBytes(32);
  readonly #targets = new Map<string, Target>();

  constructor(tmpDir: string, baseUrl: () => string) {
    this.#dir = join(tmpDir, 'uploads');
    mkdirSync(this.#dir, { recursive: true });
    this.#baseUrl = baseUrl;
  }

  #sign(policy: string): string {
    return createHmac('sha256', this.#secret).update(policy).digest('hex');
  }

  create(ctx: RequestContext, input: StagedUploadInput[]): { stagedTargets: StagedTarget[]; userErrors: UserError[] } {
    const userErrors: UserError[] = [];
    const stagedTargets: StagedTarget[] = [];
    input.forEach((inp, i) => {
      if (inp.resource !== 'BULK_MUTATION_VARIABLES') {
        userErrors.push({ field: ['input', String(i), 'resource'], message: `The simulator only implements BULK_MUTATION_VARIABLES staged uploads, not ${inp.resource}.` });
        return;
      }
      if (inp.fileSize && Number(inp.fileSize) > MAX_UPLOAD_BYTES) {
        userErrors.push({ field: ['input', String(i), 'fileSize'], message: 'File size exceeds the 100 MB limit.' });
        return;
      }
      const key = `tmp/${ctx.shop.id}/bulk/${randomUUID()}/${inp.filename.replace(/[^\w.-]/g, '_')}`;
      const policy = Buffer.from(JSON.stringify({
        expiration: isoUtc(ctx.now + 3600_000),
        conditions: [{ key }, { 'Content-Type': inp.mimeType }, ['content-length-range', 1, MAX_UPLOAD_BYTES]],
      })).toString('base64');
      this.#targets.set(key, { shopId: ctx.shop.id, key, path: null, size: 0 });
      const base = this.#baseUrl();
      const sig = this.#sign(policy);
      const put = inp.httpMethod === 'PUT';
      stagedTargets.push({
        url: put ? `${base}/staged-uploads?${new URLSearchParams({ key, policy, 'x-goog-signature': sig })}` : `${base}/staged-uploads`,
        resourceUrl: `${base}/staged-uploads/${key}`,
        parameters: put ? [{ name: 'content_type', value: inp.mimeType }, { name: 'acl', value: 'private' }] : [
          { name: 'Content-Type', value: inp.mimeType },
          { name: 'success_action_status', value: '201' },
          { name: 'acl', value: 'private' },
          { name: 'key', value: key },
          { name: 'x-goog-date', value: isoUtc(ctx.now).replace(/[-:]/g, '') },
          { name: 'x-goog-credential', value: 'shopify-simulator/auto/storage/goog4_request' },
          { name: 'x-goog-algorithm', value: 'GOOG4-HMAC-SHA256' },
          { name: 'x-goog-signature', value: sig },
          { name: 'policy', value: policy },
        ],
      });
    });
    return { stagedTargets, userErrors };
  }

  /** Handles the upload POST/PUT: `fields` are the form parameters, `file` the content. */
  receive(fields: Record<string, string>, file: Buffer | null): UploadResult {
    const key = fields.key ?? '';
    const policy = fields.policy ?? '';
    const target = this.#targets.get(key);
    if (!target || !policy || fields['x-goog-signature'] !== this.#sign(policy)) {
      return { status: 403, body: gcsError('AccessDenied', 'Invalid policy or signature, or unknown key.') };
    }
    let policyKey: unknown;
    try {
      policyKey = (JSON.parse(Buffer.from(policy, 'base64').toString('utf8')) as { conditions: Array<{ key?: string }> }).conditions[0]?.key;
    } catch {
      policyKey = undefined;
    }
    if (policyKey !== key) return { status: 403, body: gcsError('AccessDenied', 'Key does not match the policy.') };
    if (!file) return { status: 400, body: gcsError('InvalidArgument', 'No file field in the form.') };
    if (file.length > MAX_UPLOAD_BYTES) return { status: 400, body: gcsError('EntityTooLarge', 'Your proposed upload is larger than the maximum object size specified in your Policy Document.') };
    const path = join(this.#dir, `${createHash('sha256').update(key).digest('hex')}.jsonl`);
    writeFileSync(path, file);
    target.path = path;
    target.size = file.length;
    const etag = createHash('md5').update(file).digest('hex');
    return {
      status: 201,
      body: `<?xml version='1.0' encoding='UTF-8'?><PostResponse><Location>${this.#baseUrl()}/staged-uploads/${key}</Location><Bucket>shopify-staged-uploads</Bucket><Key>${key}</Key><ETag>"${etag}"</ETag></PostResponse>`,
    };
  }

  /** The uploaded file for `key`, if this shop uploaded one. */
  filePath(shopId: string, key: string): string | null {
    const t = this.#targets.get(key);
    return t && t.shopId === shopId && t.path ? t.path : null;
  }
}

function gcsError(code: string, message: string): string {
  return `<?xml version='1.0' encoding='UTF-8'?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;
}
