import { redactQueryStrings } from './logging';

describe('redactQueryStrings', () => {
  it.each([
    ['GET /a/b?access_token=x.y.z&n=1 -> 500', 'GET /a/b?[redacted] -> 500'],
    ['http://host:3000/p?t=1#frag', 'http://host:3000/p?[redacted]#frag'],
    ['"/one?a=1" and "/two?b=2"', '"/one?[redacted]" and "/two?[redacted]"'],
    ['/?token=abc', '/?[redacted]'],
    ['/path?', '/path?[redacted]'],
  ])('redacts %j', (input, expected) => {
    expect(redactQueryStrings(input)).toBe(expected);
  });

  it.each(['no url here', 'why? because', '/plain/path -> 404', ''])('leaves %j alone', (text) => {
    expect(redactQueryStrings(text)).toBe(text);
  });
});
