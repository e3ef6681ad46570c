import type { DataSource } from 'typeorm';
import { refuseWrongServer } from './migrate';

/** A data source of the given type whose server reports `version`. */
const server = (type: string, version: string) =>
  ({
    options: { type },
    query: () => Promise.resolve([{ version }]),
  }) as unknown as Pick<DataSource, 'options' | 'query'>;

describe('refuseWrongServer', () => {
  it('accepts mariadb:// on MariaDB, and mysql:// or SQLite without asking', async () => {
    await expect(refuseWrongServer(server('mariadb', '10.11.19-MariaDB-0+deb12u1'))).resolves.toBe(
      undefined,
    );
    await expect(refuseWrongServer(server('mysql', '8.0.36'))).resolves.toBe(undefined);
    await expect(refuseWrongServer(server('better-sqlite3', ''))).resolves.toBe(undefined);
  });

  it('refuses mariadb:// on a MySQL server, naming mysql://', async () => {
    await expect(refuseWrongServer(server('mariadb', '8.0.36'))).rejects.toThrow(
      'DATABASE_URL names a MariaDB server (mariadb://), but the server is 8.0.36, not MariaDB: use mysql:// for MySQL.',
    );
  });
});
