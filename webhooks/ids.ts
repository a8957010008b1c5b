// Id fields in webhook payloads: numbers (exact when safe) or strings (big ids, kept by the parser).
import { z } from 'zod';

export const restId = z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative().refine(Number.isSafeInteger)]).transform(String);
