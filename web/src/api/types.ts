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
