// Graceful shutdown on SIGTERM/SIGINT: run the stop sequence once; a second signal exits at once.
import type { Logger } from '../src/logger.ts';

export function onShutdownSignal(logger: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down: no new jobs, finishing current ones');
    stop().then(
      () => { logger.info('stopped cleanly'); process.exitCode = 0; },
      (err: unknown) => { logger.error({ err }, 'error while stopping'); process.exitCode = 1; },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}
