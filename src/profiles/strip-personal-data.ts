// Removes personal fields (contact details, names, addresses, IPs, notes) from a webhook payload at any
// depth, so what support keeps for inspection holds ids, amounts and structure only.
const PERSONAL_KEYS = new Set([
  'email', 'contact_email', 'customer_email', 'phone', 'sms_marketing_phone', 'first_name', 'last_name', 'name',
  'firstName', 'lastName', 'displayName', 'address', 'address1', 'address2', 'addresses', 'billing_address',
  'shipping_address', 'default_address', 'city', 'zip', 'province', 'province_code', 'latitude', 'longitude',
  'company', 'note', 'note_attributes', 'browser_ip', 'client_details', 'landing_site', 'referring_site',
  'customer_locale', 'user_agent', 'device_id', 'shipping_lines', 'tax_lines',
]);

export function stripPersonalData(value: unknown, depth = 0): unknown {
  if (depth > 20) return '[too deep]';
  if (Array.isArray(value)) return value.map((v) => stripPersonalData(v, depth + 1));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = PERSONAL_KEYS.has(k) ? (v === null ? null : '[removed]') : stripPersonalData(v, depth + 1);
    }
    return out;
  }
  return value;
}
