// Live customer names for the ids on screen (opt-in, Settings → Customer names). The names come from
// POST /api/customer-names (read from Shopify at that moment, Cache-Control: no-store) and live only in
// this component's state: never in storage, the URL or the CSV. Off, not approved or unavailable: the
// page shows ids, with a note saying why.
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Banner, BlockStack, Card, Checkbox, Layout, Text } from '@shopify/polaris';
import { api } from './api.ts';
import { useApi } from './useApi.ts';

export type LiveNamesStatus = 'loading' | 'off' | 'ok' | 'not-approved' | 'unavailable';
export interface LiveNames { status: LiveNamesStatus; names: Record<string, string> }

export function useLiveNames(ids: readonly string[]): LiveNames {
  const key = ids.join(',');
  const [state, setState] = useState<LiveNames>({ status: 'loading', names: {} });
  useEffect(() => {
    if (!key) return;
    let live = true;
    setState({ status: 'loading', names: {} });
    api<{ status: Exclude<LiveNamesStatus, 'loading'>; names: Record<string, string> }>('/customer-names', { method: 'POST', body: { ids: key.split(',') } })
      .then((r) => live && setState({ status: r.status, names: r.names }))
      .catch(() => live && setState({ status: 'unavailable', names: {} }));
    return () => {
      live = false;
    };
  }, [key]);
  return state;
}

/** What the page says about names: the app keeps none; shown live; or why not. */
export function LiveNamesNote({ status }: { status: LiveNamesStatus }) {
  const { t } = useTranslation();
  const text = status === 'ok' ? t('names.shown') : status === 'not-approved' ? t('names.notApproved') : status === 'unavailable' ? t('names.unavailable') : t('browser.noNames');
  return <Text as="p" tone="subdued"><span data-testid="live-names-note" data-status={status}>{text}</span></Text>;
}

/** Settings → Customer names: the opt-in, saved as it is switched. */
export function LiveNamesSetting() {
  const { t } = useTranslation();
  const loaded = useApi<{ enabled: boolean }>('/customer-names/setting');
  const [enabled, setEnabled] = useState<boolean | null>(null);
  const [failed, setFailed] = useState(false);
  const value = enabled ?? loaded.data?.enabled ?? false;
  const change = (next: boolean) => {
    setEnabled(next);
    setFailed(false);
    api<{ enabled: boolean }>('/customer-names/setting', { method: 'PUT', body: { enabled: next } })
      .then((r) => setEnabled(r.enabled))
      .catch(() => { setEnabled(!next); setFailed(true); });
  };
  return (
    <Layout.AnnotatedSection title={t('names.title')} description={t('names.help')}>
      <Card>
        <BlockStack gap="200">
          {failed && <Banner tone="critical">{t('names.saveFailed')}</Banner>}
          <Checkbox label={t('names.toggle')} checked={value} disabled={!loaded.data} onChange={change} helpText={t('names.toggleHelp')} />
        </BlockStack>
      </Card>
    </Layout.AnnotatedSection>
  );
}
