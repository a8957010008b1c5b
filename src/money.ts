// Money arrives as decimal text — Shopify's Admin API and webhooks ("19.90"), order exports and the
// CDNOW log ("1,234.10") — and the app keeps integer minor units. One parser, exact (it reads digits,
// never floats: 0.29 stays 29), rounding half away from zero past the currency's exponent, which comes
// from ISO 4217 via Intl (JPY 0, USD 2, KWD 3). Two thin faces: importers count a bad amount as a bad
// row (null), the Shopify normalisers throw.

export type MinorUnitsResult = { ok: true; minor: number } | { ok: false; reason: 'not a decimal amount' | 'amount out of range' };

const exponents = new Map<string, number>();

/** Digits after the decimal point in the currency's minor unit; 2 for a code Intl does not know. */
export function currencyExponent(currency: string): number {
  const code = currency.toUpperCase();
  let e = exponents.get(code);
  if (e === undefined) {
    try {
      e = new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      e = 2;
    }
    exponents.set(code, e);
  }
  return e;
}

const SIMPLE = /^(\d+)\.(\d\d)$/;
const DECIMAL = /^\s*(-)?(\d*)(?:\.(\d*))?\s*$/;

/**
 * "11.77" → 1177 (exponent 2); "1000" → 1000 (exponent 0). With `commaGroups`, commas group
 * thousands ("1,234.10" → 123410, as exports write them); without, "12,00" is not an amount.
 */
export function parseMoney(text: string, exponent = 2, o: { commaGroups?: boolean } = {}): MinorUnitsResult {
  // Fast path for the common "123.45" shape.
  const simple = exponent === 2 ? SIMPLE.exec(text) : null;
  const m = simple ? null : DECIMAL.exec(o.commaGroups ? text.replace(/,/g, '') : text);
  if (!simple && (m === null || (m[2] === '' && (m[3] ?? '') === ''))) return { ok: false, reason: 'not a decimal amount' };
  const whole = Number(simple ? simple[1] : m![2] || '0');
  const frac = simple ? simple[2]! : (m![3] ?? '');
  const kept = Number(frac.slice(0, exponent).padEnd(exponent, '0') || '0');
  const roundUp = frac.length > exponent && frac.charCodeAt(exponent) >= 53 /* '5' */ ? 1 : 0;
  const value = whole * 10 ** exponent + kept + roundUp;
  // A value past 2^53 is not exact in a double; neither are its parts, but then the sum is not safe either.
  if (!Number.isSafeInteger(value)) return { ok: false, reason: 'amount out of range' };
  return { ok: true, minor: m?.[1] && value !== 0 ? -value : value };
}

/** Importers (commas group thousands): null for anything that is not an amount (the row is reported as bad). */
export function parseMinorUnits(text: string, exponent = 2): number | null {
  const r = parseMoney(text, exponent, { commaGroups: true });
  return r.ok ? r.minor : null;
}

/** Shopify amounts: "19.90" USD → 1990, "1000" JPY → 1000. Throws on anything that is not an amount. */
export function decimalToMinor(amount: string, currency: string): number {
  const r = parseMoney(amount, currencyExponent(currency));
  if (!r.ok) throw new Error(r.reason === 'not a decimal amount' ? `not a decimal amount: ${JSON.stringify(amount)}` : r.reason);
  return r.minor;
}
