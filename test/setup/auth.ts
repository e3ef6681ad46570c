import type { AuthOptions } from '../../src/auth/auth.options';
import type { Role } from '../../src/auth/roles';
import { signToken } from '../../src/auth/tokens';

/** The secret every test app (in-process or spawned) verifies tokens with. */
export const TEST_JWT_SECRET = 'test-secret-for-the-e2e-suites-only-0123456789';

const options: AuthOptions = { algorithm: 'HS256', secret: TEST_JWT_SECRET, development: false };

/** A token of user `sub` with `role` in organization `org`. */
export function tokenFor(role: Role, sub = 1, expiresIn = '1h', org = 1): string {
  return signToken(options, sub, role, expiresIn, org);
}

/** Headers of an admin client (of organization 1 unless given), for tests that call a spawned app with fetch. */
export function adminHeaders(
  extra: Record<string, string> = {},
  organizationId = 1,
): Record<string, string> {
  return { authorization: `Bearer ${tokenFor('admin', 1, '1h', organizationId)}`, ...extra };
}
