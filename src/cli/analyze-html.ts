// `segments analyze … --report report.html`: one self-contained HTML page a store owner can open
// offline (inline CSS and SVG, no script, no font or image to fetch; a Content-Security-Policy
// forbids the page any request): the segment families as bar charts with labels, counts and shares,
// the RFM Recency × Frequency heatmap (as on the dashboard), replenishment intervals, the thresholds
// in words, the models and an example explanation per segment. No personal data: customers are
// counted, never named.
import { FAMILIES, SEGMENT_DEFINITIONS } from '../segments/index.ts';
import { formatMoney } from '../segments/explain.ts';
import { activeFit } from '../segments/predictions.ts';
import { identityInWords, thresholdsInWords } from './analyze-report.ts';
import type { AnalyzeReport } from './analyze-report.ts';

const esc = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const int = (n: number): string => n.toLocaleString('en-US');
const COLOURS: Record<string, string> = { loyalty: '#2c6ecb', rfm: '#47c1bf', churn: '#de3618', value: '#50b83c', replenishment: '#9c6ade', behaviour: '#f49342' };

/** What one pass over the customers collects for the page: the R×F grid and an example explanation per segment. */
interface ProfileDigest {
  /** counts[r-1][f-1] */
  rf: number[][];
  examples: Map<string, string>;
}

function digest(r: AnalyzeReport): ProfileDigest {
  const rf = Array.from({ length: 5 }, () => [0, 0, 0, 0, 0]);
  const examples = new Map<string, string>();
  for (const p of r.analysis.profiles) {
    const s = p.metrics.rfm;
    if (s) rf[s.r - 1]![s.f - 1]!++;
    for (const m of p.memberships) if (!examples.has(`${m.family}/${m.segment}`) && m.explanation) examples.set(`${m.family}/${m.segment}`, m.explanation);
  }
  return { rf, examples };
}

function bars(r: AnalyzeReport, family: string, examples: Map<string, string>): string {
  const c = r.analysis.calibration;
  const defs = SEGMENT_DEFINITIONS.filter((d) => d.family === family);
  const counts = r.analysis.counts[family as keyof typeof r.analysis.counts] ?? {};
  const rowH = 26;
  const labelW = 170;
  const barW = 360;
  const rows = defs.map((d, i) => {
    const n = counts[d.segment] ?? 0;
    const share = c.customers ? n / c.customers : 0;
    const y = i * rowH;
    return `<g data-segment="${esc(d.segment)}" data-count="${n}"><title>${esc(d.meaning)}</title>
<text x="${labelW - 8}" y="${y + 17}" text-anchor="end">${esc(d.label)}</text>
<rect x="${labelW}" y="${y + 4}" width="${Math.max(1, share * barW).toFixed(1)}" height="${rowH - 8}" rx="3" fill="${COLOURS[family] ?? '#2c6ecb'}"/>
<text x="${labelW + barW + 8}" y="${y + 17}">${int(n)} · ${(100 * share).toFixed(1)}%</text></g>`;
  });
  const svg = `<svg role="img" aria-label="${esc(family)} segments" viewBox="0 0 ${labelW + barW + 120} ${defs.length * rowH}" width="100%" style="max-width:${labelW + barW + 120}px">${rows.join('\n')}</svg>`;
  const list = defs
    .filter((d) => examples.has(`${d.family}/${d.segment}`))
    .map((d) => `<li><b>${esc(d.label)}</b> (<code>${esc(r.settings.tagPrefix + d.tagSuffix)}</code>): ${esc(d.meaning)} <i>For example: ${esc(examples.get(`${d.family}/${d.segment}`)!)}</i></li>`);
  return `<section data-testid="family-${esc(family)}"><h2>${esc(familyTitle(family))}</h2>${svg}${list.length ? `<ul class="why">${list.join('')}</ul>` : ''}</section>`;
}

function familyTitle(family: string): string {
  return (
    { loyalty: 'Loyalty groups', rfm: 'RFM segments', churn: 'Churn risk', value: 'Value tiers (predicted 12-month value)', replenishment: 'Replenishment', behaviour: 'Behaviour' } as Record<string, string>
  )[family] ?? family;
}

/** The 5×5 Recency × Frequency grid: rows R5 (most recent) to R1, columns F1 to F5 (the dashboard's Heatmap). */
function heatmap(rf: number[][]): string {
  const max = Math.max(1, ...rf.flat());
  const cell = 64;
  const pad = 40;
  const size = pad + cell * 5;
  const out: string[] = [];
  [5, 4, 3, 2, 1].forEach((r, ri) => {
    for (let f = 1; f <= 5; f++) {
      const n = rf[r - 1]![f - 1]!;
      const t = n / max;
      out.push(
        `<g data-r="${r}" data-f="${f}" data-count="${n}"><rect x="${pad + (f - 1) * cell}" y="${ri * cell}" width="${cell - 2}" height="${cell - 2}" rx="4" fill="rgba(44,110,203,${(0.08 + 0.92 * t).toFixed(3)})"/>` +
          `<text x="${pad + (f - 1) * cell + cell / 2 - 1}" y="${ri * cell + cell / 2 + 4}" text-anchor="middle" fill="${t > 0.55 ? '#fff' : '#202223'}">${int(n)}</text></g>`,
      );
    }
    out.push(`<text x="${pad - 8}" y="${ri * cell + cell / 2 + 4}" text-anchor="end" class="axis">R${r}</text>`);
  });
  for (let f = 1; f <= 5; f++) out.push(`<text x="${pad + (f - 1) * cell + cell / 2}" y="${5 * cell + 16}" text-anchor="middle" class="axis">F${f}</text>`);
  return `<svg data-testid="rfm-heatmap" role="img" aria-label="customers by recency and frequency score" viewBox="0 0 ${size + 8} ${size + 24}" width="100%" style="max-width:${size + 8}px">${out.join('')}</svg>`;
}

function modelsInWords(r: AnalyzeReport): string[] {
  const m = r.analysis.calibration.models;
  const money = (minor: number): string => formatMoney(minor, r.settings.currency);
  const out: string[] = [];
  const bg = activeFit(m);
  if (bg) {
    out.push(`Purchases are modelled with ${m.method === 'mbgnbd' ? 'MBG/NBD' : 'BG/NBD'} (chosen for this shop), fitted on ${int(bg.n)} buyers in ${bg.timeUnit}: r = ${bg.r.toPrecision(3)}, α = ${bg.alpha.toPrecision(3)}, a = ${bg.a.toPrecision(3)}, b = ${bg.b.toPrecision(3)}; log-likelihood ${bg.logLikelihood.toFixed(1)}${bg.converged ? '' : ' (did not converge)'}.`);
  } else out.push(`No purchase model yet (${m.fallbackReason ?? 'cadence fallback'}): churn is judged by the typical interval between orders, ${m.typicalIntervalDays.toFixed(1)} days.`);
  const gg = m.gammaGamma;
  if (gg) out.push(`Order values are modelled with Gamma-Gamma on ${int(gg.n)} repeat buyers: p = ${gg.p.toPrecision(3)}, q = ${gg.q.toPrecision(3)}, γ = ${gg.gamma.toPrecision(3)} (${money(gg.gamma)}); log-likelihood ${gg.logLikelihood.toFixed(1)}.`);
  else out.push(`Order values: ${m.gammaGammaFallbackReason ?? 'each customer’s own average'}.`);
  return out;
}

const CSS = `body{font:15px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#202223;background:#f6f6f7;margin:0}
main{max-width:980px;margin:0 auto;padding:24px}
header,section{background:#fff;border-radius:12px;box-shadow:0 1px 2px rgba(0,0,0,.08);padding:16px 24px;margin:0 0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:0 0 12px}
.kpis{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0 0}.kpi{background:#f1f2f4;border-radius:8px;padding:8px 14px}.kpi b{display:block;font-size:20px}
svg text{font-size:13px;fill:#202223}svg .axis{fill:#616161;font-size:12px}
ul.why{font-size:13px;color:#444;padding-left:18px}ul.why i{color:#616161}
table{border-collapse:collapse}td,th{padding:4px 12px 4px 0;text-align:left}td.n{text-align:right}
footer{color:#616161;font-size:12px;text-align:center}`;

export function analysisHtml(r: AnalyzeReport): string {
  const c = r.analysis.calibration;
  const { rf, examples } = digest(r);
  const money = (minor: number): string => formatMoney(minor, r.settings.currency);
  const identity = identityInWords(r.imported);
  const families = FAMILIES.filter((f) => Object.values(r.analysis.counts[f] ?? {}).some((n) => n > 0));
  const products = c.replenishment.products;
  const name = r.file.split(/[\\/]/).pop() ?? r.file;
  const body = [
    `<header data-testid="summary"><h1>Customer segments of ${esc(name)}</h1><div>As of ${esc(c.date)} · ${esc(r.format === 'shopify' ? 'Shopify orders export' : 'CDNOW log')}${identity ? ` · ${esc(identity)}` : ''}</div>
<div class="kpis"><div class="kpi"><b>${int(c.buyers)}</b>customers with orders</div><div class="kpi"><b>${int(c.orders)}</b>orders counted</div><div class="kpi"><b>${int(c.ignoredOrders)}</b>orders excluded</div><div class="kpi"><b>${int(r.imported.badRows.length)}</b>bad rows skipped</div></div></header>`,
    ...families.filter((f) => f === 'loyalty').map((f) => bars(r, f, examples)),
    `<section data-testid="rfm"><h2>RFM: customers by recency (R) and frequency (F) score</h2>${heatmap(rf)}</section>`,
    ...families.filter((f) => f !== 'loyalty').map((f) => bars(r, f, examples)),
    `<section data-testid="replenishment"><h2>Replenishment intervals per product</h2>${
      products.length === 0
        ? '<p>No product is bought again often enough to learn a reorder interval.</p>'
        : `<table><tr><th>Product</th><th>Reordered every</th><th>Learned from</th></tr>${products
            .slice(0, 50)
            .map((p) => `<tr><td>${esc(p.product)}</td><td class="n">${int(p.intervalDays)} days</td><td class="n">${int(p.customers)} customers</td></tr>`)
            .join('')}</table>${products.length > 50 ? `<p>… and ${products.length - 50} more (--json lists them all).</p>` : ''}`
    }</section>`,
    `<section data-testid="thresholds"><h2>Thresholds, learned from this file</h2><ul>${thresholdsInWords(r, money)
      .filter((l) => !l.startsWith('  ') && !l.endsWith(':'))
      .map((l) => `<li>${esc(l)}</li>`)
      .join('')}</ul></section>`,
    `<section data-testid="models"><h2>The models</h2>${modelsInWords(r)
      .map((l) => `<p>${esc(l)}</p>`)
      .join('')}</section>`,
    `<footer>Written by <code>segments analyze</code> on this computer; no data left it. E-mails and phone numbers were hashed as they were read and appear nowhere here.</footer>`,
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Customer segments · ${esc(name)}</title><style>${CSS}</style></head>
<body><main>
${body.join('\n')}
</main></body></html>
`;
}
