#include "web/audit_words.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <map>
#include <optional>
#include <utility>

#include "core/common/audit.hpp"
#include "web/wording.hpp"

namespace mina::web {

namespace {

/// The catalog's text for `key`, or nothing when it has none (Views::t answers with the key).
std::optional<std::string> words(const Views& views, const std::string& lang, const std::string& key,
                                 const std::map<std::string, std::string>& params = {}) {
    std::string out = views.t(lang, key, params);
    if (out == key) return std::nullopt;
    return out;
}

/// The catalog's word for a role as Role's to_string() writes it.
std::optional<std::string> role_key(std::string_view role) {
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 4> kKeys{{
        {"studeranderapportering", "service_studeranderapportering"},
        {"studietider", "service_studietider"},
        {"school-admin", "idm_role_school_admin"},
        {"agency-admin", "audit_role_agency-admin"},
    }};
    for (const auto& [name, key] : kKeys)
        if (name == role) return std::string(key);
    return std::nullopt;
}

/// A field's value as the page shows it.
std::string field_words(const Views& views, const std::string& lang, std::string_view field, const std::string& v,
                        const time::Zone& zone) {
    if (field == "at") {
        if (auto t = parse_iso(v)) return shown_time(lang, *t, zone);
        return v;
    }
    std::optional<std::string> key;
    if (field == "mail_kind") key = "mail_kind_" + v;
    else if (field == "school_form") key = "school_form_" + v;
    else if (field == "role") key = role_key(v);
    else if (field == "lang") key = v.empty() ? std::string("customize_language_browser") : "customize_language_" + v;
    else if (field == "report_kind") {
        std::string k = v;
        std::replace(k.begin(), k.end(), '-', '_');
        key = "sr_kind_" + k;
    }
    if (!key) return v;
    return words(views, lang, *key).value_or(v);
}

}  // namespace

std::string audit_kind_key(std::string_view kind) {
    std::string key = "audit_kind_" + std::string(kind);
    std::replace(key.begin(), key.end(), '.', '_');
    return key;
}

std::string audit_detail_key(std::string_view form_id) { return "audit_detail_" + std::string(form_id); }

std::string audit_kind_words(const Views& views, const std::string& lang, std::string_view kind) {
    return words(views, lang, audit_kind_key(kind)).value_or(std::string(kind));
}

std::string audit_detail_words(const Views& views, const std::string& lang, std::string_view kind,
                               std::string_view detail, const time::Zone& zone) {
    const auto read = audit::read_detail(kind, detail);
    if (!read) return std::string(detail);
    std::map<std::string, std::string> params;
    for (const auto& [name, value] : read->fields) params[name] = field_words(views, lang, name, value, zone);
    return words(views, lang, audit_detail_key(read->form->id), params).value_or(std::string(detail));
}

std::string audit_who(const Views& views, const std::string& lang, const std::string& id,
                      const std::map<std::string, std::string, std::less<>>& names) {
    if (id.starts_with("cli:")) return views.t(lang, "audit_actor_cli", {{"user", id.substr(4)}});
    const auto name = names.find(id);
    return name == names.end() ? id : name->second + " (" + id + ")";
}

}  // namespace mina::web
