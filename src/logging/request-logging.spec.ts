import { withoutQueryValues } from './request-logging';

describe('withoutQueryValues', () => {
  it.each([
    ['/workflows/42', '/workflows/42'],
    ['/workflows?', '/workflows?'],
    ['/workflows?limit=5&cursor=abc', '/workflows?limit=***&cursor=***'],
    ['/workflows?access_token=eyJhbGciOiJIUzI1NiJ9.e30.sig', '/workflows?access_token=***'],
    ['/todos?include&a[b]=1', '/todos?include&a[b]=***'],
    ['/todos?eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl', '/todos?***'],
    ['/todos?x%20y=1', '/todos?***=***'],
  ])('logs %s as %s', (url, logged) => {
    expect(withoutQueryValues(url)).toBe(logged);
  });
});
