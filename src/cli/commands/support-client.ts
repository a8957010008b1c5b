// The support commands (resync, status, recompute) talk to a running app's support API, so they work
// the same against a local install or a server. Address: --url (default http://127.0.0.1:$PORT);
// token: SUPPORT_TOKEN from the app's configuration (.env), the same one the API checks.
import { loadConfigFromProcess } from '../../config.ts';
import { EXIT_FAILURE, UsageError, type CliIo } from '../command.ts';
import { SHOP_DOMAIN } from '../../shopify/shop-domain.ts';

export interface SupportTarget {
  url: string;
  token: string;
}

export interface SupportClientDeps {
  /** Resolves the API address and token; tests inject theirs. */
  target(urlFlag: string | undefined): SupportTarget;
  fetch: typeof fetch;
  /** Milliseconds between progress polls. */
  pollMs: number;
}

export const defaultSupportDeps: SupportClientDeps = {
  target(urlFlag) {
    const config = loadConfigFromProcess();
    return { url: urlFlag ?? `http://127.0.0.1:${config.PORT}`, token: config.SUPPORT_TOKEN };
  },
  fetch: (...args) => fetch(...args),
  pollMs: 1000,
};

export class SupportApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'SupportApiError';
    this.status = status;
  }
}


export function requireShop(shop: string | undefined): string {
  if (!shop) throw new UsageError('--shop <domain> is required');
  const s = shop.trim().toLowerCase();
  if (!SHOP_DOMAIN.test(s)) throw new UsageError(`--shop must be a shop domain like example.myshopify.com, got "${shop}"`);
  return s;
}

/** 127.0.0.0/8, ::1 and localhost: the only hosts the token may reach over plain http. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/** The support token is a bearer credential: it goes over https, or over http to this machine only. */
export function supportUrl(base: string, path: string): URL {
  let url: URL;
  try {
    url = new URL(`/support${path}`, base);
  } catch {
    throw new UsageError(`--url must be an absolute URL like https://segments.example.com, got "${base}"`);
  }
  if (url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname))) return url;
  throw new UsageError(`refusing to send SUPPORT_TOKEN to ${url.protocol}//${url.host}: use https:// (plain http only to 127.0.0.1, ::1 or localhost)`);
}

export async function supportRequest<T>(deps: SupportClientDeps, target: SupportTarget, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const url = supportUrl(target.url, path);
  let res: Response;
  try {
    res = await deps.fetch(url, {
      method,
      headers: { Authorization: `Bearer ${target.token}`, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
  } catch (err) {
    throw new SupportApiError(0, `cannot reach the app at ${target.url} (${(err as Error).message}); is it running? (--url)`);
  }
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!res.ok) {
    const detail = parsed && typeof parsed === 'object' ? ((parsed as { issues?: string[] }).issues?.join('; ') ?? (parsed as { error?: string }).error) : text.slice(0, 200);
    const hint = res.status === 401 || res.status === 403 ? ' (check SUPPORT_TOKEN)' : '';
    throw new SupportApiError(res.status, `support API answered ${res.status}: ${detail ?? ''}${hint}`);
  }
  return parsed as T;
}

/** A Shopify customer id as given (the number or its gid), or null when it is neither. */
export function customerIdArg(v: string | undefined): string | null {
  const id = v?.trim().replace(/^gid:\/\/shopify\/Customer\//, '');
  return id && /^\d{1,20}$/.test(id) ? id : null;
}

/** Runs a command's support API calls: an answer the API refused is printed as `segments <name>: …` (exit 1). */
export async function reportingSupportErrors(name: string, io: CliIo, call: () => Promise<number>): Promise<number> {
  try {
    return await call();
  } catch (err) {
    if (!(err instanceof SupportApiError)) throw err;
    io.stderr.write(`segments ${name}: ${err.message}\n`);
    return EXIT_FAILURE;
  }
}
