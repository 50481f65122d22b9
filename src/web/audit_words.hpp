// The audit log in the reader's language (issue [9] §8). What is stored stays as it is (codes, short
// English details, UTC): this puts a kind into words (audit_kind_<kind> in the catalogs) and a
// detail written in one of core/common/audit.hpp's fixed forms into words (audit_detail_<id>), its
// fields shown as a page shows them: a time by shown_time(), a kind of mail, a role or a kind of
// report by the catalog's own words for them. Anything else is shown as it was written.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "time/local_time.hpp"
#include "web/views.hpp"

namespace mina::web {

/// The catalog key of a kind's words: "login.refused_locked" -> "audit_kind_login_refused_locked".
[[nodiscard]] std::string audit_kind_key(std::string_view kind);
/// The catalog key of a fixed form's words: "attempt" -> "audit_detail_attempt".
[[nodiscard]] std::string audit_detail_key(std::string_view form_id);

/// A kind in words in `lang`; the code itself for a kind without words (one no longer written).
[[nodiscard]] std::string audit_kind_words(const Views& views, const std::string& lang, std::string_view kind);

/// A stored detail of an event of `kind` in words in `lang` when it was written in one of the kind's
/// fixed forms; otherwise as it was written. Times in it are shown local to `zone`.
[[nodiscard]] std::string audit_detail_words(const Views& views, const std::string& lang, std::string_view kind,
                                             std::string_view detail, const time::Zone& zone);

/// Who an event names (its actor or subject) as a reader reads it: "Pelle Test (pt9235)" when
/// `names` has the username, "kommandoraden (root)" for the command line, anything else as written.
[[nodiscard]] std::string audit_who(const Views& views, const std::string& lang, const std::string& id,
                                    const std::map<std::string, std::string, std::less<>>& names);

}  // namespace mina::web
