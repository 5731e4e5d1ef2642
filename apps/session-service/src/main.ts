import { startService } from './bootstrap';
import { ConfigError } from './config/environment';

startService(process.env).catch((error: unknown) => {
  // A configuration error is the operator's to fix: say what is wrong, without a stack trace.
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
