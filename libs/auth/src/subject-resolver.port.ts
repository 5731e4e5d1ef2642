/**
 * How the JWT strategy turns an identity provider's subject that is not one of
 * the platform's integer user ids (a Keycloak UUID, `auth0|...`, an 18-digit
 * snowflake) into a user id: the subject mapping the sessions library records
 * at sign-in. Without one, such a token is refused like any bad token.
 */
export interface SubjectResolver {
  /** The user id (a positive integer as a decimal string) of `subject` at `issuer`, or null. */
  resolve(issuer: string, subject: string): Promise<string | null>;
}

export const SUBJECT_RESOLVER = Symbol('SUBJECT_RESOLVER');
