// Fails when any import cycle exists among the project's own TypeScript (BullMQ runs the same check).
import { existsSync } from 'node:fs';
import madge from 'madge';

const dirs = ['src', 'webhooks', 'jobs', 'web', 'scripts', 'tools', 'bin', 'test'].filter((d) => existsSync(d));
const result = await madge(dirs, {
  fileExtensions: ['ts', 'tsx'],
  tsConfig: 'tsconfig.json',
  excludeRegExp: [/node_modules/, /\/dist\//],
});
const cycles = result.circular();
const files = Object.keys(result.obj()).length;
if (cycles.length) {
  console.error(`✖ ${cycles.length} circular import chain(s):`);
  for (const c of cycles) console.error(`  ${c.join(' → ')}`);
  process.exit(1);
}
console.log(`✔ no circular imports among ${files} files (${dirs.join(', ')})`);
