import { useTranslation } from 'react-i18next';
import { Badge, BlockStack, Box, Card, InlineStack, Layout, Text } from '@shopify/polaris';
import { DataTable } from '../DataTable.tsx';
import { Section } from '../Section.tsx';
import { useApi } from '../useApi.ts';
import { formatDate, formatMoney, formatNumber } from '../api.ts';
import type { ThresholdsView } from '../types.ts';
import { Loading } from './Loading.tsx';
import { explain, say } from '../explanations.ts';

/** A moved threshold's value: money for the *Minor amounts, else a count. */
const changeValue = (name: string, v: number, currency: string): string => (name.endsWith('Minor') ? formatMoney(v, currency) : formatNumber(v));
import { ModelCheck } from './ModelCheck.tsx';

export function Thresholds() {
  const { t } = useTranslation();
  const v = useApi<ThresholdsView>('/thresholds');
  if (!v.data) return <Loading state={v} />;
  const { current, history, currency } = v.data;
  if (!current) return <Card><Text as="p">{t('thresholds.none')}</Text></Card>;
  return (
    <Layout>
      <Layout.Section>
        <Card>
          <BlockStack gap="300">
            <Text as="h2" variant="headingMd">{t('thresholds.current', { date: current.date })}</Text>
            <Text as="p" tone="subdued">
              {t('thresholds.recalculated', { buyers: formatNumber(current.buyers), at: formatDate(current.calibratedAt), reason: say(current.reasonMsg, current.reason) })}
            </Text>
            <div data-testid="thresholds-current">
              <BlockStack gap="300">
                {current.lines.map((l) => (
                  <Box key={l.name} paddingBlockEnd="200" borderBlockEndWidth="025" borderColor="border-secondary">
                    <InlineStack gap="200" blockAlign="baseline">
                      <Text as="span" variant="headingSm">{t(`thresholds.names.${l.key}`, { defaultValue: l.name })}</Text>
                      <Badge tone="info">{explain({ explanation: l.value, explanationMsg: l.valueMsg }, 'thresholds')}</Badge>
                    </InlineStack>
                    <Text as="p" tone="subdued">{explain({ explanation: l.meaning, explanationMsg: l.meaningMsg }, 'thresholds')}</Text>
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
            <Text as="h2" variant="headingMd">{t('thresholds.rfmTitle')}</Text>
            <DataTable
              columnContentTypes={['text', 'text', 'text', 'text']}
              headings={(['score', 'recency', 'frequency', 'monetary'] as const).map((c) => t(`thresholds.rfmColumns.${c}`))}
              rows={[5, 4, 3, 2, 1].map((score) => [String(score), ...current.rfm.map((d) => d.bands.filter((b) => b.score === score).map((b) => say(b.rangeMsg, b.range)).join(' / ') || '—')])}
            />
          </BlockStack>
        </Card>
      </Layout.Section>
      <ModelCheck />
      {current.changes.length > 0 && (
        <Section title={t('thresholds.moved')}>
          <DataTable columnContentTypes={['text', 'numeric', 'numeric']} headings={(['threshold', 'before', 'now'] as const).map((c) => t(`thresholds.movedColumns.${c}`))} rows={current.changes.map((c) => [t(`thresholds.changeLabels.${c.name.split('.').pop()}`, { defaultValue: c.label }), changeValue(c.name, c.from, currency), changeValue(c.name, c.to, currency)])} />
        </Section>
      )}
      <Section title={t('thresholds.history')}>
        <div data-testid="thresholds-history">
          <DataTable
            columnContentTypes={['text', 'text', 'numeric', 'numeric', 'numeric', 'numeric']}
            headings={(['asOf', 'reason', 'buyers', 'frequentFrom', 'vipOrders', 'vipSpend'] as const).map((c) => t(`thresholds.historyColumns.${c}`))}
            rows={history.map((h) => [h.date, say(h.reasonMsg, h.reason), h.buyers, h.frequentMinOrders ?? '—', h.vipMinOrders ?? '—', h.vipMinSpendMinor === null ? '—' : formatMoney(h.vipMinSpendMinor, currency)])}
          />
        </div>
      </Section>
    </Layout>
  );
}
