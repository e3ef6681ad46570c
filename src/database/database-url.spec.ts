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

  it('never prints a password', () => {
    expect(redact('mysql://app:secret@h:3306/db')).toBe('mysql://app:***@h:3306/db');
    expect(() => parseDatabaseUrl('mysql://app:secret@')).toThrow(/^(?!.*secret)/s);
  });
});
