// Formatting for the one-line explanations a store owner reads ("VIP: 14 orders ≥ 9 and $2,310.00
// spent ≥ $1,480.00, thresholds of 2026-11-20"). Intl is pure computation, not I/O.

const formatters = new Map<string, { format: (n: number) => string; digits: number }>();

function formatterFor(currency: string): { format: (n: number) => string; digits: number } {
  let f = formatters.get(currency);
  if (f === undefined) {
    const nf = new Intl.NumberFormat('en-US', { style: 'currency', currency });
    f = { format: (n) => nf.format(n), digits: nf.resolvedOptions().maximumFractionDigits ?? 2 };
    formatters.set(currency, f);
  }
  return f;
}

/** Minor units → "$1,234.50" (JPY has no minor unit: "¥1,235"). */
export function formatMoney(minor: number, currency: string): string {
  const f = formatterFor(currency);
  return f.format(Math.round(minor) / 10 ** f.digits);
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function percent(p: number): string {
  return `${Math.round(p * 100)}%`;
}
