import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblemResponses, ProblemResponses } from '@session-service/problem';
import { PublicJwks, TransmitterConfiguration } from './dto/ssf.dto';
import { POLL_DELIVERY, PUSH_DELIVERY } from './events';
import { SigningKeys } from './signing-keys';
import { StreamsService } from './streams.service';

/** Discovery: the transmitter's metadata (SSF 1.0 section 7) and its public keys. */
@ProblemResponses()
@ApiTags('Shared Signals')
@Controller('.well-known')
export class WellKnownController {
  constructor(
    private readonly streams: StreamsService,
    private readonly keys: SigningKeys,
  ) {}

  @Get('ssf-configuration')
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({ summary: 'Shared Signals transmitter configuration (SSF 1.0 section 7.1)' })
  @ApiOkResponse({ type: TransmitterConfiguration })
  @ApiProblemResponses([])
  configuration(): TransmitterConfiguration {
    const url = (path: string) => this.streams.url(path);
    return {
      spec_version: '1_0',
      issuer: this.streams.options.issuer,
      jwks_uri: url('/.well-known/jwks.json'),
      delivery_methods_supported: [PUSH_DELIVERY, POLL_DELIVERY],
      configuration_endpoint: url('/ssf/streams'),
      status_endpoint: url('/ssf/status'),
      add_subject_endpoint: url('/ssf/subjects/add'),
      remove_subject_endpoint: url('/ssf/subjects/remove'),
      verification_endpoint: url('/ssf/verify'),
      // Bearer tokens (RFC 6750) carrying the receiver role.
      authorization_schemes: [{ spec_urn: 'urn:ietf:rfc:6750' }],
      default_subjects: 'ALL',
    };
  }

  @Get('jwks.json')
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({
    summary: 'Public keys of Security Event Tokens and logout tokens (RFC 7517 JWK Set)',
  })
  @ApiOkResponse({ type: PublicJwks })
  @ApiProblemResponses([])
  jwks(): PublicJwks {
    return this.keys.jwks() as PublicJwks;
  }
}
