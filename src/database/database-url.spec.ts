import {
  DEFAULT_DATABASE_URL,
  InvalidDatabaseUrlError,
  parseDatabaseUrl,
  redact,
} from './database-url';

describe('parseDatabaseUrl', () => {
  it(`defaults to ${DEFAULT_DATABASE_URL} under the working directory`, () => {
    expect(parseDatabaseUrl(undefined, '/srv/app')).toEqual({
      kind: 'sqlite',
      file: '/srv/app/data/app.sqlite',
    });
    expect(parseDatabaseUrl('  ', '/srv/app')).toEqual({
      kind: 'sqlite',
      file: '/srv/app/data/app.sqlite',
    });
  });

  it('reads sqlite: paths relative to the working directory, or absolute', () => {
    expect(parseDatabaseUrl('sqlite:db/x.sqlite', '/srv')).toEqual({
      kind: 'sqlite',
      file: '/srv/db/x.sqlite',
    });
    expect(parseDatabaseUrl('sqlite:/var/lib/x.sqlite', '/srv')).toEqual({
      kind: 'sqlite',
      file: '/var/lib/x.sqlite',
    });
  });

  it('reads mysql:// and mariadb:// URLs with escaped credentials', () => {
    expect(parseDatabaseUrl('mysql://app:p%40ss@db.internal:3307/recruiting')).toEqual({
      kind: 'mysql',
      host: 'db.internal',
      port: 3307,
      username: 'app',
      password: 'p@ss',
      database: 'recruiting',
    });
    expect(parseDatabaseUrl('mariadb://root@127.0.0.1/test')).toMatchObject({
      kind: 'mariadb',
      port: 3306,
      password: '',
    });
  });

  it.each(['postgres://u@h/db', 'mysql://u@h', 'mysql://u@h/a/b', 'not a url', 'sqlite:'])(
    'rejects %s with a message saying what is accepted',
    (url) => {
      expect(() => parseDatabaseUrl(url)).toThrow(InvalidDatabaseUrlError);
      expect(() => parseDatabaseUrl(url)).toThrow(/mysql:\/\/user:password@host:3306\/db/);
    },
  );

  it.each([
    ['mysql://app:secret@h:3306/db', 'mysql://app:***@h:3306/db'],
    ['mariadb://u:Pw/S3cret@h/db', 'mariadb://u:***@h/db'],
    ['mariadb://u:p@ss@h/db', 'mariadb://u:***@h/db'],
    ['mariadb://u:a:b@h/db', 'mariadb://u:***@h/db'],
    ['mariadb://:secret@h/db', 'mariadb://:***@h/db'],
    ['MariaDB://u:secret@h/db', 'mariadb://u:***@h/db'],
    ['mariadb://u@h/db', 'mariadb://u@h/db'],
    ['sqlite:data/app.sqlite', 'sqlite:data/app.sqlite'],
  ])('shows %s as %s', (url, shown) => {
    expect(redact(url)).toBe(shown);
  });

  it('reads a password that was not percent-encoded (/ @ :) as typed', () => {
    expect(parseDatabaseUrl('mariadb://u:Pw/S3cret@h/db')).toMatchObject({
      username: 'u',
      password: 'Pw/S3cret',
      host: 'h',
      database: 'db',
    });
    expect(parseDatabaseUrl('mariadb://u:p@ss:x@h:3307/db')).toMatchObject({
      password: 'p@ss:x',
      port: 3307,
    });
    expect(parseDatabaseUrl('mariadb://:pw@h/db')).toMatchObject({
      username: 'root',
      password: 'pw',
    });
  });

  it.each([
    'mysql://app:secret@',
    'mysql://app:secret@/db',
    'mysql://app:secret@h:port/db',
    'mysql//app:secret@h/db',
    'postgres://app:secret@h/db',
  ])('never shows the password of %s in its error', (url) => {
    expect(() => parseDatabaseUrl(url)).toThrow(InvalidDatabaseUrlError);
    expect(() => parseDatabaseUrl(url)).toThrow(/^(?!.*secret)/s);
  });
});
