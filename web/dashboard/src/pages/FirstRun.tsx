// The Overview's first-run card: while a new store's history is read, its progress and the counts as
// they come in; what each family means with one example customer each; the three settings most owners
// change. Beside it, for a shop under the model minimums, which segments work now and what turns the
// predictive ones on. The card can be dismissed (remembered in this browser); the small-shop notice
// stays until the models are on.
import { useEffect, useState } from 'react';
import { Banner, BlockStack, Button, Card, InlineGrid, ProgressBar, Text } from '@shopify/polaris';
import { useTranslation } from 'react-i18next';
import { useApi } from '../useApi.ts';
import { formatNumber } from '../api.ts';
import { familyLabel, segmentLabel } from '../segment-names.ts';
import { explain, type ExplanationMsg } from '../explanations.ts';

interface FirstRunData {
  profiles: number;
  resync: { state: string; percent: number; customers: number; orders: number } | null;
  families: Array<{ family: string; customers: number; example: { customerId: string; segment: string; explanation: string; explanationMsg?: ExplanationMsg | null } | null }>;
  models: { usingModel: boolean; minBuyers: number; minRepeatBuyers: number; buyers: number; repeatBuyers: number; reason: string | null };
}

const DISMISSED = 'segments.firstRun.dismissed';
const running = (d: FirstRunData | null) => Boolean(d?.resync && !['completed', 'failed'].includes(d.resync.state));

function Backfill({ d }: { d: FirstRunData }) {
  const { t } = useTranslation();
  const r = d.resync;
  if (!r) return null;
  const counts = { customers: formatNumber(r.customers), orders: formatNumber(r.orders) };
  return (
    <BlockStack gap="100">
      <Text as="h3" variant="headingSm">{t('firstRun.backfill')}</Text>
      <div data-testid="first-run-progress" data-percent={r.percent}><ProgressBar progress={r.percent} size="small" ariaLabelledBy="first-run-progress-label" /></div>
      <Text as="p" tone="subdued"><span id="first-run-progress-label">{t(running(d) ? 'firstRun.backfillProgress' : 'firstRun.backfillDone', counts)}</span></Text>
    </BlockStack>
  );
}

function Families({ d, onOpenCustomer }: { d: FirstRunData; onOpenCustomer: (id: string) => void }) {
  const { t } = useTranslation();
  return (
    <BlockStack gap="200">
      <Text as="h3" variant="headingSm">{t('firstRun.families')}</Text>
      <InlineGrid columns={{ xs: 1, md: 2 }} gap="300">
        {d.families.map((f) => (
          <BlockStack key={f.family} gap="050">
            <Text as="p" fontWeight="semibold">{`${familyLabel(t, f.family)} · ${formatNumber(f.customers)}`}</Text>
            <Text as="p">{t(`familyMeanings.${f.family}`)}</Text>
            {f.example ? (
              <Text as="p" tone="subdued">
                <Button variant="plain" onClick={() => onOpenCustomer(f.example!.customerId)}>{f.example.customerId}</Button>
                {` — ${segmentLabel(t, f.family, f.example.segment)}: ${explain(f.example)}`}
              </Text>
            ) : <Text as="p" tone="subdued">{t('firstRun.noExample')}</Text>}
          </BlockStack>
        ))}
      </InlineGrid>
    </BlockStack>
  );
}

function CommonSettings({ onOpenSettings }: { onOpenSettings: () => void }) {
  const { t } = useTranslation();
  return (
    <BlockStack gap="100">
      <Text as="h3" variant="headingSm">{t('firstRun.settings')}</Text>
      <ol style={{ margin: 0, paddingInlineStart: 20 }}>
        <li>{t('firstRun.settingPrefix')}</li>
        <li>{t('firstRun.settingFamilies')}</li>
        <li>{t('firstRun.settingOrders')}</li>
      </ol>
      <div><Button onClick={onOpenSettings}>{t('firstRun.openSettings')}</Button></div>
    </BlockStack>
  );
}

export function SmallShopNotice({ m }: { m: FirstRunData['models'] }) {
  const { t } = useTranslation();
  if (m.usingModel) return null;
  return (
    <div data-testid="small-shop">
      <Banner tone="info" title={t('firstRun.tinyTitle')}>
        <p>{t('firstRun.worksNow')}</p>
        <p>{t('firstRun.waiting', { minBuyers: formatNumber(m.minBuyers), minRepeat: formatNumber(m.minRepeatBuyers), buyers: formatNumber(m.buyers), repeat: formatNumber(m.repeatBuyers) })}</p>
      </Banner>
    </div>
  );
}

export function FirstRun({ onOpenCustomer, onOpenSettings }: { onOpenCustomer: (id: string) => void; onOpenSettings: () => void }) {
  const { t } = useTranslation();
  const state = useApi<FirstRunData>('/first-run');
  const [dismissed, setDismissed] = useState(() => window.localStorage.getItem(DISMISSED) === '1');
  const d = state.data;
  // Counts come in while the history is read: poll every 2 s until the backfill is done.
  useEffect(() => {
    if (!running(d)) return;
    const id = window.setTimeout(state.reload, 2000);
    return () => window.clearTimeout(id);
  }, [d, state.reload]);
  if (!d) return null;
  const showCard = running(d) || d.profiles === 0 || !dismissed;
  return (
    <BlockStack gap="400">
      <SmallShopNotice m={d.models} />
      {showCard && (
        <Card>
          <div data-testid="first-run">
            <BlockStack gap="400">
              <Text as="h2" variant="headingMd">{t('firstRun.title')}</Text>
              <Backfill d={d} />
              <Families d={d} onOpenCustomer={onOpenCustomer} />
              <CommonSettings onOpenSettings={onOpenSettings} />
              <div><Button onClick={() => { window.localStorage.setItem(DISMISSED, '1'); setDismissed(true); }}>{t('firstRun.dismiss')}</Button></div>
            </BlockStack>
          </div>
        </Card>
      )}
    </BlockStack>
  );
}
