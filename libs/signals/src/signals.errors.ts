import { ProblemError } from '@session-service/problem';

/** No stream with that id, or not the caller's (indistinguishable on purpose). */
export class StreamNotFoundError extends ProblemError {
  constructor(streamId: string) {
    super('streamNotFound', `Stream ${streamId} does not exist`);
  }
}

export class RelyingPartyNotFoundError extends ProblemError {
  constructor(clientId: string) {
    super('relyingPartyNotFound', `Relying party ${clientId} does not exist`);
  }
}

export class RelyingPartyExistsError extends ProblemError {
  constructor(clientId: string) {
    super('relyingPartyExists', `Relying party ${clientId} is already registered`);
  }
}
