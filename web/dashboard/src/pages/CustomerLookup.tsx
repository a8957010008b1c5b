import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Badge, Banner, BlockStack, Button, Card, InlineGrid, InlineStack, Layout, Text, TextField } from '@shopify/polaris';
import { DataTable } from '../DataTable.tsx';
import { Section } from '../Section.tsx';
import { api, ApiError, formatDate, formatMoney } from '../api.ts';
import type { CustomerView } from '../types.ts';
import { familyLabel, segmentLabel } from '../segment-names.ts';

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

export function CustomerLookup({ currency, initialId = '' }: { currency: string; initialId?: string }) {
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
      setError(e instanceof ApiError && e.status === 404 ? `No profile for customer ${id.trim()}.` : e instanceof Error ? e.message : String(e));
    } finally {
      setLoading(false);
    }
  };
  // Opened from a segment's list (/app/customers/<id>): look the customer up at once.
  useEffect(() => {
    if (initialId) void lookUp();
  }, [initialId]);
  const m = customer?.metrics ?? {};
  const p = customer?.predictions ?? {};
  const scores = customer ? scoresOf(m) : null;
  const spend = num(m.spendMinor);
  const lastAt = num(m.lastOrderAt) ?? num(m.lastAt);
  const daysSince = num(m.daysSinceLastOrder);
  const due = Array.isArray(customer?.replenishment) ? (customer.replenishment as Array<{ product?: string; dueAt?: number }>) : [];
  const next = num(p.predictedNextOrderAt);
  const clv = num(p.clv12mMinor);
  return (
    <Layout>
      <Layout.Section>
        <Card>
          <form onSubmit={(e) => { e.preventDefault(); void lookUp(); }}>
            <InlineStack gap="300" blockAlign="end">
              <div style={{ minWidth: 320 }}>
                <TextField label="Shopify customer id" value={id} onChange={setId} autoComplete="off" placeholder="e.g. 7100000000001 or gid://shopify/Customer/…" />
              </div>
              <Button variant="primary" submit loading={loading} disabled={!id.trim()}>Look up</Button>
            </InlineStack>
          </form>
        </Card>
      </Layout.Section>
      {error && <Layout.Section><Banner tone="warning">{error}</Banner></Layout.Section>}
      {customer && (
        <>
          <Layout.Section>
            <Card>
              <BlockStack gap="300">
                <InlineStack align="space-between">
                  <Text as="h2" variant="headingMd">Customer {customer.customerId}</Text>
                  <Text as="span" tone="subdued">computed {formatDate(customer.computedAt)}, as of {formatDate(customer.asOf)}</Text>
                </InlineStack>
                <InlineGrid columns={{ xs: 2, md: 6 }} gap="400">
                  <Metric label="Orders" value={String(num(m.orders) ?? '—')} testId="customer-orders" />
                  <Metric label="Total spend" value={spend === null ? '—' : formatMoney(spend, currency)} />
                  <Metric label="Last order" value={lastAt === null ? '—' : `${new Date(lastAt).toISOString().slice(0, 10)}${daysSince === null ? '' : ` (${daysSince} d ago)`}`} />
                  <Metric label="RFM" value={scores ? `R${scores.r} F${scores.f} M${scores.m}` : '—'} />
                  <Metric label="Churn risk" value={typeof p.churnRisk === 'string' ? p.churnRisk : '—'} />
                  <Metric label="12-month value" value={clv === null ? '—' : formatMoney(clv, currency)} />
                </InlineGrid>
                {next !== null && <Text as="p" tone="subdued">Next order expected around {formatDate(new Date(next).toISOString()).slice(0, 10)}.</Text>}
                {due.length > 0 && (
                  <Text as="p" tone="subdued">
                    Replenishment: {due.slice(0, 5).map((d) => `${d.product ?? '?'} due ${typeof d.dueAt === 'number' ? new Date(d.dueAt).toISOString().slice(0, 10) : '?'}`).join('; ')}
                  </Text>
                )}
              </BlockStack>
            </Card>
          </Layout.Section>
          <Section title="Segments and why">
            <div data-testid="customer-memberships">
              <DataTable
                columnContentTypes={['text', 'text', 'text', 'text']}
                headings={['Family', 'Segment', 'Tag', 'Why']}
                rows={(customer.memberships ?? []).map((mb) => [familyLabel(t, mb.family), segmentLabel(t, mb.family, mb.segment, mb.label), mb.tag, mb.explanation])}
              />
            </div>
          </Section>
          <Section title="Tags on Shopify">
            <InlineStack gap="200">
              {(customer.tagsApplied ?? []).length ? (customer.tagsApplied ?? []).map((t) => <Badge key={t} tone="info">{t}</Badge>) : <Text as="span" tone="subdued">none written yet</Text>}
              {customer.tagsPending && <Badge tone="attention">sync pending</Badge>}
            </InlineStack>
          </Section>
          <Section title="History of moves">
            <DataTable
              columnContentTypes={['text', 'text', 'text', 'text']}
              headings={['When', 'Change', 'Segment', 'Why']}
              rows={(customer.history ?? []).map((h) => [formatDate(h.at), h.change === 'entered' ? 'entered' : 'left', `${segmentLabel(t, h.family, h.segment, h.label)} (${familyLabel(t, h.family)})`, h.explanation])}
            />
          </Section>
        </>
      )}
    </Layout>
  );
}
