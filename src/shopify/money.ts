// Shopify sends money as decimal strings ("19.90"); the engine wants integer minor units. Parsing the
// digits (BigInt) avoids float error; the currency's exponent comes from ISO 4217 via Intl (JPY 0, KWD 3).
const exponents = new Map<string, number>();

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

/** "19.90" USD → 1990; "1000" JPY → 1000; extra digits round half away from zero. Throws on non-decimals. */
export function decimalToMinor(amount: string, currency: string): number {
  const m = /^\s*(-)?(\d*)(?:\.(\d*))?\s*$/.exec(amount);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new Error(`not a decimal amount: ${JSON.stringify(amount)}`);
  const exp = currencyExponent(currency);
  const whole = m[2] || '0';
  const frac = m[3] ?? '';
  const kept = frac.slice(0, exp).padEnd(exp, '0');
  let minor = BigInt(whole + kept);
  const next = frac.charCodeAt(exp);
  if (!Number.isNaN(next) && next >= 53 /* '5' */) minor += 1n;
  const n = Number(m[1] ? -minor : minor);
  if (!Number.isSafeInteger(n)) throw new Error('amount out of range');
  return n;
}
