#include "auth/mails.h"

#include "core/buf.h"
#include "core/err.h"
#include "crypto/crypto.h"
#include "jobs/queue.h"

static int
add_html_escaped(struct buf *b, const char *s)
{
    int err = 0;
    for (; *s && !err; s++) {
        switch (*s) {
        case '<':
            err = buf_addstr(b, "&lt;");
            break;
        case '>':
            err = buf_addstr(b, "&gt;");
            break;
        case '&':
            err = buf_addstr(b, "&amp;");
            break;
        case '"':
            err = buf_addstr(b, "&quot;");
            break;
        default:
            err = buf_addch(b, *s);
        }
    }
    return err;
}

/*
 * The mails, as data. Columns: the outbox kind, whether it is throttled,
 * the subject, the paragraphs, the button's label and the APP_URL path it
 * links to (a token is appended to paths ending in "token="), and, for mails
 * about something named (a workspace), the label of a first paragraph that
 * names it: the name is then that thing's, not the addressee's.
 */
static const struct template
{
    const char *kind;
    bool throttled; /* a stranger can trigger it: cooldown and daily cap */
    const char *subject;
    const char *paragraphs[2];
    const char *label;
    const char *path;
    const char *about;
}
templates[] = {
    [MAIL_VERIFY] = {"verify",
                     true,
                     "Confirme seu e-mail no Piloto de Vendas",
                     {"Confirme que este endereço de e-mail é seu para concluir o cadastro no "
                      "Piloto de Vendas.",
                      "O link vale por 48 horas e só pode ser usado uma vez. Se você não pediu "
                      "isto, ignore esta mensagem."},
                     "Confirmar e-mail",
                     "/verificar-email?token="},
    [MAIL_RESET] = {"reset",
                    true,
                    "Redefinição de senha do Piloto de Vendas",
                    {"Recebemos um pedido para redefinir a senha da sua conta no Piloto de Vendas.",
                     "O link vale por 30 minutos e só pode ser usado uma vez. Ao redefinir a "
                     "senha, todas as sessões abertas serão encerradas. Se você não pediu isto, "
                     "ignore esta mensagem: sua senha continua a mesma."},
                    "Redefinir senha",
                    "/redefinir-senha?token="},
    [MAIL_ACCOUNT_EXISTS] = {"account_exists",
                             true,
                             "Você já tem uma conta no Piloto de Vendas",
                             {"Alguém tentou criar uma conta no Piloto de Vendas com este "
                              "endereço de e-mail, mas você já tem uma conta.",
                              "Se foi você, basta entrar com sua senha. Se esqueceu a senha, peça "
                              "uma nova na tela de login. Se não foi você, ignore esta mensagem: "
                              "nada mudou na sua conta."},
                             "Entrar",
                             "/entrar"},
    [MAIL_PASSWORD_CHANGED] = {"password_changed",
                               false,
                               "Sua senha do Piloto de Vendas foi alterada",
                               {"A senha da sua conta no Piloto de Vendas acabou de ser alterada, "
                                "e as outras sessões foram encerradas.",
                                "Se não foi você, redefina a senha agora pela tela de login e "
                                "fale com o administrador da sua empresa."},
                               "Redefinir senha",
                               "/esqueci-senha"},
    [MAIL_EMAIL_CHANGE] = {"email_change",
                           true,
                           "Confirme seu novo e-mail no Piloto de Vendas",
                           {"Foi pedido que este endereço passe a ser o e-mail de uma conta no "
                            "Piloto de Vendas. Confirme para concluir a troca.",
                            "O link vale por 1 hora e só pode ser usado uma vez. Se você não pediu "
                            "isto, ignore esta mensagem."},
                           "Confirmar novo e-mail",
                           "/verificar-email?token="},
    [MAIL_EMAIL_CHANGED] = {"email_changed",
                            false,
                            "O e-mail da sua conta no Piloto de Vendas foi alterado",
                            {"O endereço de e-mail da sua conta no Piloto de Vendas acabou de ser "
                             "trocado, e este endereço não é mais usado para entrar.",
                             "Se não foi você, fale agora com o administrador da sua empresa e "
                             "com o suporte do Piloto de Vendas para recuperar a conta."},
                            "Abrir o Piloto de Vendas",
                            "/entrar"},
    [MAIL_INVITATION] = {"invitation",
                         false,
                         "Você foi convidado para uma equipe no Piloto de Vendas",
                         {"Você recebeu um convite para participar de uma equipe no Piloto de "
                          "Vendas. Para aceitar, entre (ou crie sua conta) com este mesmo "
                          "endereço de e-mail.",
                          "O convite vale por 7 dias e só pode ser usado uma vez. Se você não "
                          "esperava por isto, ignore esta mensagem."},
                         "Aceitar convite",
                         "/convites/aceitar?token=",
                         "Equipe"},
    [MAIL_CRM_DISABLED] = {"crm_disabled",
                           false,
                           "A integração com o CRM foi desativada",
                           {"O CRM da sua equipe respondeu que o endereço de integração não "
                            "existe mais (410 Gone), e o Piloto de Vendas parou de enviar "
                            "leads para ele.",
                            "Confira o endereço nas configurações do CRM e salve-o de novo para "
                            "reativar o envio. Os envios que falharam podem ser reenviados pelo "
                            "histórico de entregas."},
                           "Abrir configurações do CRM",
                           "/w/",
                           "Equipe"},
};

/*
 * Takes a place in the recipient's allowance for kind: one mail per
 * MAILS_COOLDOWN_S, MAILS_DAILY_CAP per day. One statement, so concurrent
 * requests (and instances) cannot both pass: the upsert updates the row only
 * when allowed, and returns no row when not.
 */
static int
throttle_take(struct db_conn *conn, const char *kind, const char *to, int64_t now)
{
    char key[2 * CRYPTO_SHA256_LEN + 1];
    struct db_result *r = NULL;
    struct buf k = BUF_INIT;
    int err;

    if (buf_addf(&k, "%s:%s", kind, to)) {
        return E_INTERNAL;
    }
    crypto_sha256_hex(k.ptr, k.len, key);
    buf_release(&k);
    {
        struct db_param p[] = {DB_CSTR(key), DB_INT(now), DB_INT(now - 86400),
                               DB_INT(now - MAILS_COOLDOWN_S), DB_INT(MAILS_DAILY_CAP)};
        err = db_exec(conn,
                      "INSERT INTO mail_throttle (key_hash, last_sent_at, window_start, "
                      "sent_in_window) VALUES ($1, $2, $2, 1) "
                      "ON CONFLICT (key_hash) DO UPDATE SET last_sent_at = $2, "
                      "sent_in_window = CASE WHEN mail_throttle.window_start <= $3 THEN 1 "
                      "ELSE mail_throttle.sent_in_window + 1 END, "
                      "window_start = CASE WHEN mail_throttle.window_start <= $3 THEN $2 "
                      "ELSE mail_throttle.window_start END "
                      "WHERE mail_throttle.last_sent_at <= $4 AND "
                      "(mail_throttle.window_start <= $3 OR mail_throttle.sent_in_window < $5) "
                      "RETURNING sent_in_window",
                      p, 5, &r);
    }
    if (!err && db_result_rows(r) == 0) {
        err = E_RATE_LIMITED;
    }
    db_result_free(r);
    return err;
}

/* One mail: a greeting, the paragraphs, a button link, a closing; text and HTML alike. */
static int
enqueue(struct db_conn *conn, const char *to, const char *name, const struct template *m,
        const char *link, int64_t now)
{
    struct buf text = BUF_INIT;
    struct buf html = BUF_INIT;
    struct db_result *r = NULL;
    int err = 0;

    const char *greeting = m->about || !name || !name[0] ? "tudo bem" : name;

    err |= buf_addf(&text, "Olá, %s!\n\n", greeting);
    err |= buf_addstr(&html, "<!doctype html><html lang=\"pt-BR\"><body style=\"font-family:"
                             "Arial,sans-serif;color:#1f2937;line-height:1.5\"><p>Olá, ");
    err |= add_html_escaped(&html, greeting);
    err |= buf_addstr(&html, "!</p>");
    if (m->about && name) {
        err |= buf_addf(&text, "%s: %s\n\n", m->about, name);
        err |= buf_addstr(&html, "<p><strong>");
        err |= add_html_escaped(&html, m->about);
        err |= buf_addstr(&html, ":</strong> ");
        err |= add_html_escaped(&html, name);
        err |= buf_addstr(&html, "</p>");
    }
    for (size_t i = 0; i < ARRAY_LEN(m->paragraphs); i++) {
        err |= buf_addf(&text, "%s\n\n", m->paragraphs[i]);
        err |= buf_addstr(&html, "<p>");
        err |= add_html_escaped(&html, m->paragraphs[i]);
        err |= buf_addstr(&html, "</p>");
    }
    err |= buf_addf(&text, "%s:\n%s\n\n", m->label, link);
    err |= buf_addstr(&html, "<p><a href=\"");
    err |= add_html_escaped(&html, link);
    err |= buf_addstr(&html, "\" style=\"background:#4f46e5;color:#ffffff;padding:10px 18px;"
                             "border-radius:6px;text-decoration:none;display:inline-block\">");
    err |= add_html_escaped(&html, m->label);
    err |= buf_addstr(&html, "</a></p><p style=\"font-size:13px;color:#6b7280\">Se o botão "
                             "não funcionar, copie e cole este endereço no navegador:<br>");
    err |= add_html_escaped(&html, link);
    err |= buf_addstr(&html, "</p>");
    err |= buf_addstr(&text, "Equipe Piloto de Vendas\n");
    err |= buf_addstr(&html, "<p>Equipe Piloto de Vendas</p></body></html>");
    if (err) {
        err = E_INTERNAL;
        goto out;
    }
    {
        struct db_param p[] = {DB_INT(now),
                               DB_CSTR(m->kind),
                               DB_CSTR(to),
                               DB_CSTR(m->subject),
                               DB_TEXT(text.ptr, text.len),
                               DB_TEXT(html.ptr, html.len)};
        err = db_exec(conn,
                      "INSERT INTO mail_outbox (created_at, kind, to_addr, subject, body_text, "
                      "body_html) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                      p, 6, &r);
    }
    if (!err) {
        char payload[64];
        (void)snprintf(payload, sizeof(payload), "{\"outbox\":%lld}", (long long)db_int(r, 0, 0));
        err = jobs_enqueue(conn, MAILS_JOB, payload, NULL, NULL);
    }
out:
    db_result_free(r);
    buf_release(&text);
    buf_release(&html);
    return err;
}

int
mails_enqueue(struct db_conn *conn, const struct config *cfg, enum mail_kind kind, const char *to,
              const char *name, const char *token, int64_t now)
{
    const struct template *t = &templates[kind];
    struct buf link = BUF_INIT;
    int err;

    if (t->throttled && (err = throttle_take(conn, t->kind, to, now))) {
        return err;
    }
    if (buf_addf(&link, "%s%s%s%s", cfg->app_url ? cfg->app_url : "", t->path,
                 token && (strstr(t->path, "token=") || kind == MAIL_CRM_DISABLED) ? token : "",
                 kind == MAIL_CRM_DISABLED ? "/configuracoes/crm" : "")) {
        return E_INTERNAL;
    }
    err = enqueue(conn, to, name, t, link.ptr, now);
    buf_release(&link);
    return err;
}
