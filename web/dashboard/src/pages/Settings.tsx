import { useEffect, useState } from 'react';
import { Banner, BlockStack, Button, Card, Checkbox, FormLayout, InlineStack, Layout, Text, TextField } from '@shopify/polaris';
import { DataTable } from '../DataTable.tsx';
import { api, ApiError } from '../api.ts';
import { useApi } from '../useApi.ts';
import type { PreviewJob, SettingsPreview } from '../types.ts';
import { useTranslation } from 'react-i18next';
import { FAMILIES } from './Overview.tsx';
import { familyLabel } from '../segment-names.ts';
import { formatNumber } from '../api.ts';
import { i18next } from '../i18n/index.ts';
import { Loading } from './Loading.tsx';
import { Signals } from './Signals.tsx';
import { LiveNamesSetting } from '../live-names.tsx';

type Settings = Record<string, unknown>;
type Path = readonly [string, string] | readonly [string];

function getAt(s: Settings, path: Path): unknown {
  return path.length === 1 ? s[path[0]] : (s[path[0]] as Settings | undefined)?.[path[1]];
}
function setAt(s: Settings, path: Path, value: unknown): Settings {
  if (path.length === 1) return { ...s, [path[0]]: value };
  return { ...s, [path[0]]: { ...(s[path[0]] as Settings), [path[1]]: value } };
}

// Labels and help texts: settings.fields.<last path part> and settings.exclusions.<key> in the catalogues.
const NUMBER_FIELDS: Path[] = [
  ['loyalty', 'frequentOrdersPercentile'],
  ['loyalty', 'vipOrdersPercentile'],
  ['loyalty', 'vipSpendPercentile'],
  ['rfm', 'engagedEmailClickDays'],
  ['rfm', 'engagedVisitDays'],
  ['behaviour', 'dormantDays'],
  ['behaviour', 'newCustomerDays'],
  ['churn', 'horizonDays'],
  ['replenishment', 'windowDays'],
];
const EXCLUSIONS = ['zeroValue', 'pos', 'draft', 'b2b'] as const;

/** One row per tag: customers it would be added to and removed from, biggest change first. */
function tagChangeRows(p: SettingsPreview): Array<[string, number, number]> {
  const rows = new Map<string, [string, number, number]>();
  for (const t of p.tagsAdded) rows.set(t.tag, [t.tag, t.customers, 0]);
  for (const t of p.tagsRemoved) rows.set(t.tag, [t.tag, rows.get(t.tag)?.[1] ?? 0, t.customers]);
  return [...rows.values()].sort((a, b) => b[1] + b[2] - (a[1] + a[2]) || a[0].localeCompare(b[0])).slice(0, 40);
}

/** Starts the dry run (a job in a worker) and polls it until it is done; another one of this shop runs first. */
async function runPreview(settings: unknown): Promise<SettingsPreview> {
  for (;;) {
    let job = await api<PreviewJob>('/settings/preview', { method: 'POST', body: { settings } });
    const busy = job.busy === true;
    while (job.state !== 'completed' && job.state !== 'failed') {
      await new Promise((r) => setTimeout(r, 1000));
      job = await api<PreviewJob>(`/settings/preview/${encodeURIComponent(job.jobId)}`);
    }
    if (job.state === 'failed') throw new Error(i18next.t('settings.previewFailed', { reason: job.failedReason ?? '?' }));
    if (!busy && job.result) return job.result;
  }
}

type Update = (path: Path, value: unknown) => void;

function Issues({ issues }: { issues: string[] }) {
  const { t } = useTranslation();
  return (
    <Layout.Section>
      <Banner tone="critical" title={t('settings.invalid')}>
        <ul data-testid="settings-issues">{issues.map((i) => <li key={i}>{i}</li>)}</ul>
      </Banner>
    </Layout.Section>
  );
}

function TagsAndFamilies({ form, update }: { form: Settings; update: Update }) {
  const { t } = useTranslation();
  const families = form.families as Record<string, boolean>;
  return (
    <>
      <Layout.AnnotatedSection title={t('settings.tags')} description={t('settings.tagsHelp')}>
        <Card>
          <TextField label={t('settings.tagPrefix')} value={String(form.tagPrefix ?? '')} onChange={(v) => update(['tagPrefix'], v)} autoComplete="off" />
        </Card>
      </Layout.AnnotatedSection>
      <Layout.AnnotatedSection title={t('settings.families')} description={t('settings.familiesHelp')}>
        <Card>
          <BlockStack gap="100">
            {FAMILIES.map((f) => (
              <Checkbox key={f} label={familyLabel(t, f)} checked={Boolean(families[f])} onChange={(v) => update(['families', f], v)} />
            ))}
          </BlockStack>
        </Card>
      </Layout.AnnotatedSection>
    </>
  );
}

function OrdersAndWindows({ form, update }: { form: Settings; update: Update }) {
  const { t } = useTranslation();
  const exclusions = form.orderExclusions as Record<string, unknown>;
  return (
    <>
      <Layout.AnnotatedSection title={t('settings.orders')} description={t('settings.ordersHelp')}>
        <Card>
          <BlockStack gap="100">
            {EXCLUSIONS.map((x) => (
              <Checkbox key={x} label={t('settings.ignore', { what: t(`settings.exclusions.${x}`) })} checked={Boolean(exclusions[x])} onChange={(v) => update(['orderExclusions', x], v)} />
            ))}
            <TextField label={t('settings.ignoreTagged')} value={String(exclusions.tag ?? '')} onChange={(v) => update(['orderExclusions', 'tag'], v.trim() === '' ? null : v)} autoComplete="off" placeholder={t('settings.ignoreTaggedPlaceholder')} />
          </BlockStack>
        </Card>
      </Layout.AnnotatedSection>
      <Layout.AnnotatedSection title={t('settings.windows')} description={t('settings.windowsHelp')}>
        <Card>
          <FormLayout>
            {NUMBER_FIELDS.map((path) => (
              <TextField
                key={path.join('.')}
                label={t(`settings.fields.${path[path.length - 1]}.label`)}
                helpText={t(`settings.fields.${path[path.length - 1]}.help`)}
                type="number"
                value={String(getAt(form, path) ?? '')}
                onChange={(v) => update(path, v === '' ? null : Number(v))}
                autoComplete="off"
              />
            ))}
          </FormLayout>
        </Card>
      </Layout.AnnotatedSection>
    </>
  );
}

function PreviewResult({ result }: { result: SettingsPreview }) {
  const { t } = useTranslation();
  return (
    <div data-testid="settings-preview">
      <BlockStack gap="200">
        <Text as="p">
          <strong data-testid="preview-would-change">{formatNumber(result.wouldChange)}</strong> {t('settings.wouldChange', { customers: formatNumber(result.customers) })}
        </Text>
        {(result.tagsAdded.length > 0 || result.tagsRemoved.length > 0) && (
          <DataTable columnContentTypes={['text', 'numeric', 'numeric']} headings={(['tag', 'added', 'removed'] as const).map((c) => t(`settings.tagColumns.${c}`))} rows={tagChangeRows(result)} />
        )}
        {result.prefix.changed && result.prefix.captured.length > 0 && (
          <Text as="p" tone="critical" data-testid="preview-captured-tags">
            {t('settings.captured', { prefix: result.prefix.to, n: formatNumber(result.prefix.captured.length), list: result.prefix.captured.slice(0, 10).join(', ') })}
          </Text>
        )}
      </BlockStack>
    </div>
  );
}

function PreviewAndSave({ preview, previewed, busy, onRun }: { preview: SettingsPreview | null; previewed: boolean; busy: 'preview' | 'save' | null; onRun: (what: 'preview' | 'save') => void }) {
  const { t } = useTranslation();
  return (
    <Layout.Section>
      <Card>
        <BlockStack gap="300">
          <Text as="h2" variant="headingMd">{t('settings.previewTitle')}</Text>
          {preview && previewed && <PreviewResult result={preview} />}
          {!previewed && <Text as="p" tone="subdued">{t('settings.previewHelp')}</Text>}
          <InlineStack gap="200">
            <Button onClick={() => onRun('preview')} loading={busy === 'preview'}>{t('settings.preview')}</Button>
            <Button variant="primary" onClick={() => onRun('save')} loading={busy === 'save'} disabled={!previewed}>{t('settings.save')}</Button>
          </InlineStack>
        </BlockStack>
      </Card>
    </Layout.Section>
  );
}

export function Settings() {
  const { t } = useTranslation();
  const loaded = useApi<{ settings: Settings }>('/settings');
  const [form, setForm] = useState<Settings | null>(null);
  const [preview, setPreview] = useState<{ for: string; result: SettingsPreview } | null>(null);
  const [issues, setIssues] = useState<string[]>([]);
  const [busy, setBusy] = useState<'preview' | 'save' | null>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (loaded.data) setForm(loaded.data.settings);
  }, [loaded.data]);
  if (!form) return <Loading state={loaded} />;

  const key = JSON.stringify(form);
  const previewed = preview?.for === key;
  const update: Update = (path, value) => {
    setSaved(false);
    setForm((f) => (f ? setAt(f, path, value) : f));
  };
  const run = async (what: 'preview' | 'save') => {
    setBusy(what);
    setIssues([]);
    try {
      if (what === 'preview') setPreview({ for: key, result: await runPreview(form) });
      else {
        await api('/settings', { method: 'PUT', body: { settings: form } });
        setSaved(true);
      }
    } catch (e) {
      setIssues(e instanceof ApiError && Array.isArray((e.body as { issues?: unknown })?.issues) ? (e.body as { issues: string[] }).issues : [e instanceof Error ? e.message : String(e)]);
    } finally {
      setBusy(null);
    }
  };
  return (
    <Layout>
      {issues.length > 0 && <Issues issues={issues} />}
      {saved && <Layout.Section><Banner tone="success" title={t('settings.saved')}>{t('settings.savedBody')}</Banner></Layout.Section>}
      <TagsAndFamilies form={form} update={update} />
      <OrdersAndWindows form={form} update={update} />
      <PreviewAndSave preview={preview?.result ?? null} previewed={previewed} busy={busy} onRun={(what) => void run(what)} />
      <LiveNamesSetting />
      <Signals />
    </Layout>
  );
}
