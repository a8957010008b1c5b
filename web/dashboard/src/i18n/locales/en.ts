// English: the source catalogue. Every other language has the same keys (typed as `Catalogue`, and
// test/web/i18n-catalogue.test.ts fails on a missing or extra key). Segment labels and meanings live
// under `segments.<family>.<segment>`, family names under `families`: a new family adds its entries
// here and in each language. Tags are never translated (a public interface email tools filter on).
// Interpolation: {{name}}; numbers arrive already formatted for the language (Intl), so no plural keys.
export const en = {
  app: {
    title: 'Customer segments — {{page}}',
    demo: 'demo',
    pages: { overview: 'Overview', thresholds: 'Thresholds', 'bright-spots': 'Bright spots', customers: 'Customer lookup', settings: 'Settings', sync: 'Sync', segment: 'Segment' },
    reauthTitle: 'Tag updates are paused',
    reauthAction: 'Reconnect',
    reauthBody: "Shopify stopped accepting this app's access to your store on {{date}}. Opening the app from your Shopify admin reconnects it; nothing is lost, and queued updates resume then.",
    loadFailed: 'Could not load this page',
    tryAgain: 'Try again',
    language: 'Language',
  },
  families: {
    loyalty: 'Loyalty groups', rfm: 'RFM segments', churn: 'Churn risk', value: 'Predicted value', replenishment: 'Replenishment', behaviour: 'Behaviour', 'rfm-cell': 'RFM grid cell',
  },
  overview: {
    customers: 'Customers with a profile',
    revenue: 'Revenue counted',
    scored: 'Scored by RFM',
    heatmapTitle: 'RFM grid: recency × frequency',
    heatmapHelp: 'Customers per cell; R5 = bought most recently, F5 = buys most often (quintiles within your shop). Select a cell to see its customers.',
    barsHelp: 'Select a segment to see its customers.',
    revenueShare: 'Revenue share',
    family: 'Family',
    sizesTitle: 'Segment sizes over time (90 days)',
    openCell: 'R{{r}} F{{f}}: {{count}} customers — show them',
  },
  browser: {
    back: 'Back to the Overview',
    title: '{{segment}} ({{family}})',
    cellTitle: 'RFM cell R{{r}} F{{f}}',
    total: 'Customers in this segment: {{formatted}}',
    empty: 'No customers in this segment right now.',
    sortBy: 'Sort by',
    direction: 'Order',
    desc: 'Highest first',
    asc: 'Lowest first',
    sorts: { spend: 'Total spend', orders: 'Orders', lastOrder: 'Last order', churn: 'Churn probability', clv: '12-month value' },
    columns: { customer: 'Shopify customer id', orders: 'Orders', spend: 'Total spend', lastOrder: 'Last order', churn: 'Churn probability', clv: '12-month value', why: 'Why', shopify: 'Shopify' },
    openCustomer: 'Open customer {{id}}',
    openInShopify: 'Open in Shopify',
    openInShopifyLabel: 'Open customer {{id}} in Shopify (new tab)',
    previous: 'Previous page',
    next: 'Next page',
    pageOf: 'Page {{page}}',
    exportCsv: 'Export CSV',
    noNames: 'The app keeps no names or e-mail addresses: each row links to the customer in your Shopify admin.',
  },
  firstRun: {
    title: 'Welcome — here is what is happening',
    backfill: 'Reading your store history',
    backfillProgress: '{{customers}} customers and {{orders}} orders read so far',
    backfillDone: 'History read: {{customers}} customers, {{orders}} orders.',
    families: 'What each family means',
    example: 'For example customer {{id}}: {{why}}',
    noExample: 'No customer here yet.',
    settings: 'The three settings most owners change',
    settingPrefix: 'Tag prefix: the start of every tag the app writes (default "seg-").',
    settingFamilies: 'Families on or off: switch off what your e-mail flows do not use.',
    settingOrders: 'Which orders count: leave out POS, draft or B2B orders if they are not typical customers.',
    openSettings: 'Open Settings',
    tinyTitle: 'Your shop is still small: some segments already work, the predictive ones wait',
    worksNow: 'Working now: loyalty groups, RFM segments, replenishment and behaviour segments.',
    waiting: 'Churn risk and predicted value use a statistical model once the shop has at least {{minBuyers}} buyers and {{minRepeat}} repeat buyers (now {{buyers}} and {{repeat}}). Until then they follow a simple cadence rule.',
    dismiss: 'Got it',
  },
  segments: {
    loyalty: {
      'one-time-buyer': { label: 'One Time Buyer', meaning: 'Exactly one counted order.' },
      'loyal-customer': { label: 'Loyal Customer', meaning: 'Two or more counted orders.' },
      'frequent-buyer': { label: 'Frequent Buyer', meaning: "Order count at or above the shop's adaptive frequent threshold." },
      vip: { label: 'VIP', meaning: "Order count and total spend both at or above the shop's adaptive VIP thresholds." },
    },
    rfm: {
      champions: { label: 'Champions', meaning: 'Bought very recently, buy often and spend the most.' },
      'loyal-customers': { label: 'Loyal Customers', meaning: 'Order regularly and spend a lot; room to grow.' },
      'potential-loyalist': { label: 'Potential Loyalist', meaning: 'Several recent purchases, still low value.' },
      'new-customers': { label: 'New Customers', meaning: 'First order very recently, modest value so far.' },
      promising: { label: 'Promising', meaning: 'Recent first or second order of above-average value, no follow-up yet.' },
      'needs-attention': { label: 'Needs Attention', meaning: 'Value too high for Potential Loyalists, too low for Loyal; recency slipping.' },
      'about-to-sleep': { label: 'About to Sleep', meaning: 'Ordered some time ago, low value.' },
      'at-risk': { label: 'At Risk', meaning: 'Ordered often and spent much, but long ago.' },
      'cant-lose-them': { label: "Can't Lose Them", meaning: 'Top frequency and spend, but long ago (losing VIPs).' },
      hibernating: { label: 'Hibernating', meaning: 'Low scores throughout: some time ago, one order, little spent.' },
      lost: { label: 'Lost', meaning: 'Longest gone, low value or frequency collapsed.' },
      'lost-but-engaged': { label: 'Lost but Engaged', meaning: 'Lost by RFM, but clicked an email or visited the store recently.' },
      prospects: { label: 'Prospects', meaning: 'A customer record with no counted order yet.' },
    },
    churn: {
      'churn-risk-high': { label: 'High churn risk', meaning: 'Likely gone: at least 80% probability of no order within the churn horizon (default 180 days).' },
      'churn-risk-medium': { label: 'Medium churn risk', meaning: 'Slipping: 50–80% probability of no order within the churn horizon.' },
      'churn-risk-low': { label: 'Low churn risk', meaning: 'Active: more likely than not to order within the churn horizon.' },
    },
    value: {
      'value-high': { label: 'High value', meaning: 'Top buyers by predicted 12-month value (default top 20%).' },
      'value-medium': { label: 'Medium value', meaning: 'Next buyers by predicted 12-month value (default next 30%).' },
      'value-low': { label: 'Low value', meaning: 'The rest of the buyers by predicted 12-month value.' },
    },
    replenishment: {
      'replenishment-due': { label: 'Replenishment due', meaning: 'A consumable they bought is due for reorder within the window (default 7 days) or recently overdue.' },
    },
    behaviour: {
      'big-spender': { label: 'Big Spender', meaning: 'Top buyers by average order value (default top 10%).' },
      'coupon-customer': { label: 'Coupon Customer', meaning: 'More than half of their orders (default, at least 2) used a discount code.' },
      dormant: { label: 'Dormant', meaning: 'No order for a long time (default 180 days).' },
      'new-customer': { label: 'New', meaning: 'First order recently (default within 30 days).' },
    },
  },
};

type Widen<T> = { [K in keyof T]: T[K] extends string ? string : Widen<T[K]> };
/** The shape every language must fill in. */
export type Catalogue = Widen<typeof en>;
