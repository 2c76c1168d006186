import { ApiError } from '@/api/client';
import { errorMessage } from '@/api/errors';
import type { Role } from '@/api/types';
import { t } from '@/i18n';

export const ROLES: readonly Role[] = ['owner', 'admin', 'member'];

export function roleLabel(role: string): string {
  return t.roles[role] ?? role;
}

/** The roles `me` may give a member: owners any, admins up to admin. */
export function assignableRoles(me: Role): Role[] {
  return me === 'owner' ? ['member', 'admin', 'owner'] : ['member', 'admin'];
}

/** An invitation is for an admin or a member; ownership is handed over after joining. */
export const INVITE_ROLES: readonly Role[] = ['member', 'admin'];

/** Whether `me` may change or remove `target` (someone else): admins never touch owners. */
export function canManage(me: Role, target: Role): boolean {
  if (me === 'owner') return true;
  return me === 'admin' && target !== 'owner';
}

/**
 * Membership errors in words (the last owner, the address already in, one
 * pending invitation); `conflict` says what a plain 409 means for this action.
 */
export function membershipError(err: unknown, conflict?: string): string {
  if (err instanceof ApiError) {
    if (conflict && err.status === 409 && (err.code === 'conflict' || err.code === 'http_409')) {
      return conflict;
    }
    switch (err.code) {
      case 'last_owner':
        return t.members.lastOwner;
      case 'already_member':
        return t.invitations.alreadyMember;
      case 'invitation_pending':
        return t.invitations.alreadyInvited;
    }
  }
  return errorMessage(err);
}
