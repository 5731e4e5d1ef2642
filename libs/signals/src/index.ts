export * from './delivery.worker';
export * from './dto/relying-party.dto';
export * from './dto/ssf.dto';
export * from './events';
export * from './feed-signal';
export * from './mappers';
export * from './poll.controller';
export * from './relying-parties.controller';
export * from './signals.errors';
export {
  SIGNALS_DATA_SOURCE,
  SIGNALS_MODULE_OPTIONS,
  SIGNALS_OPTIONS_TYPE,
  SIGNALS_ASYNC_OPTIONS_TYPE,
} from './signals.module-definition';
export * from './signals.module';
export * from './signals.options';
export * from './signals.repository';
export * from './signing-keys';
export * from './streams.controller';
export * from './streams.service';
export * from './well-known.controller';
