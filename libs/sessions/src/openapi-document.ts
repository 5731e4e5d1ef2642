import type { OpenAPIObject, SchemaObject } from '@nestjs/swagger';
import { BEARER_SCHEME } from '@session-service/auth';

/**
 * Completes an OpenAPI document that holds the library's routes, as a host
 * builds it with `SwaggerModule.createDocument`:
 * - the bearer scheme every library operation names (`bearerAuth`, as the
 *   contracts name it) is defined, unless the document defines it already
 *   (`DocumentBuilder.addBearerAuth(options, BEARER_SCHEME)`); without it no
 *   operation's security requirement resolves and Swagger UI's Authorize sends
 *   no token;
 * - `dto.FieldViolation.value` has no `type`: a refused value is any JSON value,
 *   where @nestjs/swagger infers `object` (and its number example would not
 *   validate against it).
 * Returns the same document.
 */
export function completeSessionsDocument(document: OpenAPIObject): OpenAPIObject {
  document.components ??= {};
  document.components.securitySchemes ??= {};
  document.components.securitySchemes[BEARER_SCHEME] ??= {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
  };
  const violation = document.components.schemas?.['dto.FieldViolation'] as SchemaObject | undefined;
  const value = violation?.properties?.value as SchemaObject | undefined;
  if (value) delete value.type;
  return document;
}
