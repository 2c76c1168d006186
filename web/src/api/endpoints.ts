/** Typed calls, one per API route the dashboard uses (see docs/api.md). */
import { api, ApiError, apiExchange } from './client';
import type {
  AccountResponse,
  AuditPage,
  CrmDeliveriesPage,
  CrmDeliveryResponse,
  CrmEndpoint,
  CrmEvent,
  CrmResponse,
  InvitationPreview,
  InvitationResponse,
  InvitationsResponse,
  MembersResponse,
  Role,
  WorkspaceResponse,
  WorkspacesResponse,
  RedirectResponse,
  RevokedResponse,
  SessionResponse,
  SessionsResponse,
  SignupResponse,
  User,
  UserResponse,
} from './types';

export const authApi = {
  /** The signed-in user, or null when there is no session. */
  async me(): Promise<User | null> {
    try {
      const body = await api.get<UserResponse>('/auth/me', { skipAuthRedirect: true });
      return body.user;
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return null;
      throw err;
    }
  },
  /**
   * 201 {user, csrfToken} in both cases; for an address that already has an
   * account there is no session (and nothing is revealed): the caller probes
   * GET /auth/me to know.
   */
  signup: (input: { email: string; password: string; name: string; invitationToken?: string }) =>
    api.post<SignupResponse>('/auth/signup', input, { skipAuthRedirect: true }),
  login: (input: { email: string; password: string; remember: boolean }) =>
    api.post<SessionResponse>('/auth/login', input, { skipAuthRedirect: true }),
  logout: () => api.post<void>('/auth/logout', undefined, { skipAuthRedirect: true }),
  reauth: (password: string) => api.post<void>('/auth/reauth', { password }),
  /** 202, the same whether or not the address has an account. */
  forgotPassword: (email: string) =>
    api.post<void>('/auth/password/forgot', { email }, { skipAuthRedirect: true }),
  /** 200 {user, csrfToken}: every session was revoked and this browser has a new one. */
  resetPassword: (input: { token: string; password: string }) =>
    api.post<Partial<SessionResponse> | undefined>('/auth/password/reset', input, {
      skipAuthRedirect: true,
    }),
  /** 200 {user}; works signed out too (the link may open in another browser). */
  verifyEmail: (token: string) =>
    api.post<Partial<UserResponse> | undefined>('/auth/verify-email', { token }, {
      skipAuthRedirect: true,
    }),
  /** true when a mail was queued (202), false when the address is already verified (204). */
  resendVerification: async (): Promise<boolean> => {
    const res = await apiExchange('/auth/verify-email/resend', { method: 'POST' });
    return res.status === 202;
  },
};

export const accountApi = {
  account: () => api.get<AccountResponse>('/api/v1/me'),
  updateProfile: (input: { name: string }) => api.patch<UserResponse>('/api/v1/me', input),
  changePassword: (input: { currentPassword: string; newPassword: string }) =>
    api.post<SessionResponse>('/api/v1/me/password', input),
  /** 202: a link goes to the new address; it replaces the old one once followed. */
  changeEmail: (input: { email: string; password: string }) =>
    api.post<void>('/api/v1/me/email', input),
  /** 200 {redirectUrl}: the provider page that finishes connecting Google (pre-auth cookie set). */
  connectGoogle: () => api.post<RedirectResponse>('/api/v1/me/identities/google'),
  unlinkIdentity: (id: string) =>
    api.delete<void>(`/api/v1/me/identities/${encodeURIComponent(id)}`),
  sessions: () => api.get<SessionsResponse>('/api/v1/me/sessions').then((b) => b.sessions),
  revokeSession: (id: string) =>
    api.delete<void>(`/api/v1/me/sessions/${encodeURIComponent(id)}`),
  revokeOtherSessions: () => api.delete<RevokedResponse>('/api/v1/me/sessions'),
};

const ws = (wid: string) => `/api/v1/workspaces/${encodeURIComponent(wid)}`;

export const workspacesApi = {
  list: () => api.get<WorkspacesResponse>('/api/v1/workspaces').then((b) => b.workspaces),
  create: (input: { name: string }) =>
    api.post<WorkspaceResponse>('/api/v1/workspaces', input).then((b) => b.workspace),
  members: (wid: string) => api.get<MembersResponse>(`${ws(wid)}/members`).then((b) => b.members),
  changeRole: (wid: string, userId: string, role: Role) =>
    api.patch<unknown>(`${ws(wid)}/members/${encodeURIComponent(userId)}`, { role }),
  removeMember: (wid: string, userId: string) =>
    api.delete<void>(`${ws(wid)}/members/${encodeURIComponent(userId)}`),
  leave: (wid: string) => api.post<void>(`${ws(wid)}/leave`),
  /** They become an owner, the caller an admin. */
  transfer: (wid: string, userId: string) =>
    api.post<WorkspaceResponse>(`${ws(wid)}/transfer`, { userId }).then((b) => b.workspace),
  invitations: (wid: string) =>
    api.get<InvitationsResponse>(`${ws(wid)}/invitations`).then((b) => b.invitations),
  invite: (wid: string, input: { email: string; role: Role }) =>
    api.post<InvitationResponse>(`${ws(wid)}/invitations`, input).then((b) => b.invitation),
  revokeInvitation: (wid: string, id: string) =>
    api.delete<void>(`${ws(wid)}/invitations/${encodeURIComponent(id)}`),
  resendInvitation: (wid: string, id: string) =>
    api.post<unknown>(`${ws(wid)}/invitations/${encodeURIComponent(id)}/resend`),
  audit: (wid: string, cursor: string | null, signal?: AbortSignal) =>
    api.get<AuditPage>(
      `${ws(wid)}/audit${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`,
      { signal },
    ),
  /** Which workspace, which address, whether the link still works (no session needed). */
  preview: (token: string) =>
    api
      .post<{ invitation: InvitationPreview }>(
        '/api/v1/invitations/preview',
        { token },
        { skipAuthRedirect: true },
      )
      .then((b) => b.invitation),
  /** 200 {workspace}: the signed-in account joined it. */
  accept: (token: string) =>
    api
      .post<WorkspaceResponse>('/api/v1/invitations/accept', { token }, { skipAuthRedirect: true })
      .then((b) => b.workspace),
};

export const crmApi = {
  /** The endpoint, or null when the workspace has none (404). */
  async get(wid: string): Promise<CrmEndpoint | null> {
    try {
      return (await api.get<CrmResponse>(`${ws(wid)}/crm`)).crm;
    } catch (err) {
      if (err instanceof ApiError && err.status === 404 && err.code === 'not_found') return null;
      throw err;
    }
  },
  /** Creates (the answer carries the secret, once) or changes and re-enables it. */
  save: (wid: string, input: { url: string; events: CrmEvent[]; idField?: string }) =>
    api.put<CrmResponse>(`${ws(wid)}/crm`, input).then((b) => b.crm),
  remove: (wid: string) => api.delete<void>(`${ws(wid)}/crm`),
  /** A new secret (in the answer, once); the old one signs too for 24 h. */
  rotate: (wid: string) => api.post<CrmResponse>(`${ws(wid)}/crm/rotate`).then((b) => b.crm),
  sendTest: (wid: string) =>
    api.post<CrmDeliveryResponse>(`${ws(wid)}/crm/test`).then((b) => b.delivery),
  deliveries: (wid: string, cursor: string | null, signal?: AbortSignal) =>
    api.get<CrmDeliveriesPage>(
      `${ws(wid)}/crm/deliveries${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`,
      { signal },
    ),
  redeliver: (wid: string, id: string) =>
    api
      .post<CrmDeliveryResponse>(`${ws(wid)}/crm/deliveries/${encodeURIComponent(id)}/redeliver`)
      .then((b) => b.delivery),
};
