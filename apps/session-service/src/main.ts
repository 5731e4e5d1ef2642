// First: tracing patches http, undici, fastify and pg as they load (off unless configured).
import { shutdownTracing } from './tracing';
import { Logger } from '@nestjs/common';
import { DataDirInUseError } from '@session-service/database';
import { startService } from './bootstrap';
import { ConfigError } from './config/environment';

/**
 * Graceful shutdown on SIGTERM or SIGINT: readiness turns 503, in-flight
 * requests finish, the listener and idle keep-alive connections close, the
 * database pool closes, and the process exits 0; past the configured deadline
 * it exits 1 instead.
 */
async function main(): Promise<void> {
  const { app, config } = await startService(process.env);
  let closing = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    Logger.log(`${signal}: shutting down`, 'Bootstrap');
    setTimeout(() => {
      Logger.error(
        `still running ${config.shutdown.timeoutMs} ms after ${signal}; exiting`,
        'Bootstrap',
      );
      process.exit(1);
    }, config.shutdown.timeoutMs).unref();
    app
      .close()
      .then(() => shutdownTracing().catch(() => undefined))
      .then(
        () => process.exit(0),
        (error: unknown) => {
          Logger.error(`shutdown failed: ${String(error)}`, 'Bootstrap');
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  // A configuration error or a busy data folder is the operator's to fix: say what is wrong, without a stack trace.
  const operators = error instanceof ConfigError || error instanceof DataDirInUseError;
  console.error(operators ? (error as Error).message : error);
  process.exit(1);
});
