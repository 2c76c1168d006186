import { useState } from 'react';
import { UserPlus } from 'lucide-react';
import { Link, useNavigate } from 'react-router';
import { ApiError } from '@/api/client';
import { useCurrentUser } from '@/api/queries';
import {
  hasRole,
  useChangeRole,
  useCurrentWorkspace,
  useLeaveWorkspace,
  useMembers,
  useRemoveMember,
  useTransferOwnership,
} from '@/api/workspaceQueries';
import type { Member, Role } from '@/api/types';
import { ConfirmDialog } from '@/components/ConfirmDialog';
import { LoadError } from '@/components/LoadError';
import { useReauthRetry } from '@/components/ReauthDialog';
import { Alert } from '@/components/ui/Alert';
import { Badge } from '@/components/ui/Badge';
import { Button, buttonClasses } from '@/components/ui/Button';
import { SectionCard } from '@/components/ui/Card';
import { Dialog } from '@/components/ui/Dialog';
import { SkeletonRows } from '@/components/ui/SkeletonRows';
import { useToast } from '@/components/ui/Toast';
import { t } from '@/i18n';
import { formatDate, initials } from '@/lib/format';
import { paths, wsPath } from '@/lib/paths';
import { useForm } from '@/lib/useForm';
import { usePageTitle } from '@/lib/usePage';
import { assignableRoles, canManage, membershipError, roleLabel } from './roles';

const ROLE_ORDER: Record<Role, number> = { owner: 0, admin: 1, member: 2 };

function sortMembers(list: Member[], me: string): Member[] {
  return [...list].sort((a, b) => {
    if (a.userId === me || b.userId === me) return a.userId === me ? -1 : 1;
    return (
      (ROLE_ORDER[a.role] ?? 3) - (ROLE_ORDER[b.role] ?? 3) ||
      (a.name || a.email).localeCompare(b.name || b.email, 'pt-BR')
    );
  });
}

function displayName(m: Member): string {
  return m.name || m.email;
}

function RoleBadge({ role }: { role: Role }) {
  return <Badge tone={role === 'owner' ? 'brand' : role === 'admin' ? 'success' : 'neutral'}>{roleLabel(role)}</Badge>;
}

/** The dialog that changes a member's role, re-authenticating when the server asks. */
function RoleDialog({
  member,
  open,
  onClose,
}: {
  member: Member;
  open: boolean;
  onClose: () => void;
}) {
  const ws = useCurrentWorkspace();
  const change = useChangeRole(ws.id);
  const toast = useToast();
  const form = useForm({ initial: { role: member.role as string } });
  const name = displayName(member);
  const options = assignableRoles(ws.role);

  const save = (role: Role) =>
    change.mutate(
      { userId: member.userId, role },
      {
        onSuccess: () => {
          toast.success(t.members.roleChanged(name, roleLabel(role).toLowerCase()));
          onClose();
        },
        onError: (err) => {
          if (err instanceof ApiError && err.code === 'recent_auth_required') reauth.ask();
          else form.fail(err);
        },
      },
    );
  const reauth = useReauthRetry(() => save(form.values.role as Role));

  const onValid = ({ role }: typeof form.values) => {
    if (role === member.role) {
      toast.success(t.members.roleUnchanged);
      onClose();
      return;
    }
    save(role as Role);
  };

  return (
    <>
      <Dialog
        open={open}
        onClose={onClose}
        title={t.members.changeRoleTitle(name)}
        description={t.members.changeRoleText}
      >
        <form {...form.formProps(onValid)} className="mt-4 space-y-4">
          {form.serverError ? (
            <Alert tone="error">{membershipError(form.serverError, t.members.lastOwner)}</Alert>
          ) : null}
          <fieldset>
            <legend className="sr-only">{t.members.roleLegend}</legend>
            <div className="space-y-2">
              {options.map((role) => (
                <label
                  key={role}
                  className="flex cursor-pointer items-start gap-3 rounded-lg border border-slate-200 p-3 has-checked:border-brand-500 has-checked:bg-brand-50/60"
                >
                  <input
                    type="radio"
                    name="role"
                    value={role}
                    checked={form.values.role === role}
                    onChange={() => form.set('role', role)}
                    className="mt-0.5 size-4 accent-brand-600"
                  />
                  <span>
                    <span className="block text-sm font-medium text-slate-900">{roleLabel(role)}</span>
                    <span className="block text-xs text-slate-500">{t.roleHelp[role]}</span>
                  </span>
                </label>
              ))}
            </div>
          </fieldset>
          {form.values.role === 'owner' && member.role !== 'owner' ? (
            <Alert tone="warning">{t.members.ownerWarning}</Alert>
          ) : null}
          <div className="flex flex-col-reverse gap-2 pt-1 sm:flex-row sm:justify-end">
            <Button variant="outline" onClick={onClose}>
              {t.common.cancel}
            </Button>
            <Button type="submit" loading={change.isPending}>
              {change.isPending ? t.members.savingRole : t.members.saveRole}
            </Button>
          </div>
        </form>
      </Dialog>
      {reauth.dialog}
    </>
  );
}

/** Owner only: hand ownership to a member (they become owner, the caller admin). */
function TransferButton({ member }: { member: Member }) {
  const ws = useCurrentWorkspace();
  const transfer = useTransferOwnership(ws.id);
  const toast = useToast();
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const name = displayName(member);
  const run = () =>
    transfer.mutate(member.userId, {
      onSuccess: () => {
        setOpen(false);
        toast.success(t.members.transferred(name));
      },
      onError: (err) => {
        if (err instanceof ApiError && err.code === 'recent_auth_required') {
          setOpen(false);
          reauth.ask();
        } else {
          setError(membershipError(err));
        }
      },
    });
  const reauth = useReauthRetry(run);
  return (
    <>
      <Button
        variant="ghost"
        size="sm"
        aria-label={t.members.transferLabel(name)}
        onClick={() => {
          setError(null);
          setOpen(true);
        }}
      >
        {t.members.transfer}
      </Button>
      <ConfirmDialog
        open={open}
        onClose={() => setOpen(false)}
        title={t.members.transferTitle(name)}
        text={t.members.transferText(name)}
        confirm={t.members.transfer}
        busy={transfer.isPending}
        busyLabel={t.members.transferring}
        error={error}
        onConfirm={run}
      />
      {reauth.dialog}
    </>
  );
}

function MemberRow({ member, me }: { member: Member; me: string }) {
  const ws = useCurrentWorkspace();
  const remove = useRemoveMember(ws.id);
  const toast = useToast();
  const [roleOpen, setRoleOpen] = useState(false);
  const [removeOpen, setRemoveOpen] = useState(false);
  const [removeError, setRemoveError] = useState<string | null>(null);
  const isMe = member.userId === me;
  const manage = !isMe && canManage(ws.role, member.role);
  const name = displayName(member);

  return (
    <li className="flex flex-col gap-3 px-4 py-4 sm:flex-row sm:items-center sm:px-5">
      <div className="flex min-w-0 flex-1 items-center gap-3">
        <span
          className="flex size-9 shrink-0 items-center justify-center rounded-full bg-slate-100 text-xs font-semibold text-slate-600"
          aria-hidden="true"
        >
          {initials(member.name, member.email)}
        </span>
        <div className="min-w-0">
          <p className="flex flex-wrap items-center gap-2 text-sm font-medium text-slate-900">
            <span className="truncate">{name}</span>
            {isMe ? <span className="text-xs font-normal text-slate-500">({t.members.you})</span> : null}
            <RoleBadge role={member.role} />
          </p>
          <p className="text-xs text-slate-500 [overflow-wrap:anywhere]">
            {member.name ? member.email : null}
            {member.name && member.joinedAt ? <span aria-hidden="true"> · </span> : null}
            {member.joinedAt ? t.members.joinedAt(formatDate(member.joinedAt)) : null}
          </p>
        </div>
      </div>
      {manage ? (
        <div className="flex flex-wrap gap-2 self-start sm:self-center">
          {ws.role === 'owner' && member.role !== 'owner' ? <TransferButton member={member} /> : null}
          <Button
            variant="outline"
            size="sm"
            aria-label={t.members.changeRoleLabel(name)}
            onClick={() => setRoleOpen(true)}
          >
            {t.members.changeRole}
          </Button>
          <Button
            variant="danger-outline"
            size="sm"
            aria-label={t.members.removeLabel(name)}
            onClick={() => {
              setRemoveError(null);
              setRemoveOpen(true);
            }}
          >
            {t.members.remove}
          </Button>
        </div>
      ) : null}
      {roleOpen ? <RoleDialog member={member} open={roleOpen} onClose={() => setRoleOpen(false)} /> : null}
      <ConfirmDialog
        open={removeOpen}
        onClose={() => setRemoveOpen(false)}
        title={t.members.removeTitle(name)}
        text={t.members.removeText(name, ws.name)}
        confirm={t.members.remove}
        busy={remove.isPending}
        busyLabel={t.members.removing}
        error={removeError}
        onConfirm={() =>
          remove.mutate(member.userId, {
            onSuccess: () => {
              setRemoveOpen(false);
              toast.success(t.members.removed(name));
            },
            onError: (err) => setRemoveError(membershipError(err, t.members.lastOwner)),
          })
        }
      />
    </li>
  );
}

function LeaveButton() {
  const ws = useCurrentWorkspace();
  const leave = useLeaveWorkspace(ws.id);
  const toast = useToast();
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <>
      <Button
        variant="danger-outline"
        size="sm"
        onClick={() => {
          setError(null);
          setOpen(true);
        }}
      >
        {t.members.leave}
      </Button>
      <ConfirmDialog
        open={open}
        onClose={() => setOpen(false)}
        title={t.members.leaveTitle(ws.name)}
        text={t.members.leaveText}
        confirm={t.members.leave}
        busy={leave.isPending}
        busyLabel={t.members.leaving}
        error={error}
        onConfirm={() =>
          leave.mutate(undefined, {
            onSuccess: () => {
              toast.success(t.members.left(ws.name));
              navigate(paths.home, { replace: true });
            },
            onError: (err) => setError(membershipError(err, t.members.lastOwner)),
          })
        }
      />
    </>
  );
}

export function MembersPage() {
  usePageTitle(t.members.title);
  const ws = useCurrentWorkspace();
  const user = useCurrentUser();
  const members = useMembers(ws.id);
  const isAdmin = hasRole(ws.role, 'admin');

  let content;
  if (members.isPending) {
    content = (
      <>
        <span className="sr-only" role="status">
          {t.app.loading}
        </span>
        <SkeletonRows round />
      </>
    );
  } else if (members.isError) {
    content = (
      <LoadError
        title={t.members.loadError}
        error={members.error}
        onRetry={() => void members.refetch()}
        retrying={members.isFetching}
      />
    );
  } else if (members.data.length === 0) {
    content = <p className="text-sm text-slate-600">{t.members.empty}</p>;
  } else {
    content = (
      <ul
        aria-labelledby="members-heading"
        className="-mx-5 -my-5 divide-y divide-slate-100 sm:-mx-6"
      >
        {sortMembers(members.data, user.id).map((m) => (
          <MemberRow key={m.userId} member={m} me={user.id} />
        ))}
      </ul>
    );
  }

  return (
    <SectionCard
      title={t.members.title}
      description={t.members.description}
      headingId="members-heading"
      action={
        isAdmin ? (
          <Link to={wsPath(ws.id, 'invitations')} className={buttonClasses('primary', 'sm')}>
            <UserPlus className="size-4" aria-hidden="true" />
            {t.members.invite}
          </Link>
        ) : null
      }
      footer={<LeaveButton />}
    >
      {content}
    </SectionCard>
  );
}
