/** JSON shapes of the piloto API (see server/routes/*.c and docs/api.md). */

export interface User {
  id: string;
  email: string;
  name: string;
  emailVerified: boolean;
  hasPassword: boolean;
  createdAt: string;
}

export interface UserResponse {
  user: User;
}

/** A sign-in method other than the password (Google today). */
export interface Identity {
  id: string;
  provider: 'google' | string;
  email: string;
  createdAt: string;
}

/** GET /api/v1/me */
export interface AccountResponse {
  user: User;
  identities?: Identity[];
}

/** Sign-up, login and password change start a new session and carry its CSRF token. */
export interface SessionResponse {
  user: User;
  csrfToken: string;
}

/** Sign-up with an invitationToken: the workspace joined, or why not. */
export interface SignupResponse extends SessionResponse {
  workspace?: Workspace | null;
  invitationError?: string | null;
}

export interface Session {
  id: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  ip: string;
  userAgent: string;
  current: boolean;
  remember: boolean;
}

export interface SessionsResponse {
  sessions: Session[];
}

/** POST /api/v1/me/identities/google: where to send the window. */
export interface RedirectResponse {
  redirectUrl: string;
}

export interface RevokedResponse {
  revoked: number;
}

/** One entry of a problem's `errors` list (422 validation_failed). */
export interface FieldError {
  field: string;
  code: string;
  message?: string;
}

/** RFC 9457 problem details, as piloto renders them. */
export interface Problem {
  type?: string;
  code?: string;
  title?: string;
  status?: number;
  detail?: string;
  requestId?: string;
  errors?: FieldError[];
}

/* ------------------------------------------------------------------ */
/* Workspaces (SPEC §11)                                               */
/* ------------------------------------------------------------------ */

export type Role = 'owner' | 'admin' | 'member';

export interface Workspace {
  id: string;
  name: string;
  /** The signed-in user's role in it. */
  role: Role;
}

export interface WorkspaceResponse {
  workspace: Workspace;
}

export interface WorkspacesResponse {
  workspaces: Workspace[];
}

export interface Member {
  userId: string;
  email: string;
  name: string;
  role: Role;
  joinedAt?: string;
}

export interface MembersResponse {
  members: Member[];
}

export interface Invitation {
  id: string;
  email: string;
  role: Role;
  expiresAt: string;
  createdAt?: string;
  sentAt?: string;
  /** The user id of who invited, or null. */
  invitedBy?: string | null;
}

export interface InvitationResponse {
  invitation: Invitation;
}

/** POST /api/v1/invitations/preview: what a link is about, before anyone signs in. */
export interface InvitationPreview {
  email: string;
  role: Role;
  workspace: { name: string };
  expiresAt: string;
  status: 'pending' | 'expired' | 'accepted' | 'revoked';
}

export interface InvitationsResponse {
  invitations: Invitation[];
}

/** One audit log row (docs/api.md: events and their `detail`). */
export interface AuditEvent {
  id: string;
  /** "member.role_changed", "invitation.created"… */
  event: string;
  at: string;
  outcome?: string | null;
  actor?: { id?: string | null; email?: string | null; name?: string | null } | null;
  ip?: string | null;
  userAgent?: string | null;
  /** What the event is about: {"email", "from", "to"}, {"email", "role"}, {"name"}… */
  detail?: Record<string, unknown> | null;
}

export interface AuditPage {
  events: AuditEvent[];
  nextCursor: string | null;
}

/** The CRM push (docs/api.md, CRM push). */
export type CrmEvent = 'lead.qualified' | 'lead.stage_changed';

export interface CrmEndpoint {
  url: string;
  events: CrmEvent[];
  idField: string;
  enabled: boolean;
  disabledReason: string | null;
  disabledAt: string | null;
  previousSecretUntil: string | null;
  createdAt: string;
  updatedAt: string;
  /** Only in the answers that make one (creation, rotation). */
  secret?: string;
}

export interface CrmResponse {
  crm: CrmEndpoint;
}

export type CrmDeliveryStatus = 'pending' | 'delivered' | 'failed' | 'dead';

export interface CrmDelivery {
  id: string;
  event: string;
  leadId: string | null;
  status: CrmDeliveryStatus;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  lastAttemptAt: string | null;
  nextAttemptAt: string | null;
  createdAt: string;
}

export interface CrmDeliveryResponse {
  delivery: CrmDelivery;
}

export interface CrmDeliveriesPage {
  deliveries: CrmDelivery[];
  nextCursor: string | null;
}
