import { describe, expect, it } from 'vitest';
import { ApiError } from '@/api/client';
import { switchTarget } from '@/components/workspace/WorkspaceSwitcher';
import { invitationTokenOf } from '@/pages/auth/SignupPage';
import { acceptFailure } from './AcceptInvitationPage';
import { auditEventName } from './AuditPage';
import { assignableRoles, canManage } from './roles';

const admin = { id: 'b', name: 'B', role: 'admin' as const };
const member = { id: 'b', name: 'B', role: 'member' as const };

describe('switchTarget', () => {
  it.each([
    ['/w/a', admin, '/w/b'],
    ['/w/a/leads', member, '/w/b/leads'],
    ['/w/a/configuracoes/membros', member, '/w/b/configuracoes/membros'],
    ['/w/a/configuracoes/convites', admin, '/w/b/configuracoes/convites'],
    ['/w/a/configuracoes/convites', member, '/w/b'],
    ['/w/a/configuracoes/auditoria', member, '/w/b'],
  ])('%s as %s', (from, to, expected) => {
    expect(switchTarget(from, to)).toBe(expected);
  });
});

describe('roles', () => {
  it('admins never touch owners nor make one', () => {
    expect(canManage('admin', 'owner')).toBe(false);
    expect(canManage('admin', 'member')).toBe(true);
    expect(canManage('member', 'member')).toBe(false);
    expect(canManage('owner', 'owner')).toBe(true);
    expect(assignableRoles('admin')).not.toContain('owner');
    expect(assignableRoles('owner')).toContain('owner');
  });
});

describe('acceptance', () => {
  it('reads the problem codes of docs/api.md', () => {
    const e = (status: number, code: string) => new ApiError({ status, code });
    expect(acceptFailure(e(403, 'invitation_other_account'))).toBe('wrongAccount');
    expect(acceptFailure(e(404, 'invitation_invalid'))).toBe('invalid');
    expect(acceptFailure(e(410, 'invitation_expired'))).toBe('expired');
    expect(acceptFailure(e(410, 'invitation_used'))).toBe('used');
    expect(acceptFailure(e(429, 'rate_limited'))).toBe('other');
  });

  it('finds the invitation token in the sign-up return path only for the acceptance page', () => {
    expect(invitationTokenOf('/convites/aceitar?token=abc_-1')).toBe('abc_-1');
    expect(invitationTokenOf('/convites/aceitar')).toBeUndefined();
    expect(invitationTokenOf('/conta?token=abc')).toBeUndefined();
  });
});

describe('audit event names', () => {
  it('are Portuguese, and an unknown one still reads', () => {
    expect(auditEventName('member.role_changed')).toBe('Papel alterado');
    expect(auditEventName('ownership.transferred')).toBe('Propriedade transferida');
    expect(auditEventName('crm.delivery_replayed')).toBe('Crm delivery replayed');
    expect(auditEventName('constructor')).toBe('Constructor');
  });
});
