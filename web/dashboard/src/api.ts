// Every call carries a session token: from App Bridge inside the Shopify admin, or in demo mode
// from the app's demo session endpoint. The shop is never sent by the page; the server reads it
// from the token.

import { formatLocale } from './i18n/index.ts';

export class ApiError extends Error {
  readonly status: number;
  readonly body: unknown;
  constructor(status: number, body: unknown) {
    const issues = (body as { issues?: string[] } | null)?.issues;
    super(issues?.length ? issues.join('; ') : `request failed (${status})`);
    this.status = status;
    this.body = body;
  }
}

let demoToken: { value: string; expiresAt: number } | null = null;

export const embedded = (): boolean => typeof window.shopify?.idToken === 'function';

async function sessionToken(): Promise<string> {
  if (window.shopify?.idToken) return window.shopify.idToken();
  if (demoToken && demoToken.expiresAt > Date.now() + 10_000) return demoToken.value;
  const res = await fetch('/api/demo-session');
  if (!res.ok) throw new ApiError(res.status, null);
  const body = (await res.json()) as { token: string; expiresInSeconds: number };
  demoToken = { value: body.token, expiresAt: Date.now() + body.expiresInSeconds * 1000 };
  return body.token;
}

export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const send = async () =>
    fetch(`/api${path}`, {
      method: init.method ?? 'GET',
      headers: { Authorization: `Bearer ${await sessionToken()}`, ...(init.body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
    });
  let res = await send();
  if (res.status === 401) {
    demoToken = null;
    res = await send();
  }
  const body: unknown = res.headers.get('content-type')?.includes('json') ? await res.json() : null;
  if (!res.ok) throw new ApiError(res.status, body);
  return body as T;
}

/** Money, numbers and dates in the admin's locale (i18n/index.ts). */
export function formatMoney(minor: number, currency: string): string {
  const nf = new Intl.NumberFormat(formatLocale(), { style: 'currency', currency });
  const digits = nf.resolvedOptions().maximumFractionDigits ?? 2;
  return nf.format(minor / 10 ** digits);
}

export const formatNumber = (n: number): string => new Intl.NumberFormat(formatLocale()).format(n);
export const formatPercent = (share: number): string => new Intl.NumberFormat(formatLocale(), { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(share);
export const formatDay = (ms: number): string => new Intl.DateTimeFormat(formatLocale(), { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(ms));
/** An instant as date and time in the admin's locale, in UTC (the server's clock; shops span time zones). */
export const formatDate = (iso: string | null | undefined): string => (iso ? `${new Intl.DateTimeFormat(formatLocale(), { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(new Date(iso))} UTC` : '—');
