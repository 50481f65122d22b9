#include "web/mails.hpp"

#include <charconv>
#include <vector>

#include "core/common/text.hpp"
#include "web/wording.hpp"

namespace mina::web {

namespace {

std::string escape_html(const std::string& s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            default: out += c;
        }
    }
    return out;
}

/// A mail is a list of paragraphs; one of them may be a link, and one the one-time password.
struct Paragraph {
    Paragraph(std::string t, std::string h = {}, bool c = false) : text(std::move(t)), href(std::move(h)), code(c) {}
    std::string text;
    std::string href;   // the paragraph is a link to this address
    bool code = false;  // the one-time password: set apart in the HTML part
};

ComposedMail render(const std::string& subject, const std::vector<Paragraph>& paragraphs) {
    ComposedMail m;
    m.subject = subject;
    std::string html_body;
    for (const auto& p : paragraphs) {
        m.text += p.text;
        m.text += p.href.empty() ? "\n\n" : "\n" + p.href + "\n\n";
        if (p.code) {
            html_body += "<p style=\"font-size:1.2em\"><strong>" + escape_html(p.text) + "</strong></p>\n";
        } else if (!p.href.empty()) {
            html_body += "<p>" + escape_html(p.text) + "<br><a href=\"" + escape_html(p.href) + "\">" +
                         escape_html(p.href) + "</a></p>\n";
        } else {
            std::string t = escape_html(p.text);
            for (std::size_t i = t.find('\n'); i != std::string::npos; i = t.find('\n', i + 4)) t.replace(i, 1, "<br>");
            html_body += "<p>" + t + "</p>\n";
        }
    }
    while (!m.text.empty() && m.text.back() == '\n') m.text.pop_back();
    m.text += "\n";
    m.html = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + escape_html(subject) +
             "</title></head>\n<body>\n" + html_body + "</body></html>\n";
    return m;
}

}  // namespace

ComposedMail compose_mail(const Views& views, const SiteConfig& site, const time::Zone& zone,
                          const PolicyConfig& policy, const OutboxMail& mail, const Person& person,
                          const std::string& otp) {
    const std::string& lang = mail.lang;
    auto t = [&](std::string_view key, const std::map<std::string, std::string>& params = {}) {
        return views.t(lang, key, params);
    };
    const std::string base = site.link_base();
    const std::map<std::string, std::string> common{{"name", person.first_name},
                                                    {"agency", site.agency_name},
                                                    {"agency_genitive", text::genitive_sv(site.agency_name)},
                                                    {"phone", site.school_phone}};
    auto with = [&](std::map<std::string, std::string> extra) {
        extra.insert(common.begin(), common.end());
        return extra;
    };
    const Paragraph signature{t("mail_signature", common) + "\n" + t("mail_auto")};
    switch (mail.kind) {
        case MailKind::otp_first:
            return render(t("mail_otp_first_subject"),
                          {{t("mail_otp_first_intro", common)},
                           {t("mail_otp_line", {{"otp", otp}}), {}, true},
                           {t("mail_otp_valid", {{"ttl", duration_words(lang, policy.otp_ttl_first)}}) + " " +
                            t("mail_otp_latest")},
                           {t("mail_otp_first_next_step"), base + "/kiosk/forsta-gangen"},
                           signature});
        case MailKind::otp_reset:
            // Sent by the school's administrator ("admin") or by the agency ("agency", [10] item 3),
            // not ordered in the kiosk: the mail says which.
            if (mail.params == "admin" || mail.params == "agency")
                return render(t("mail_otp_reset_subject"),
                              {{t(mail.params == "agency" ? "mail_otp_agency_intro" : "mail_otp_admin_intro", common)},
                               {t("mail_otp_line", {{"otp", otp}}), {}, true},
                               {t("mail_otp_valid", {{"ttl", duration_words(lang, policy.otp_ttl_reset)}})},
                               {t("mail_otp_admin_next_step"), base + "/kiosk/forsta-gangen"},
                               {t("mail_not_you", common)},
                               signature});
            return render(t("mail_otp_reset_subject"),
                          {{t("mail_otp_reset_intro", common)},
                           {t("mail_otp_line", {{"otp", otp}}), {}, true},
                           {t("mail_otp_valid", {{"ttl", duration_words(lang, policy.otp_ttl_reset)}}) + " " +
                            t("mail_otp_latest")},
                           {t("mail_otp_reset_next_step"), base + "/kiosk/glomt"},
                           {t("mail_not_you", common)},
                           signature});
        case MailKind::account_locked: {
            // The lock's end as the outbox holds it (UTC), shown where the person is.
            const auto until = parse_iso(mail.params);
            const std::string words = until ? time::show(*until, zone, lang, time::Form::text) : mail.params;
            return render(t("mail_locked_subject"), {{t("mail_locked_text", with({{"until", words}}))},
                                                     {t("mail_locked_not_you", common), base + "/kiosk"},
                                                     signature});
        }
        case MailKind::expiry_reminder: {
            // When the password stops working, where the person is, and the days left, rounded up.
            // (A reminder queued before this form carries the number of days only.)
            std::map<std::string, std::string> words{{"date", "–"}};
            long long days = 0;
            std::from_chars(mail.params.data(), mail.params.data() + mail.params.size(), days);
            if (const auto expires = parse_iso(mail.params)) {
                words["date"] = time::show(*expires, zone, lang, time::Form::text);
                days = std::max<long long>(1, ((*expires - mail.created_at).count() + 86399) / 86400);
            }
            return render(t("mail_reminder_subject"), {{views.t_count(lang, "mail_reminder_text", days, with(words))},
                                                       {t("mail_reminder_next_step"), base + "/kiosk"},
                                                       signature});
        }
        case MailKind::password_changed:
            return render(
                t("mail_changed_subject"),
                {{t("mail_changed_text", with({{"when", time::show(mail.created_at, zone, lang, time::Form::text)}}))},
                 {t("mail_changed_not_you", common), base + "/kiosk/glomt"},
                 signature});
        case MailKind::factor_reset:
            // By the school's authorization administrator ("admin") or by the agency ("agency") ([12]).
            return render(
                t("mail_factor_reset_subject"),
                {{t(mail.params == "agency" ? "mail_factor_reset_agency_text" : "mail_factor_reset_admin_text",
                    common)},
                 {t("mail_factor_reset_next_step"), base + "/logga-in"},
                 {t("mail_factor_reset_not_you", common)},
                 signature});
    }
    return render(t("mail_changed_subject"), {signature});
}

}  // namespace mina::web
