// Support staff authenticate with `Authorization: Bearer $SUPPORT_TOKEN`. Both sides are hashed to a
// fixed length first, so timingSafeEqual never throws on a length mismatch and the comparison time
// does not reveal how much of a guess was right. No header → 401; a wrong token → 403.
// For the queue dashboard in a browser, HTTP Basic with the token as the password is accepted too.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

export function tokensEqual(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

export function presentedSupportToken(header: string | undefined, allowBasic: boolean): string | null {
  if (!header) return null;
  const bearer = /^Bearer\s+(\S+)$/i.exec(header);
  if (bearer) return bearer[1]!;
  const basic = allowBasic ? /^Basic\s+(\S+)$/i.exec(header) : null;
  if (basic) {
    const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 ? decoded.slice(colon + 1) : null;
  }
  return null;
}

export function requireSupportToken(supportToken: string, opts: { allowBasic?: boolean } = {}): RequestHandler {
  if (supportToken.length < 24) throw new Error('SUPPORT_TOKEN must be at least 24 characters');
  return (req: Request, res: Response, next: NextFunction) => {
    const given = presentedSupportToken(req.get('authorization'), opts.allowBasic ?? false);
    if (given === null) {
      if (opts.allowBasic) res.set('WWW-Authenticate', 'Basic realm="segments support", charset="UTF-8"');
      res.status(401).json({ error: 'unauthorized', reason: 'missing_support_token' });
      return;
    }
    if (!tokensEqual(given, supportToken)) {
      res.status(403).json({ error: 'forbidden', reason: 'bad_support_token' });
      return;
    }
    next();
  };
}
