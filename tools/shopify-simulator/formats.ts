// How Shopify writes ids, money and instants: GraphQL uses gids, decimal strings and UTC ISO;
// REST webhook payloads use numeric ids, decimal strings and the shop's local offset.

export function gid(type: string, id: string): string {
  return `gid://shopify/${type}/${id}`;
}

/** Parses `gid://shopify/Customer/123` → { type: 'Customer', id: '123' }; a bare numeric id → type undefined. */
export function parseGid(value: string): { type: string | undefined; id: string } | null {
  const m = /^gid:\/\/shopify\/([A-Za-z]+)\/(\d+)(\?.*)?$/.exec(value);
  if (m) return { type: m[1], id: m[2] as string };
  if (/^\d+$/.test(value)) return { type: undefined, id: value };
  return null;
}

/** Integer minor units → '12.50' (two decimals; the simulator only offers 2-decimal currencies). */
export function formatMoney(minor: number): string {
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** '12.5' | '12.50' | 12.5 → 1250. Rejects anything that is not a plain decimal. */
export function parseMoney(value: string | number): number {
  const s = typeof value === 'number' ? value.toFixed(2) : value.trim();
  const m = /^(-)?(\d+)(?:\.(\d{1,2}))?$/.exec(s);
  if (!m) throw new Error(`not a money amount: ${String(value)}`);
  const minor = Number(m[2]) * 100 + Number((m[3] ?? '0').padEnd(2, '0'));
  return m[1] ? -minor : minor;
}

/** GraphQL DateTime: UTC without milliseconds, e.g. 2026-01-02T03:04:05Z. */
export function isoUtc(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

/** REST/webhook timestamp in the shop's time zone: 2026-01-01T22:04:05-05:00. */
export function isoInZone(ms: number, timeZone: string): string {
  let fmt = offsetFormatters.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    offsetFormatters.set(timeZone, fmt);
  }
  const whole = Math.floor(ms / 1000) * 1000;
  const parts = Object.fromEntries(fmt.formatToParts(new Date(whole)).map((p) => [p.type, p.value]));
  const local = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  const offsetMin = Math.round((local - whole) / 60000);
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  const off = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}${off}`;
}

/**
 * JSON with numeric ids written as bare digits even past 2^53 (Shopify's REST payloads use numbers;
 * the simulator keeps ids as strings and only turns them into digits on the wire).
 */
export class JsonId {
  readonly digits: string;
  constructor(digits: string) {
    if (!/^\d+$/.test(digits)) throw new Error(`not a numeric id: ${digits}`);
    this.digits = digits;
  }
  toJSON(): string {
    return `\u0001id:${this.digits}\u0001`;
  }
}

export function stringifyWithIds(value: unknown): string {
  return JSON.stringify(value).replace(/"\\u0001id:(\d+)\\u0001"/g, '$1');
}
