// One customer by Shopify id (or opened from a segment's list at /app/customers/<id>): metrics,
// predictions, every membership with its explanation, the tags on Shopify and the history of moves.
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Badge, Banner, BlockStack, Button, Card, InlineGrid, InlineStack, Layout, Link, Text, TextField } from '@shopify/polaris';
import { DataTable, TextCell } from '../DataTable.tsx';
import { Section } from '../Section.tsx';
import { api, ApiError, formatDate, formatDay, formatMoney, formatNumber } from '../api.ts';
import type { CustomerView } from '../types.ts';
import { familyLabel, segmentLabel, segmentMeaning } from '../segment-names.ts';
import { explain } from '../explanations.ts';
import { LiveNamesNote, useLiveNames } from '../live-names.tsx';

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const scoresOf = (m: Record<string, unknown>): { r: number; f: number; m: number } | null => {
  for (const c of [m.scores, m.rfmScores, (m.rfm as Record<string, unknown> | undefined)?.scores, m.rfm]) {
    const s = c as { r?: unknown; f?: unknown; m?: unknown } | undefined;
    if (s && num(s.r) && num(s.f) && num(s.m)) return { r: s.r as number, f: s.f as number, m: s.m as number };
  }
  return null;
};

function Metric({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <BlockStack gap="050">
      <Text as="span" tone="subdued" variant="bodySm">{label}</Text>
      <Text as="span" variant="headingMd"><span data-testid={testId}>{value}</span></Text>
    </BlockStack>
  );
}

function Summary({ customer, currency, shopifyUrl }: { customer: CustomerView; currency: string; shopifyUrl: string | null }) {
  const { t } = useTranslation();
  const m = customer.metrics ?? {};
  const p = customer.predictions ?? {};
  const scores = scoresOf(m);
  const spend = num(m.spendMinor);
  const lastAt = num(m.lastOrderAt) ?? num(m.lastAt);
  const daysSince = num(m.daysSinceLastOrder);
  const due = Array.isArray(customer.replenishment) ? (customer.replenishment as Array<{ product?: string; dueAt?: number }>) : [];
  const next = num(p.predictedNextOrderAt);
  const clv = num(p.clv12mMinor);
  const dash = '—';
  // This customer's name, read live when the shop opted in (never stored).
  const live = useLiveNames([customer.customerId]);
  const name = live.names[customer.customerId];
  return (
    <Card>
      <BlockStack gap="300">
        <InlineStack align="space-between">
          <BlockStack gap="050">
            <Text as="h2" variant="headingMd">{t('customer.title', { id: customer.customerId })}</Text>
            {name && <Text as="p" variant="headingSm"><span data-testid="live-name">{name}</span></Text>}
          </BlockStack>
          <InlineStack gap="300">
            <Text as="span" tone="subdued">{t('customer.computed', { computed: formatDate(customer.computedAt), asOf: formatDate(customer.asOf) })}</Text>
            {shopifyUrl && <Link url={shopifyUrl} target="_blank" accessibilityLabel={t('browser.openInShopifyLabel', { id: customer.customerId })}>{t('browser.openInShopify')}</Link>}
          </InlineStack>
        </InlineStack>
        <InlineGrid columns={{ xs: 2, md: 6 }} gap="400">
          <Metric label={t('customer.orders')} value={num(m.orders) === null ? dash : String(num(m.orders))} testId="customer-orders" />
          <Metric label={t('customer.spend')} value={spend === null ? dash : formatMoney(spend, currency)} />
          <Metric label={t('customer.lastOrder')} value={lastAt === null ? dash : daysSince === null ? formatDay(lastAt) : t('customer.daysAgo', { date: formatDay(lastAt), days: formatNumber(daysSince) })} />
          <Metric label={t('customer.rfm')} value={scores ? `R${scores.r} F${scores.f} M${scores.m}` : dash} />
          <Metric label={t('customer.churnRisk')} value={typeof p.churnRisk === 'string' ? t(`customer.churnLevels.${p.churnRisk}`, { defaultValue: p.churnRisk }) : dash} />
          <Metric label={t('customer.clv')} value={clv === null ? dash : formatMoney(clv, currency)} />
        </InlineGrid>
        <LiveNamesNote status={live.status} />
        {next !== null && <Text as="p" tone="subdued">{t('customer.nextOrder', { date: formatDay(next) })}</Text>}
        {due.length > 0 && (
          <Text as="p" tone="subdued">
            {t('customer.replenishment', { list: due.slice(0, 5).map((d) => t('customer.due', { product: d.product ?? '?', date: typeof d.dueAt === 'number' ? formatDay(d.dueAt) : '?' })).join('; ') })}
          </Text>
        )}
      </BlockStack>
    </Card>
  );
}

function Details({ customer }: { customer: CustomerView }) {
  const { t } = useTranslation();
  const col = (k: 'family' | 'segment' | 'tag' | 'why' | 'when' | 'change') => t(`customer.columns.${k}`);
  return (
    <>
      <Section title={t('customer.segmentsWhy')}>
        <div data-testid="customer-memberships">
          <DataTable
            columnContentTypes={['text', 'text', 'text', 'text']}
            headings={[col('family'), col('segment'), col('tag'), col('why')]}
            rows={(customer.memberships ?? []).map((mb) => [
              familyLabel(t, mb.family),
              // The segment's name, and what it means underneath (in the viewer's language).
              <TextCell key="segment" minWidth={220}><Text as="span" fontWeight="semibold">{segmentLabel(t, mb.family, mb.segment, mb.label)}</Text><Text as="p" tone="subdued" variant="bodySm">{segmentMeaning(t, mb.family, mb.segment)}</Text></TextCell>,
              mb.tag,
              <TextCell key="why">{explain(mb)}</TextCell>,
            ])}
          />
        </div>
      </Section>
      <Section title={t('customer.tags')}>
        <InlineStack gap="200">
          {(customer.tagsApplied ?? []).length ? (customer.tagsApplied ?? []).map((tag) => <Badge key={tag} tone="info">{tag}</Badge>) : <Text as="span" tone="subdued">{t('customer.noneYet')}</Text>}
          {customer.tagsPending && <Badge tone="attention">{t('customer.syncPending')}</Badge>}
        </InlineStack>
      </Section>
      <Section title={t('customer.history')}>
        <DataTable
          columnContentTypes={['text', 'text', 'text', 'text']}
          headings={[col('when'), col('change'), col('segment'), col('why')]}
          rows={(customer.history ?? []).map((h) => [formatDate(h.at), t(h.change === 'entered' ? 'customer.entered' : 'customer.left'), `${segmentLabel(t, h.family, h.segment, h.label)} (${familyLabel(t, h.family)})`, <TextCell key="why">{explain(h)}</TextCell>])}
        />
      </Section>
    </>
  );
}

export function CustomerLookup({ currency, initialId = '', shop }: { currency: string; initialId?: string; shop?: string }) {
  const { t } = useTranslation();
  const [id, setId] = useState(initialId);
  const [customer, setCustomer] = useState<CustomerView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const lookUp = async () => {
    setLoading(true);
    setError(null);
    try {
      setCustomer(await api<CustomerView>(`/customers/${encodeURIComponent(id.trim())}`));
    } catch (e) {
      setCustomer(null);
      setError(e instanceof ApiError && e.status === 404 ? t('customer.notFound', { id: id.trim() }) : e instanceof Error ? e.message : String(e));
    } finally {
      setLoading(false);
    }
  };
  // Opened from a segment's list (/app/customers/<id>): look the customer up at once.
  useEffect(() => {
    if (initialId) void lookUp();
  }, [initialId]);
  // The customer's page in the Shopify admin (see web/admin/segment-browser.ts, shopifyCustomerUrl).
  const shopifyUrl = customer && shop ? `https://admin.shopify.com/store/${encodeURIComponent(shop.replace(/\.myshopify\.com$/, ''))}/customers/${encodeURIComponent(customer.customerId)}` : null;
  return (
    <Layout>
      <Layout.Section>
        <Card>
          <form onSubmit={(e) => { e.preventDefault(); void lookUp(); }}>
            <InlineStack gap="300" blockAlign="end">
              <div style={{ minWidth: 320 }}>
                <TextField label={t('customer.idLabel')} value={id} onChange={setId} autoComplete="off" placeholder={t('customer.idPlaceholder')} />
              </div>
              <Button variant="primary" submit loading={loading} disabled={!id.trim()}>{t('customer.lookUp')}</Button>
            </InlineStack>
          </form>
        </Card>
      </Layout.Section>
      {error && <Layout.Section><Banner tone="warning">{error}</Banner></Layout.Section>}
      {customer && (
        <>
          <Layout.Section><Summary customer={customer} currency={currency} shopifyUrl={shopifyUrl} /></Layout.Section>
          <Details customer={customer} />
        </>
      )}
    </Layout>
  );
}
