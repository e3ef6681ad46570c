import { isRole, ROLES, satisfies } from './roles';

describe('roles', () => {
  it('ranks viewer < editor < admin: each includes what the ones before it may do', () => {
    expect(satisfies('admin', 'viewer')).toBe(true);
    expect(satisfies('admin', 'editor')).toBe(true);
    expect(satisfies('editor', 'viewer')).toBe(true);
    expect(satisfies('viewer', 'editor')).toBe(false);
    expect(satisfies('editor', 'admin')).toBe(false);
  });

  it('keeps integration apart: it satisfies only itself, and no other role satisfies it', () => {
    expect(isRole('integration')).toBe(true);
    for (const role of ROLES.filter((r) => r !== 'integration')) {
      expect([role, satisfies('integration', role)]).toEqual([role, false]);
      expect([role, satisfies(role, 'integration')]).toEqual([role, false]);
    }
    expect(satisfies('integration', 'integration')).toBe(true);
    expect(isRole('superuser')).toBe(false);
  });
});
