// What the two order normalisers share — webhooks/order-normaliser.ts (REST payloads of orders/*
// webhooks) and src/shopify/graphql-order.ts (bulk-query nodes): the result they return (never a
// throw: a bad order is explained, counted or dead-lettered, and nothing else is lost) and the
// mapping of Shopify's financial status onto the engine's.
import type { FinancialStatus, NormalizedOrder } from '../segments/types.ts';

export type NormaliseResult = { ok: true; order: NormalizedOrder } | { ok: false; reason: string };

const FINANCIAL: ReadonlySet<string> = new Set<FinancialStatus>([
  'pending', 'authorized', 'partially_paid', 'paid', 'partially_refunded', 'refunded', 'voided', 'expired',
]);

/** "PARTIALLY_REFUNDED" (GraphQL) or "partially_refunded" (REST) → 'partially_refunded'; anything else 'unknown'. */
export function financialStatusOf(text: string | null | undefined): FinancialStatus {
  const s = (text ?? '').toLowerCase();
  return FINANCIAL.has(s) ? (s as FinancialStatus) : 'unknown';
}

/** Runs `build`; an amount or field it cannot read becomes `{ok: false, reason: "<prefix>: <why>"}`. */
export function normalised(prefix: string, build: () => NormalizedOrder): NormaliseResult {
  try {
    return { ok: true, order: build() };
  } catch (err) {
    return { ok: false, reason: `${prefix}: ${(err as Error).message}` };
  }
}
