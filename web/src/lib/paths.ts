/** The SPA's routes, in one place (the mails link to /verificar-email and /redefinir-senha). */
export const paths = {
  home: '/',
  login: '/entrar',
  signup: '/cadastro',
  forgotPassword: '/esqueci-senha',
  resetPassword: '/redefinir-senha',
  verifyEmail: '/verificar-email',
  agents: '/agentes',
  leads: '/leads',
  conversations: '/conversas',
  knowledge: '/conhecimento',
  settings: '/configuracoes',
  account: '/conta',
  accountProfile: '/conta/perfil',
  accountSecurity: '/conta/seguranca',
  accountSessions: '/conta/sessoes',
  /** The invitation mail links here with ?token= (docs/api.md). */
  acceptInvitation: '/convites/aceitar',
} as const;

/** Pages of one workspace, under /w/:wid so a link opens the same workspace. */
export const wsSections = {
  home: '',
  agents: 'agentes',
  leads: 'leads',
  conversations: 'conversas',
  knowledge: 'conhecimento',
  settings: 'configuracoes',
  members: 'configuracoes/membros',
  invitations: 'configuracoes/convites',
  audit: 'configuracoes/auditoria',
  crm: 'configuracoes/crm',
} as const;

export type WsSection = keyof typeof wsSections;

/** "/w/<wid>/<section>" */
export function wsPath(wid: string, section: WsSection = 'home'): string {
  const sub = wsSections[section];
  return `/w/${encodeURIComponent(wid)}${sub ? `/${sub}` : ''}`;
}

/** The acceptance page of an invitation token. */
export function acceptPath(token: string): string {
  return `${paths.acceptInvitation}?token=${encodeURIComponent(token)}`;
}

/** A page of the signed-out flow that comes back to `next` afterwards. */
export function withNext(page: string, next: string): string {
  const safe = safeNextPath(next);
  return safe === paths.home ? page : `${page}?next=${encodeURIComponent(safe)}`;
}

/** Pages a signed-out visitor uses; never a useful "next" after login. */
const AUTH_PAGES: readonly string[] = [
  paths.login,
  paths.signup,
  paths.forgotPassword,
  paths.resetPassword,
  paths.verifyEmail,
];

/**
 * A return path that can only ever be a path on this app: it must start
 * with one "/" (not "//" or "/\", which browsers treat as another host) and
 * hold no control characters. Anything else becomes "/".
 */
export function safeNextPath(raw: string | null | undefined): string {
  if (!raw || raw.length > 2048) return paths.home;
  if (raw[0] !== '/' || raw[1] === '/' || raw[1] === '\\') return paths.home;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(raw)) return paths.home;
  const pathname = raw.split(/[?#]/, 1)[0] ?? '';
  if (AUTH_PAGES.includes(pathname)) return paths.home;
  return raw;
}

/** The login page, remembering where to go back to. */
export function loginPath(next?: string | null): string {
  return withNext(paths.login, next ?? paths.home);
}
