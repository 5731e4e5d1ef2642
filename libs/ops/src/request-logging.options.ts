import type { DestinationStream, LevelWithSilent, Logger } from 'pino';

/** Options of `RequestLoggingModule.forRoot` / `forRootAsync`. */
export interface RequestLoggingModuleOptions {
  /**
   * The pino logger to write to. Give one made by `createRedactingLogger` (or
   * with `redactingLogMethod` as its `hooks.logMethod`) to have query strings
   * redacted in every line it writes; the request lines never carry a query
   * string either way. Absent: one is made by `createRedactingLogger` from
   * `level`, `base` and `destination`.
   */
  logger?: Logger;
  /** Level of the logger made when `logger` is absent; default `info`. */
  level?: LevelWithSilent;
  /** Fields on every line of the logger made when `logger` is absent (e.g. `{ service: 'auth-service' }`). */
  base?: Record<string, unknown> | null;
  /** Where the logger made when `logger` is absent writes; default standard output. */
  destination?: DestinationStream;
}

/** Static settings of `forRoot` / `forRootAsync` (they decide which modules are imported). */
export interface RequestLoggingModuleExtras {
  /**
   * Also import nestjs-pino's `LoggerModule` (a global module) on the same
   * logger, so `app.useLogger(app.get(Logger))` (`Logger` from `nestjs-pino`)
   * sends Nest's own log, the Problem filter's error lines included, through
   * it. Default `false`: nothing but the request lines.
   */
  nestLogger: boolean;
}
