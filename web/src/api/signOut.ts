/**
 * Why the user stopped being signed in, so the guard that sends them to the
 * login page can say so ("Sua sessão terminou" vs. a plain logout).
 */
export type SignOutReason = 'expired' | 'logout';

let reason: SignOutReason | null = null;

export function setSignOutReason(r: SignOutReason | null): void {
  reason = r;
}

export function getSignOutReason(): SignOutReason | null {
  return reason;
}
