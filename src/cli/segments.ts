// `segments` CLI entry: a table of subcommands, each in its own file under src/cli/commands/ and
// loaded only when used (start-up time matters: `analyze` is also our benchmark harness).
//   node src/cli/segments.ts <command> [options]      (or bin/segments.js, `npx segments`)
// Add a command: one file in src/cli/commands/ exporting a CliCommand, one entry in COMMANDS.
import { realpathSync } from 'node:fs';
import module from 'node:module';
import { fileURLToPath } from 'node:url';
import { EXIT_FAILURE, EXIT_INPUT, UsageError } from './command.ts';
import type { CliCommand, CliIo } from './command.ts';

// Reuse compiled (and type-stripped) modules across runs: saves a third of a second per start.
module.enableCompileCache?.();

export interface CommandEntry {
  name: string;
  summary: string;
  load: () => Promise<CliCommand>;
}

export const COMMANDS: readonly CommandEntry[] = [
  { name: 'analyze', summary: 'segment an orders export offline (Shopify CSV or CDNOW log)', load: async () => (await import('./commands/analyze.ts')).analyzeCommand },
  { name: 'insights', summary: 'bright spots offline: gateway products, what the best buy, reorder rhythm', load: async () => (await import('./commands/insights.ts')).insightsCommand },
  { name: 'backtest', summary: 'fit the models on orders up to a date, predict the rest and compare with what happened', load: async () => (await import('./commands/backtest.ts')).backtestCommand },
  { name: 'resync', summary: "re-read a shop from Shopify and recompute everything, with a progress bar (support API)", load: async () => (await import('./commands/resync.ts')).resyncCommand },
  { name: 'status', summary: "a shop's sync state, segment counts, queues and failures (support API)", load: async () => (await import('./commands/status.ts')).statusCommand },
  { name: 'data-request', summary: "print the record prepared for a customer's data request (support API)", load: async () => (await import('./commands/data-request.ts')).dataRequestCommand },
  { name: 'rotate-key', summary: 're-encrypt every stored token with ENCRYPTION_KEY after a key change (MongoDB)', load: async () => (await import('./commands/rotate-key.ts')).rotateKeyCommand },
  { name: 'recompute', summary: "recompute one customer's segments and tags now (support API)", load: async () => (await import('./commands/recompute.ts')).recomputeCommand },
  { name: 'move-shop-keys', summary: "move every shop's own Redis keys to its partition's prefix (upgrading a cluster, QUEUE_PARTITIONS changed; Redis)", load: async () => (await import('./commands/move-shop-keys.ts')).moveShopKeysCommand },
];

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return ['usage: segments <command> [options]', '', 'commands:', ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`), '', 'segments <command> --help for its options'].join('\n') + '\n';
}

export async function runCli(argv: string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.stderr : io.stdout).write(help());
    return name === undefined ? EXIT_INPUT : 0;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (entry === undefined) {
    io.stderr.write(`segments: unknown command "${name}"\n\n${help()}`);
    return EXIT_INPUT;
  }
  const command = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(command.usage + '\n');
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`segments ${name}: ${err.message}\n\n${command.usage}\n`);
      return EXIT_INPUT;
    }
    io.stderr.write(`segments ${name}: ${(err as Error).stack ?? String(err)}\n`);
    return EXIT_FAILURE;
  }
}

function isEntryPoint(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  process.exitCode = await runCli(process.argv.slice(2));
}
