// Placeholder until the pipeline lands: says honestly what exists instead of pretending.
console.log('The demo is not built yet. What exists: `npm run services:up` (Redis + MongoDB-compatible server) and `npm test`.');
