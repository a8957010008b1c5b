import { useEffect, useState } from 'react';
import { Banner, BlockStack, Button, Card, Checkbox, FormLayout, InlineStack, Layout, Text, TextField } from '@shopify/polaris';
import { DataTable } from '../DataTable.tsx';
import { api, ApiError } from '../api.ts';
import { useApi } from '../useApi.ts';
import type { PreviewJob, SettingsPreview } from '../types.ts';
import { useTranslation } from 'react-i18next';
import { FAMILIES } from './Overview.tsx';
import { familyLabel } from '../segment-names.ts';
import { Loading } from './Loading.tsx';
import { Signals } from './Signals.tsx';

type Settings = Record<string, unknown>;
type Path = readonly [string, string] | readonly [string];

function getAt(s: Settings, path: Path): unknown {
  return path.length === 1 ? s[path[0]] : (s[path[0]] as Settings | undefined)?.[path[1]];
}
function setAt(s: Settings, path: Path, value: unknown): Settings {
  if (path.length === 1) return { ...s, [path[0]]: value };
  return { ...s, [path[0]]: { ...(s[path[0]] as Settings), [path[1]]: value } };
}

const NUMBER_FIELDS: Array<{ path: Path; label: string; help: string }> = [
  { path: ['loyalty', 'frequentOrdersPercentile'], label: 'Frequent Buyer percentile', help: 'Share of repeat buyers with fewer orders than a Frequent Buyer (0–1).' },
  { path: ['loyalty', 'vipOrdersPercentile'], label: 'VIP orders percentile', help: 'VIPs order at least this percentile of repeat buyers (0–1).' },
  { path: ['loyalty', 'vipSpendPercentile'], label: 'VIP spend percentile', help: 'VIPs spend at least this percentile of all buyers (0–1).' },
  { path: ['rfm', 'engagedEmailClickDays'], label: 'Engaged: email click within (days)', help: 'Lost customers who clicked an email this recently are "Lost but Engaged".' },
  { path: ['rfm', 'engagedVisitDays'], label: 'Engaged: visit within (days)', help: 'Or visited the store this recently.' },
  { path: ['behaviour', 'dormantDays'], label: 'Dormant after (days)', help: 'No order for this many days.' },
  { path: ['behaviour', 'newCustomerDays'], label: 'New customer for (days)', help: 'First order within this many days.' },
  { path: ['churn', 'horizonDays'], label: 'Churn horizon (days)', help: 'Churn risk = probability of no order within this many days.' },
  { path: ['replenishment', 'windowDays'], label: 'Replenishment window (days)', help: 'Due when a reorder is expected within this many days.' },
];
const EXCLUSIONS: Array<{ key: string; label: string }> = [
  { key: 'zeroValue', label: 'Zero-value orders (free samples, 100 % discounts)' },
  { key: 'pos', label: 'Point-of-sale orders' },
  { key: 'draft', label: 'Orders created from draft orders' },
  { key: 'b2b', label: 'B2B orders' },
];

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
    if (job.state === 'failed') throw new Error(`The preview failed: ${job.failedReason ?? 'unknown reason'}`);
    if (!busy && job.result) return job.result;
  }
}

type Update = (path: Path, value: unknown) => void;

function Issues({ issues }: { issues: string[] }) {
  return (
    <Layout.Section>
      <Banner tone="critical" title="These settings are not valid">
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
      <Layout.AnnotatedSection title="Tags" description="Every tag the app writes starts with this prefix. Tags without it are yours and are never touched.">
        <Card>
          <TextField label="Tag prefix" value={String(form.tagPrefix ?? '')} onChange={(v) => update(['tagPrefix'], v)} autoComplete="off" />
        </Card>
      </Layout.AnnotatedSection>
      <Layout.AnnotatedSection title="Segment families" description="Switch off a family to remove its tags.">
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
  const exclusions = form.orderExclusions as Record<string, unknown>;
  return (
    <>
      <Layout.AnnotatedSection title="Orders that count" description="Test, cancelled, voided and fully refunded orders never count.">
        <Card>
          <BlockStack gap="100">
            {EXCLUSIONS.map((x) => (
              <Checkbox key={x.key} label={`Ignore: ${x.label}`} checked={Boolean(exclusions[x.key])} onChange={(v) => update(['orderExclusions', x.key], v)} />
            ))}
            <TextField label="Ignore orders tagged" value={String(exclusions.tag ?? '')} onChange={(v) => update(['orderExclusions', 'tag'], v.trim() === '' ? null : v)} autoComplete="off" placeholder="e.g. wholesale" />
          </BlockStack>
        </Card>
      </Layout.AnnotatedSection>
      <Layout.AnnotatedSection title="Windows and percentiles" description="Thresholds follow your customer base; these set where they fall. Recalculated nightly at 03:00 shop time and after every resync.">
        <Card>
          <FormLayout>
            {NUMBER_FIELDS.map((f) => (
              <TextField
                key={f.path.join('.')}
                label={f.label}
                helpText={f.help}
                type="number"
                value={String(getAt(form, f.path) ?? '')}
                onChange={(v) => update(f.path, v === '' ? null : Number(v))}
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
  return (
    <div data-testid="settings-preview">
      <BlockStack gap="200">
        <Text as="p">
          <strong data-testid="preview-would-change">{result.wouldChange.toLocaleString('en-US')}</strong> of {result.customers.toLocaleString('en-US')} customers would change tags.
        </Text>
        {(result.tagsAdded.length > 0 || result.tagsRemoved.length > 0) && (
          <DataTable columnContentTypes={['text', 'numeric', 'numeric']} headings={['Tag', 'Added to', 'Removed from']} rows={tagChangeRows(result)} />
        )}
        {result.prefix.changed && result.prefix.captured.length > 0 && (
          <Text as="p" tone="critical" data-testid="preview-captured-tags">
            The prefix “{result.prefix.to}” would capture {result.prefix.captured.length} of your own customer tags ({result.prefix.captured.slice(0, 10).join(', ')}): the next sync would remove them. Choose another prefix; saving is refused.
          </Text>
        )}
      </BlockStack>
    </div>
  );
}

function PreviewAndSave({ preview, previewed, busy, onRun }: { preview: SettingsPreview | null; previewed: boolean; busy: 'preview' | 'save' | null; onRun: (what: 'preview' | 'save') => void }) {
  return (
    <Layout.Section>
      <Card>
        <BlockStack gap="300">
          <Text as="h2" variant="headingMd">Preview, then save</Text>
          {preview && previewed && <PreviewResult result={preview} />}
          {!previewed && <Text as="p" tone="subdued">Preview how many customers would change tags before saving.</Text>}
          <InlineStack gap="200">
            <Button onClick={() => onRun('preview')} loading={busy === 'preview'}>Preview changes</Button>
            <Button variant="primary" onClick={() => onRun('save')} loading={busy === 'save'} disabled={!previewed}>Save</Button>
          </InlineStack>
        </BlockStack>
      </Card>
    </Layout.Section>
  );
}

export function Settings() {
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
      {saved && <Layout.Section><Banner tone="success" title="Settings saved">Thresholds are being recalculated; tags follow within minutes.</Banner></Layout.Section>}
      <TagsAndFamilies form={form} update={update} />
      <OrdersAndWindows form={form} update={update} />
      <PreviewAndSave preview={preview?.result ?? null} previewed={previewed} busy={busy} onRun={(what) => void run(what)} />
      <Signals />
    </Layout>
  );
}
