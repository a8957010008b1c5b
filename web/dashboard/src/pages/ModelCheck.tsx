// Model check: how the shop's predictions did on its own most recent history (held out at the last
// recalibration), predicted vs actual repeat orders by purchase frequency, the churn-probability
// calibration, and which model is in use and why.
import { say } from '../explanations.ts';
import { BlockStack, Text } from '@shopify/polaris';
import { useTranslation } from 'react-i18next';
import { DataTable } from '../DataTable.tsx';
import { Section } from '../Section.tsx';
import { useApi } from '../useApi.ts';
import { formatNumber, formatPercent } from '../api.ts';
import { SERIES_COLOURS } from '../charts/palette.ts';
import type { ModelCheckView } from '../types.ts';

type Group = NonNullable<ModelCheckView['backtest']>['figures']['byFrequency'][number];

function FrequencyChart({ groups }: { groups: Group[] }) {
  const { t } = useTranslation();
  const width = 560;
  const height = 220;
  const left = 40;
  const bottom = 40;
  const max = Math.max(0.1, ...groups.flatMap((g) => [g.predicted, g.actual]));
  const slot = (width - left) / groups.length;
  const bar = slot / 3;
  const y = (v: number) => (height - bottom) * (1 - v / max);
  return (
    <svg data-testid="model-check-chart" role="img" aria-label={t('modelCheck.chartLabel')} viewBox={`0 0 ${width} ${height}`} width="100%" style={{ maxWidth: width }}>
      <text x={4} y={12} fontSize="11" fill="#616161">{t('modelCheck.perCustomer')}</text>
      {groups.map((g, i) => (
        <g key={String(g.x)} data-x={g.x} data-predicted={g.predicted} data-actual={g.actual} transform={`translate(${left + i * slot}, 0)`}>
          <rect x={bar * 0.5} y={y(g.predicted)} width={bar} height={height - bottom - y(g.predicted)} fill={SERIES_COLOURS[0]} />
          <rect x={bar * 1.5} y={y(g.actual)} width={bar} height={height - bottom - y(g.actual)} fill={SERIES_COLOURS[2]} />
          <text x={slot / 2} y={height - bottom + 14} fontSize="11" textAnchor="middle" fill="#303030">{g.x}</text>
          <text x={slot / 2} y={height - bottom + 27} fontSize="10" textAnchor="middle" fill="#616161">n={g.customers}</text>
        </g>
      ))}
      <line x1={left} x2={width} y1={height - bottom} y2={height - bottom} stroke="#8a8a8a" />
      <text x={left} y={height - 2} fontSize="11" fill="#616161">{t('modelCheck.xAxis')}</text>
      <rect x={width - 170} y={4} width={10} height={10} fill={SERIES_COLOURS[0]} />
      <text x={width - 156} y={13} fontSize="11">{t('modelCheck.predicted')}</text>
      <rect x={width - 90} y={4} width={10} height={10} fill={SERIES_COLOURS[2]} />
      <text x={width - 76} y={13} fontSize="11">{t('modelCheck.actual')}</text>
    </svg>
  );
}

export function ModelCheck() {
  const { t } = useTranslation();
  const v = useApi<ModelCheckView>('/model-check');
  if (!v.data) return null;
  const { model, reason, reasonMsg, sentence, sentenceMsg, backtest } = v.data;
  return (
    <Section title={t('modelCheck.title')}>
      <div data-testid="model-check">
        <BlockStack gap="300">
          <Text as="p" variant="headingSm">{t('modelCheck.inUse')} <span data-testid="model-check-model">{model}</span></Text>
          {sentence && <Text as="p"><span data-testid="model-check-sentence">{say(sentenceMsg, `${sentence[0]!.toUpperCase()}${sentence.slice(1)}.`)}</span></Text>}
          <Text as="p" tone="subdued"><span data-testid="model-check-reason">{say(reasonMsg, reason)}</span></Text>
          {backtest && (
            <>
              <Text as="p" tone="subdued">
                {t('modelCheck.fitted', { split: backtest.split, customers: formatNumber(backtest.customers), until: backtest.until })}
              </Text>
              <FrequencyChart groups={backtest.figures.byFrequency} />
              <Text as="h3" variant="headingSm">{t('modelCheck.churnTitle')}</Text>
              <div data-testid="model-check-churn">
                <DataTable
                  columnContentTypes={['text', 'numeric', 'numeric', 'numeric']}
                  headings={(['chance', 'customers', 'predicted', 'actual'] as const).map((c) => t(`modelCheck.churnColumns.${c}`))}
                  rows={backtest.figures.churn.calibration.map((b) => [b.bucket, formatNumber(b.customers), formatPercent(b.predicted), formatPercent(b.actual)])}
                />
              </div>
            </>
          )}
        </BlockStack>
      </div>
    </Section>
  );
}
