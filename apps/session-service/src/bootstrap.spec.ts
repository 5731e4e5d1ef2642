import { displayHost } from './bootstrap';

describe('displayHost', () => {
  it.each([
    ['0.0.0.0', 'localhost'],
    ['::', 'localhost'],
    ['127.0.0.1', '127.0.0.1'],
    ['10.1.2.3', '10.1.2.3'],
    ['::1', '[::1]'],
    ['sessions.internal', 'sessions.internal'],
  ])('prints %s as %s', (host, shown) => {
    expect(displayHost(host)).toBe(shown);
  });
});
