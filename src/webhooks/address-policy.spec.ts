import { isBlockedAddress, UnsafeUrlError, vetUrl } from './address-policy';

const STRICT = { allowPrivateNetworks: false, requireHttps: false };
const resolvesTo =
  (...addresses: string[]) =>
  () =>
    Promise.resolve(
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    );

describe('webhook SSRF rules: the address classification', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.1.2.3', 'private 10/8'],
    ['172.16.0.1', 'private 172.16/12'],
    ['172.31.255.255', 'private 172.16/12'],
    ['192.168.1.1', 'private 192.168/16'],
    ['169.254.169.254', 'cloud metadata, link-local'],
    ['169.254.0.1', 'link-local'],
    ['100.64.0.1', 'CGNAT 100.64/10'],
    ['100.127.255.255', 'CGNAT 100.64/10'],
    ['0.0.0.0', '0/8'],
    ['0.1.2.3', '0/8'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['::1', 'IPv6 loopback'],
    ['::', 'IPv6 unspecified'],
    ['fe80::1', 'IPv6 link-local'],
    ['febf::1', 'IPv6 link-local'],
    ['fc00::1', 'IPv6 unique-local'],
    ['fd12:3456::1', 'IPv6 unique-local'],
    ['fd00:ec2::254', 'AWS metadata over IPv6'],
    ['ff02::1', 'IPv6 multicast'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['::ffff:10.0.0.1', 'IPv4-mapped private'],
    ['::ffff:169.254.169.254', 'IPv4-mapped metadata'],
    ['::ffff:a9fe:a9fe', 'IPv4-mapped metadata, in hex'],
    ['not an address', 'not an address'],
  ])('blocks %s (%s)', (address) => {
    expect(isBlockedAddress(address)).toBe(true);
  });

  it.each([
    '93.184.215.14',
    '8.8.8.8',
    '172.15.255.255',
    '172.32.0.0',
    '100.63.255.255',
    '100.128.0.0',
    '192.169.0.1',
    '169.253.255.255',
    '2606:4700:4700::1111',
    '2001:db8::1',
    '::ffff:8.8.8.8',
    'fec0::1',
  ])('allows the public address %s', (address) => {
    expect(isBlockedAddress(address)).toBe(false);
  });
});

describe('webhook SSRF rules: vetting a URL', () => {
  it('answers the address to connect to, once checked', async () => {
    await expect(
      vetUrl('https://hooks.example.com/x', STRICT, resolvesTo('93.184.215.14')),
    ).resolves.toMatchObject({
      address: '93.184.215.14',
      family: 4,
    });
    await expect(
      vetUrl('http://[2606:4700::1]:8080/', STRICT, resolvesTo('2606:4700::1')),
    ).resolves.toMatchObject({
      address: '2606:4700::1',
      family: 6,
    });
  });

  it('refuses a host if any of its addresses is internal (one would be enough to reach it)', async () => {
    await expect(
      vetUrl('https://mixed.example.com/', STRICT, resolvesTo('93.184.215.14', '10.0.0.5')),
    ).rejects.toThrow(
      /resolves to 10\.0\.0\.5, a loopback, private, link-local or otherwise internal address/,
    );
  });

  it.each([
    ['http://127.0.0.1:8080/hook', /resolves to 127\.0\.0\.1/],
    ['http://[::1]/hook', /resolves to ::1/],
    [
      'http://[::ffff:169.254.169.254]/latest/meta-data',
      /resolves to ::ffff:a9fe:a9fe|resolves to ::ffff:169\.254\.169\.254/,
    ],
    ['http://localhost/hook', /resolves to (127\.0\.0\.1|::1)/],
  ])('refuses %s, with the real resolver', async (url, message) => {
    await expect(vetUrl(url, STRICT)).rejects.toThrow(message);
  });

  it('allows internal addresses with WEBHOOK_ALLOW_PRIVATE_NETWORKS', async () => {
    await expect(
      vetUrl('http://127.0.0.1:8080/hook', { ...STRICT, allowPrivateNetworks: true }),
    ).resolves.toMatchObject({ address: '127.0.0.1' });
  });

  it.each([
    ['ftp://example.com/', /must use http or https, not ftp/],
    ['javascript:alert(1)', /must use http or https, not javascript/],
    ['//example.com/x', /absolute http or https URL/],
    ['https://user:secret@example.com/', /credentials/],
  ])('refuses %s', async (url, message) => {
    await expect(vetUrl(url, STRICT, resolvesTo('93.184.215.14'))).rejects.toThrow(message);
  });

  it('requires https when told to (production without WEBHOOK_ALLOW_HTTP)', async () => {
    const rules = { ...STRICT, requireHttps: true };
    await expect(
      vetUrl('http://hooks.example.com/', rules, resolvesTo('93.184.215.14')),
    ).rejects.toThrow(/must use https/);
    await expect(
      vetUrl('https://hooks.example.com/', rules, resolvesTo('93.184.215.14')),
    ).resolves.toBeDefined();
  });

  it('refuses a host that does not resolve', async () => {
    const fails = () =>
      Promise.reject(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }));
    await expect(vetUrl('https://nowhere.example/', STRICT, fails)).rejects.toThrow(UnsafeUrlError);
    await expect(vetUrl('https://nowhere.example/', STRICT, resolvesTo())).rejects.toThrow(
      /does not resolve/,
    );
  });
});
