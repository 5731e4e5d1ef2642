import type { Provider } from '@nestjs/common';
import { SIGNALS_MODULE_OPTIONS } from './signals.module-definition';
import type { SignalsSettings } from './signals.options';
import { SigningKeys } from './signing-keys';

/** The transmitter's keys, loaded (or generated) once when the module starts. */
export const SIGNING_KEYS_PROVIDER: Provider = {
  provide: SigningKeys,
  inject: [SIGNALS_MODULE_OPTIONS],
  useFactory: (options: SignalsSettings) => SigningKeys.load(options),
};
