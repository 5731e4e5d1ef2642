import { ValidationFailedError } from '@session-service/problem';
import { isStorableText } from './dto/input-rules';

const PREFIX = 't1.';

/** Opaque to clients: a versioned, URL-safe encoding of the last tenant id of a page. */
export function encodeTenantCursor(tenantId: string): string {
  return PREFIX + Buffer.from(tenantId, 'utf8').toString('base64url');
}

/** Decodes a cursor, or fails with a 400 naming `cursor`. */
export function decodeTenantCursor(cursor: string): string {
  const id = cursor.startsWith(PREFIX)
    ? Buffer.from(cursor.slice(PREFIX.length), 'base64url').toString('utf8')
    : '';
  // Re-encoding finds any other spelling; the id must be one PostgreSQL can compare.
  if (!id || encodeTenantCursor(id) !== cursor || !isStorableText(id)) {
    throw ValidationFailedError.forField(
      'cursor',
      'format',
      'cursor must be a next_cursor returned by this list',
      cursor,
    );
  }
  return id;
}
