import { Reflector } from '@nestjs/core';

/** Symbolic roles; the claim values they stand for come from the module options. */
export type AccessRole = 'admin' | 'service' | 'receiver';

export const RequiredRoles = Reflector.createDecorator<AccessRole[]>();

/** Name of the route parameter that must equal the token's user. */
export const OwnerParam = Reflector.createDecorator<string>();
