export * from './data-dir-lock';
export * from './data-source-options';
export * from './embedded-postgres';
export * from './deadline-client';
export * from './embedded-server';
