import { deriveDeviceType, DEVICE_TYPES } from './device-type';

const UA = {
  windowsChrome:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  macSafari:
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  linuxFirefox: 'Mozilla/5.0 (X11; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0',
  iPhone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  iPad: 'Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  androidPhone:
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36',
  androidTablet:
    'Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  smartTv:
    'Mozilla/5.0 (SMART-TV; Linux; Tizen 6.0) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/4.0 Chrome/76.0.3809.146 TV Safari/537.36',
  googlebot: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  bingbot: 'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
  curl: 'curl/8.5.0',
  wget: 'Wget/1.21.4',
  pythonRequests: 'python-requests/2.32.3',
};

describe('deriveDeviceType', () => {
  it.each([
    ['desktop Chrome on Windows', UA.windowsChrome, 'desktop'],
    ['Safari on macOS', UA.macSafari, 'desktop'],
    ['Firefox on Linux', UA.linuxFirefox, 'desktop'],
    ['an iPhone', UA.iPhone, 'mobile'],
    ['an iPad', UA.iPad, 'tablet'],
    ['an Android phone', UA.androidPhone, 'mobile'],
    ['an Android tablet', UA.androidTablet, 'tablet'],
    ['a smart TV', UA.smartTv, 'tv'],
    ['Googlebot', UA.googlebot, 'bot'],
    [
      'Googlebot posing as a phone',
      'Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
      'bot',
    ],
    ['Bingbot', UA.bingbot, 'bot'],
    ['curl', UA.curl, 'bot'],
    ['wget', UA.wget, 'bot'],
    ['python-requests', UA.pythonRequests, 'bot'],
  ])('classifies %s', (_label, userAgent, expected) => {
    expect(deriveDeviceType(userAgent)).toBe(expected);
  });

  it.each([
    ['empty', ''],
    ['blank', '   \t '],
    ['gibberish', 'asdkjh qwe zzz'],
    ['digits', '1234567890'],
  ])('answers unknown for a %s user agent', (_label, userAgent) => {
    expect(deriveDeviceType(userAgent)).toBe('unknown');
  });

  it('always answers one of the declared device types', () => {
    for (const userAgent of [...Object.values(UA), '', 'x']) {
      expect(DEVICE_TYPES).toContain(deriveDeviceType(userAgent));
    }
  });

  it('answers a user agent seen before as the first time, also past the ones it remembers', () => {
    const first = Object.values(UA).map((userAgent) => deriveDeviceType(userAgent));
    for (let i = 0; i < 1500; i++) deriveDeviceType(`${UA.pythonRequests} ${i}`);
    expect(Object.values(UA).map((userAgent) => deriveDeviceType(userAgent))).toEqual(first);
    expect(deriveDeviceType(`${UA.pythonRequests} 1499`)).toBe('bot');
  });
});
