// zod validation of every input, with one error shape for both APIs: 400 {error, issues}; and the
// input schemas both APIs read.
import type { NextFunction, Request, Response } from 'express';
import { z } from 'zod';
import type { Logger } from '../src/logger.ts';
import { SHOP_DOMAIN } from '../src/shopify/shop-domain.ts';

/** A Shopify customer id: the numeric id, or its gid. Returned as the numeric string. */
export const customerIdSchema = z
  .string()
  .trim()
  .regex(/^(gid:\/\/shopify\/Customer\/)?\d{1,20}$/, 'must be a Shopify customer id (digits or gid://shopify/Customer/…)')
  .transform((s) => s.replace(/^gid:\/\/shopify\/Customer\//, ''));

/** A BullMQ job id as the APIs hand them out. */
export const jobIdSchema = z.string().regex(/^[A-Za-z0-9:_-]{1,100}$/);

/** A shop named in a support URL. */
export const shopSchema = z.string().trim().toLowerCase().regex(SHOP_DOMAIN, 'must be a shop domain like example.myshopify.com');

export class BadInput extends Error {
  readonly issues: string[];
  constructor(issues: string[]) {
    super(issues.join('; '));
    this.name = 'BadInput';
    this.issues = issues;
  }
}

export function parseInput<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new BadInput(r.error.issues.map((i) => `${i.path.length ? i.path.join('.') + ' ' : ''}${i.message}`));
  return r.data;
}

/** Last middleware of a JSON API router: 400 for bad input, 500 (logged) for anything else. */
export function jsonErrors(logger: Logger, what: string) {
  return (err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof BadInput) {
      res.status(400).json({ error: 'invalid_input', issues: err.issues });
      return;
    }
    if (typeof err === 'object' && err !== null && (err as { type?: unknown }).type === 'entity.parse.failed') {
      res.status(400).json({ error: 'invalid_json' });
      return;
    }
    logger.error({ err }, `${what} error`);
    if (!res.headersSent) res.status(500).json({ error: 'internal_error' });
    else res.end();
  };
}
