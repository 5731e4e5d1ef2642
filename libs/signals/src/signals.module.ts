import { type DynamicModule, Module } from '@nestjs/common';
import { AUTH_MODULE_OPTIONS, AUTH_PROVIDERS } from '@session-service/auth';
import { DeliveryWorker } from './delivery.worker';
import { FeedSignal } from './feed-signal';
import { PollController } from './poll.controller';
import { RelyingPartiesController } from './relying-parties.controller';
import {
  ConfigurableSignalsModule,
  SIGNALS_MODULE_OPTIONS,
  type SIGNALS_OPTIONS_TYPE,
} from './signals.module-definition';
import { resolveSignalsOptions, type SignalsModuleOptions } from './signals.options';
import { SignalsRepository } from './signals.repository';
import { SIGNING_KEYS_PROVIDER } from './signing-keys.provider';
import { StreamsController } from './streams.controller';
import { StreamsService } from './streams.service';
import { WellKnownController } from './well-known.controller';

/**
 * The Shared Signals transmitter and Back-Channel Logout: discovery
 * (`/.well-known/ssf-configuration`, `/.well-known/jwks.json`), stream
 * management and poll for receivers, relying parties for admins, and the
 * delivery worker. Needs the sessions tables and migrations (the signal
 * tables are among them) on the DataSource, and the same `auth` settings as
 * SessionsModule (plus `receiverRole`). Give the sessions library its
 * exported `FeedSignal` as (part of) `SESSIONS_OBSERVER` so that delivery
 * follows this instance's sign-ins and revocations at once.
 */
@Module({
  controllers: [WellKnownController, StreamsController, PollController, RelyingPartiesController],
  providers: [
    SignalsRepository,
    StreamsService,
    DeliveryWorker,
    FeedSignal,
    SIGNING_KEYS_PROVIDER,
    {
      provide: AUTH_MODULE_OPTIONS,
      inject: [SIGNALS_MODULE_OPTIONS],
      useFactory: (options: SignalsModuleOptions) => {
        if (!options.auth) throw new Error('SignalsModule: the auth option is required');
        resolveSignalsOptions(options);
        return options.auth;
      },
    },
    ...AUTH_PROVIDERS,
  ],
  exports: [StreamsService, DeliveryWorker, FeedSignal],
})
export class SignalsModule extends ConfigurableSignalsModule {
  static forRoot(options: typeof SIGNALS_OPTIONS_TYPE): DynamicModule {
    resolveSignalsOptions(options);
    return super.forRoot(options);
  }
}
