export * from './options';
export * from './problem';
export {
  RevocationGate,
  type GateDecision,
  type GateHealth,
  type PushResponse,
} from './revocation-gate';
export { RevokedSessions } from './revoked-sessions';
export {
  POLL_DELIVERY,
  PUSH_DELIVERY,
  SESSION_REVOKED_EVENT,
  SET_CONTENT_TYPE,
  SET_TYPE,
  STREAM_UPDATED_EVENT,
  VERIFICATION_EVENT,
  ssfConfigurationUrl,
} from './ssf';
