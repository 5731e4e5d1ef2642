import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { IsBoolean, IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { StorableText } from '@session-service/sessions';
import { HTTP_URL, httpUrlRule } from './http-url';

const CLIENT_ID = /^[\x21-\x7e]{1,255}$/;
/** The refusal of a client id: the rule as its description in the OpenAPI document states it. */
const CLIENT_ID_RULE = 'client_id must be 1 to 255 printable ASCII characters, without spaces';

/** A relying party to send Back-Channel Logout tokens to (OpenID Connect Back-Channel Logout 1.0 section 2.2). */
@ApiSchema({ name: 'dto.CreateRelyingPartyRequest' })
export class CreateRelyingPartyRequest {
  @ApiProperty({
    description: 'The OAuth client id: `aud` of its logout tokens (printable ASCII, no spaces)',
    maxLength: 255,
    pattern: CLIENT_ID.source,
    example: 'crm-web',
  })
  @Matches(CLIENT_ID, { message: CLIENT_ID_RULE })
  @MaxLength(255)
  @StorableText()
  @IsString()
  @IsNotEmpty({ message: 'client_id is required' })
  client_id: string;

  @ApiProperty({
    description:
      'Where logout tokens are POSTed: an http(s) URL without credentials (`user:password@`) or a fragment',
    format: 'uri',
    maxLength: 2048,
    pattern: HTTP_URL.source,
    example: 'https://crm.example.com/backchannel-logout',
  })
  @Matches(HTTP_URL, { message: httpUrlRule('backchannel_logout_uri') })
  @MaxLength(2048)
  @StorableText()
  @IsString()
  @IsNotEmpty({ message: 'backchannel_logout_uri is required' })
  backchannel_logout_uri: string;

  @ApiPropertyOptional({
    description: 'The relying party needs `sid` in logout tokens (it is always sent)',
    default: false,
    example: true,
  })
  @IsOptional()
  @IsBoolean()
  backchannel_logout_session_required?: boolean;
}

@ApiSchema({ name: 'dto.RelyingParty' })
export class RelyingParty {
  @ApiProperty({ maxLength: 255, example: 'crm-web' })
  client_id: string;

  @ApiProperty({
    format: 'uri',
    maxLength: 2048,
    example: 'https://crm.example.com/backchannel-logout',
  })
  backchannel_logout_uri: string;

  @ApiProperty({ example: true })
  backchannel_logout_session_required: boolean;

  @ApiProperty({ format: 'date-time', maxLength: 24, example: '2026-12-02T10:30:00.000Z' })
  created_at: string;

  @ApiProperty({
    type: 'integer',
    format: 'int32',
    minimum: 0,
    maximum: 10000,
    description: 'Revocations not yet delivered (counted up to 10,000)',
    example: 0,
  })
  backlog: number;

  @ApiProperty({ type: 'integer', format: 'int32', minimum: 0, maximum: 2147483647, example: 0 })
  attempts: number;

  @ApiProperty({ type: 'string', nullable: true, maxLength: 500, example: null })
  last_error: string | null;

  @ApiProperty({
    type: 'string',
    format: 'date-time',
    nullable: true,
    maxLength: 24,
    example: null,
  })
  last_delivered_at: string | null;
}

@ApiSchema({ name: 'dto.RelyingPartyList' })
export class RelyingPartyList {
  @ApiProperty({ type: () => [RelyingParty], maxItems: 10000 })
  relying_parties: RelyingParty[];
}

export class ClientIdParam {
  @ApiProperty({ maxLength: 255, pattern: CLIENT_ID.source, example: 'crm-web' })
  @Matches(CLIENT_ID, { message: CLIENT_ID_RULE })
  client_id: string;
}
