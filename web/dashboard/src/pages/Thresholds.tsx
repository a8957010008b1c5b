import { Badge, BlockStack, Box, Card, InlineStack, Layout, Text } from '@shopify/polaris';
import { DataTable } from '../DataTable.tsx';
import { Section } from '../Section.tsx';
import { useApi } from '../useApi.ts';
import { formatDate, formatMoney } from '../api.ts';
import type { ThresholdsView } from '../types.ts';
import { Loading } from './Loading.tsx';
import { ModelCheck } from './ModelCheck.tsx';

export function Thresholds() {
  const t = useApi<ThresholdsView>('/thresholds');
  if (!t.data) return <Loading state={t} />;
  const { current, history, currency } = t.data;
  if (!current) return <Card><Text as="p">No calibration yet: run a resync from the Sync page.</Text></Card>;
  return (
    <Layout>
      <Layout.Section>
        <Card>
          <BlockStack gap="300">
            <Text as="h2" variant="headingMd">Current thresholds (as of {current.date})</Text>
            <Text as="p" tone="subdued">
              Recalculated from your {current.buyers.toLocaleString('en-US')} buyers on {formatDate(current.calibratedAt)} ({current.reason}). They move as your customer base changes.
            </Text>
            <div data-testid="thresholds-current">
              <BlockStack gap="300">
                {current.lines.map((l) => (
                  <Box key={l.name} paddingBlockEnd="200" borderBlockEndWidth="025" borderColor="border-secondary">
                    <InlineStack gap="200" blockAlign="baseline">
                      <Text as="span" variant="headingSm">{l.name}</Text>
                      <Badge tone="info">{l.value}</Badge>
                    </InlineStack>
                    <Text as="p" tone="subdued">{l.meaning}</Text>
                  </Box>
                ))}
              </BlockStack>
            </div>
          </BlockStack>
        </Card>
      </Layout.Section>
      <Layout.Section>
        <Card>
          <BlockStack gap="300">
            <Text as="h2" variant="headingMd">RFM scores</Text>
            <DataTable
              columnContentTypes={['text', 'text', 'text', 'text']}
              headings={['Score', 'Recency', 'Frequency', 'Monetary']}
              rows={[5, 4, 3, 2, 1].map((score) => [String(score), ...current.rfm.map((d) => d.bands.filter((b) => b.score === score).map((b) => b.range).join(' / ') || '—')])}
            />
          </BlockStack>
        </Card>
      </Layout.Section>
      <ModelCheck />
      {current.changes.length > 0 && (
        <Section title="Moved since the previous calibration">
          <DataTable columnContentTypes={['text', 'numeric', 'numeric']} headings={['Threshold', 'Before', 'Now']} rows={current.changes.map((c) => [c.label, c.fromText, c.toText])} />
        </Section>
      )}
      <Section title="History">
        <div data-testid="thresholds-history">
          <DataTable
            columnContentTypes={['text', 'text', 'numeric', 'numeric', 'numeric', 'numeric']}
            headings={['As of', 'Reason', 'Buyers', 'Frequent from', 'VIP from (orders)', 'VIP from (spend)']}
            rows={history.map((h) => [h.date, h.reason, h.buyers, h.frequentMinOrders ?? '—', h.vipMinOrders ?? '—', h.vipMinSpendMinor === null ? '—' : formatMoney(h.vipMinSpendMinor, currency)])}
          />
        </div>
      </Section>
    </Layout>
  );
}
