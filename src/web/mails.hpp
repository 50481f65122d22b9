// The words of every mail the outbox sends (SPEC §5), in the person's language: plain text plus HTML.
#pragma once

#include <string>

#include "core/common/model.hpp"
#include "core/login/policy.hpp"
#include "time/local_time.hpp"
#include "web/site.hpp"
#include "web/views.hpp"

namespace mina::web {

struct ComposedMail {
    std::string subject;
    std::string text;
    std::string html;
};

/// `otp` is the one-time password for the mails that carry one (empty otherwise). The plain text of
/// such a mail has the line "Engångslösenord: …" (English "One-time password: …") and the kiosk
/// link, and never the username: that goes by letter (R3).
/// Times are local to `zone` (portal.time_zone), in the words of the person's language.
[[nodiscard]] ComposedMail compose_mail(const Views& views, const SiteConfig& site, const time::Zone& zone,
                                        const PolicyConfig& policy, const OutboxMail& mail, const Person& person,
                                        const std::string& otp);

}  // namespace mina::web
