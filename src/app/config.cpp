#include "app/config.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <sstream>
#include <system_error>

#include "core/common/text.hpp"
#include "time/local_time.hpp"

namespace mina::app {

namespace {

using Setter = std::function<std::string(Config&, const std::string&)>;  // returns an error or ""
using Getter = std::function<std::string(const Config&)>;

/// Why a value is a placeholder that people would see (issue [9] item 12), or "" when it is not.
using Placeholder = std::function<std::string(const Config&)>;

struct Key {
    std::string section;
    std::string name;
    Setter set;
    Getter get;
    bool secret = false;
    Placeholder placeholder{};
};

std::string set_int(int& out, const std::string& v, int lo, int hi) {
    int x = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
    if (ec != std::errc() || p != v.data() + v.size() || x < lo || x > hi)
        return "must be a whole number from " + std::to_string(lo) + " to " + std::to_string(hi);
    out = x;
    return {};
}

/// The same for a size (bytes or KiB) kept as std::size_t.
std::string set_size(std::size_t& out, const std::string& v, int lo, int hi) {
    int x = 0;
    auto e = set_int(x, v, lo, hi);
    if (e.empty()) out = static_cast<std::size_t>(x);
    return e;
}

std::string set_duration(Seconds& out, const std::string& v) {
    auto d = parse_duration(v);
    if (!d) return "must be a duration like 30m, 12h or 365d";
    out = *d;
    return {};
}

std::string set_bool(bool& out, const std::string& v) {
    if (v == "true" || v == "1") out = true;
    else if (v == "false" || v == "0") out = false;
    else return "must be true or false";
    return {};
}

/// A list value: from a TOML array, or commas in the environment; each item trimmed, empty ones dropped.
std::vector<std::string> split_list(const std::string& v) {
    std::vector<std::string> out;
    std::stringstream ss(v);
    for (std::string item; std::getline(ss, item, ',');) {
        const auto first = item.find_first_not_of(" \t");
        if (first == std::string::npos) continue;
        out.push_back(item.substr(first, item.find_last_not_of(" \t") - first + 1));
    }
    return out;
}

std::string join_list(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "" : ",") + item;
    return out;
}

/// Whether an address (a URL, or a mail address with or without its display name) names a host
/// reserved for examples (RFC 2606's example.com/.net/.org, and example.se as the manual writes
/// it) or this machine: a value copied from an example that nobody outside could use.
bool example_or_local(std::string_view v) {
    std::string s = text::lower_ascii(v);
    if (const auto scheme = s.find("://"); scheme != std::string::npos) s = s.substr(scheme + 3);
    if (const auto at = s.rfind('@'); at != std::string::npos) s = s.substr(at + 1);
    s = s.substr(0, s.find_first_of("/:>? "));
    for (const std::string_view host : {"localhost", "example.se", "example.com", "example.net", "example.org"})
        if (s == host || (s.size() > host.size() && s.ends_with(host) && s[s.size() - host.size() - 1] == '.'))
            return true;
    return false;
}

/// A default of the portal's that is there to be replaced: placeholder when the value still is it.
Placeholder unchanged(std::string web::SiteConfig::*field, std::string why) {
    return [field, why = std::move(why)](const Config& c) {
        return c.site.*field == web::SiteConfig{}.*field ? why : std::string();
    };
}

std::string hide_password(const std::string& url) {
    // scheme://user:password@host -> scheme://user:***@host
    const auto scheme = url.find("://");
    const auto at = url.find('@');
    if (scheme == std::string::npos || at == std::string::npos) return url;
    const auto colon = url.find(':', scheme + 3);
    if (colon == std::string::npos || colon > at) return url;
    return url.substr(0, colon + 1) + "***" + url.substr(at);
}

Key with_placeholder(Key k, Placeholder p) {
    k.placeholder = std::move(p);
    return k;
}

// Left as written: clang-format cannot lay out a lambda inside a macro's continued lines.
// clang-format off
#define MINA_STR(section, key, field) \
    Key { section, key, [](Config& c, const std::string& v) { c.field = v; return std::string(); }, \
          [](const Config& c) { return c.field; } }
#define MINA_DUR(key, field) \
    Key { "policy", key, [](Config& c, const std::string& v) { return set_duration(c.policy.field, v); }, \
          [](const Config& c) { return format_duration(c.policy.field); } }
// clang-format on

std::vector<Key> keys() {
    return {
        Key{"server", "listen",
            [](Config& c, const std::string& v) {
                const auto colon = v.rfind(':');
                if (colon == std::string::npos) return std::string("must be HOST:PORT, like 127.0.0.1:8080");
                int port = 0;
                if (auto e = set_int(port, v.substr(colon + 1), 0, 65535); !e.empty()) return "port " + e;
                std::string host = v.substr(0, colon);
                if (host.size() > 2 && host.front() == '[' && host.back() == ']')
                    host = host.substr(1, host.size() - 2);
                c.listen = v;
                c.host = host;
                c.port = static_cast<unsigned short>(port);
                return std::string();
            },
            [](const Config& c) { return c.listen; }},
        Key{"server", "io_threads", [](Config& c, const std::string& v) { return set_int(c.io_threads, v, 0, 64); },
            [](const Config& c) { return std::to_string(c.io_threads); }},
        Key{"server", "work_threads",
            [](Config& c, const std::string& v) { return set_int(c.work_threads, v, 1, 256); },
            [](const Config& c) { return std::to_string(c.work_threads); }},
        Key{"server", "hash_threads",
            [](Config& c, const std::string& v) { return set_int(c.hash_threads, v, 0, 256); },
            [](const Config& c) { return std::to_string(c.hash_threads); }},
        Key{"server", "max_body_bytes",
            [](Config& c, const std::string& v) { return set_size(c.max_body_bytes, v, 1024, 64 * 1024 * 1024); },
            [](const Config& c) { return std::to_string(c.max_body_bytes); }},
        Key{"server", "max_upload_bytes",
            [](Config& c, const std::string& v) {
                return set_size(c.max_upload_bytes, v, 64 * 1024, 256 * 1024 * 1024);
            },
            [](const Config& c) { return std::to_string(c.max_upload_bytes); }},
        Key{"server", "max_body_bytes_in_flight",
            [](Config& c, const std::string& v) {
                return set_size(c.max_body_bytes_in_flight, v, 1024 * 1024, 1024 * 1024 * 1024);
            },
            [](const Config& c) { return std::to_string(c.max_body_bytes_in_flight); }},
        Key{"server", "max_connections",
            [](Config& c, const std::string& v) { return set_int(c.max_connections, v, 0, 1'000'000); },
            [](const Config& c) { return std::to_string(c.max_connections); }},
        Key{"server", "search_cache_pages",
            [](Config& c, const std::string& v) { return set_int(c.search_cache_pages, v, 0, 1'000'000); },
            [](const Config& c) { return std::to_string(c.search_cache_pages); }},
        Key{"server", "session_cache_pages",
            [](Config& c, const std::string& v) { return set_int(c.session_cache_pages, v, 0, 1'000'000); },
            [](const Config& c) { return std::to_string(c.session_cache_pages); }},
        Key{"server", "trusted_proxies",
            [](Config& c, const std::string& v) {
                c.trusted_proxies.clear();
                std::stringstream ss(v);
                for (std::string item; std::getline(ss, item, ',');) {
                    item.erase(std::remove(item.begin(), item.end(), ' '), item.end());
                    if (!item.empty()) c.trusted_proxies.push_back(item);
                }
                return std::string();
            },
            [](const Config& c) {
                std::string out;
                for (const auto& p : c.trusted_proxies) out += (out.empty() ? "" : ",") + p;
                return out;
            }},
        Key{"server", "access_log", [](Config& c, const std::string& v) { return set_bool(c.access_log, v); },
            [](const Config& c) { return std::string(c.access_log ? "true" : "false"); }},
        Key{"server", "read_timeout", [](Config& c, const std::string& v) { return set_duration(c.read_timeout, v); },
            [](const Config& c) { return format_duration(c.read_timeout); }},
        Key{"server", "shutdown_grace",
            [](Config& c, const std::string& v) { return set_duration(c.shutdown_grace, v); },
            [](const Config& c) { return format_duration(c.shutdown_grace); }},
        Key{"server", "public_url",
            [](Config& c, const std::string& v) {
                if (!v.empty() && !v.starts_with("https://") && !v.starts_with("http://"))
                    return std::string(
                        "must start with https:// (the address people open, e.g. https://mina.example.se)");
                c.site.public_url = v;
                while (c.site.public_url.ends_with('/')) c.site.public_url.pop_back();  // links add their own
                return std::string();
            },
            [](const Config& c) { return c.site.public_url; }, false,
            [](const Config& c) {
                if (c.site.public_url.empty())
                    return std::string("unset, so mail and letters link to ") + web::SiteConfig::kLoopbackBase;
                return example_or_local(c.site.public_url)
                           ? std::string("an example address: the links in mail and letters lead nowhere")
                           : std::string();
            }},
        Key{"database", "url",
            [](Config& c, const std::string& v) {
                if (!v.starts_with("sqlite:") && !v.starts_with("postgresql://") && !v.starts_with("postgres://"))
                    return std::string("must start with sqlite: or postgresql://");
                c.database_url = v;
                return std::string();
            },
            [](const Config& c) { return hide_password(c.database_url); }, true},
        Key{"database", "sqlite_synchronous_full",
            [](Config& c, const std::string& v) { return set_bool(c.sqlite_synchronous_full, v); },
            [](const Config& c) { return std::string(c.sqlite_synchronous_full ? "true" : "false"); }},
        Key{"database", "pool_size",
            [](Config& c, const std::string& v) { return set_int(c.database_pool_size, v, 0, 1000); },
            [](const Config& c) { return std::to_string(c.database_pool_size); }},
        Key{"database", "view_cache",
            [](Config& c, const std::string& v) { return set_bool(c.database_view_cache, v); },
            [](const Config& c) { return std::string(c.database_view_cache ? "true" : "false"); }},
        Key{"policy", "max_failed_logins",
            [](Config& c, const std::string& v) { return set_int(c.policy.max_failed_logins, v, 1, 100); },
            [](const Config& c) { return std::to_string(c.policy.max_failed_logins); }},
        MINA_DUR("lockout", lockout),
        MINA_DUR("password_max_age", password_max_age),
        MINA_DUR("password_nudge_age", password_nudge_age),
        MINA_DUR("otp_email_delay", otp_email_delay),
        MINA_DUR("otp_ttl_first", otp_ttl_first),
        MINA_DUR("otp_ttl_reset", otp_ttl_reset),
        MINA_DUR("session_idle", session_idle),
        MINA_DUR("session_absolute", session_absolute),
        Key{"policy", "client_max_failures",
            [](Config& c, const std::string& v) { return set_int(c.policy.client_max_failures, v, 1, 1000000); },
            [](const Config& c) { return std::to_string(c.policy.client_max_failures); }},
        MINA_DUR("client_window", client_window),
        MINA_DUR("client_max_delay", client_max_delay),
        Key{"policy", "client_ipv6_prefix",
            [](Config& c, const std::string& v) { return set_int(c.policy.client_ipv6_prefix, v, 16, 128); },
            [](const Config& c) { return std::to_string(c.policy.client_ipv6_prefix); }},
        // [12]: the roles whose holders prove a second factor; a TOML list, or the names with commas.
        Key{"policy", "second_factor_roles",
            [](Config& c, const std::string& v) {
                std::vector<Role> roles;
                std::string_view rest = v;
                while (!rest.empty()) {
                    const auto comma = rest.find(',');
                    const auto name = text::trim_view(rest.substr(0, comma), " \t");
                    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
                    if (name.empty()) continue;
                    const auto role = parse_role(name);
                    if (!role)
                        return std::string(
                            "must name roles among agency-admin, school-admin, studeranderapportering "
                            "and studietider");
                    if (std::find(roles.begin(), roles.end(), *role) == roles.end()) roles.push_back(*role);
                }
                c.policy.second_factor_roles = std::move(roles);
                return std::string();
            },
            [](const Config& c) {
                std::string out;
                for (Role r : c.policy.second_factor_roles) out += (out.empty() ? "" : ",") + std::string(to_string(r));
                return out;
            }},
        Key{"argon2", "ops",
            [](Config& c, const std::string& v) {
                int x = 0;
                auto e = set_int(x, v, 2, 10);
                if (e.empty()) c.argon2_ops = static_cast<unsigned long long>(x);
                return e;
            },
            [](const Config& c) { return std::to_string(c.argon2_ops); }},
        Key{"argon2", "mem_kib",
            [](Config& c, const std::string& v) { return set_size(c.argon2_mem_kib, v, 19 * 1024, 1024 * 1024); },
            [](const Config& c) { return std::to_string(c.argon2_mem_kib); }},
        Key{"mail", "smtp_url",
            [](Config& c, const std::string& v) {
                c.mail_smtp_url = v;
                return std::string();
            },
            [](const Config& c) { return hide_password(c.mail_smtp_url); }, true},
        MINA_STR("mail", "spool_dir", mail_spool_dir),
        with_placeholder(MINA_STR("mail", "from", mail_from),
                         [](const Config& c) {
                             return example_or_local(c.mail_from)
                                        ? std::string(
                                              "an example or local address: mail servers refuse it or take it for spam")
                                        : std::string();
                         }),
        Key{"mail", "poll_interval",
            [](Config& c, const std::string& v) { return set_duration(c.mail_poll_interval, v); },
            [](const Config& c) { return format_duration(c.mail_poll_interval); }},
        Key{"mail", "concurrency",
            [](Config& c, const std::string& v) { return set_int(c.mail_concurrency, v, 1, 64); },
            [](const Config& c) { return std::to_string(c.mail_concurrency); }},
        Key{"mail", "timeout",
            [](Config& c, const std::string& v) {
                Seconds d{};
                if (auto e = set_duration(d, v); !e.empty()) return e;
                if (d < Seconds{1} || d > Seconds{600}) return std::string("must be from 1s to 10m");
                c.mail_timeout = d;
                return std::string();
            },
            [](const Config& c) { return format_duration(c.mail_timeout); }},
        MINA_STR("letters", "dir", letters_dir),
        Key{"captcha", "test_answer",
            [](Config& c, const std::string& v) {
                c.captcha_test_answer = v;
                return std::string();
            },
            [](const Config& c) { return c.captcha_test_answer.empty() ? std::string() : std::string("***"); }, true},
        Key{"security", "identity_key",
            [](Config& c, const std::string& v) {
                c.identity_key = v;
                return std::string();
            },
            [](const Config& c) { return c.identity_key.empty() ? std::string() : std::string("***"); }, true},
        MINA_STR("security", "identity_key_file", identity_key_file),
        Key{"log", "level",
            [](Config& c, const std::string& v) {
                static const std::vector<std::string> kLevels{"trace", "debug", "info", "warn", "error", "off"};
                if (std::find(kLevels.begin(), kLevels.end(), v) == kLevels.end())
                    return std::string("must be one of trace, debug, info, warn, error, off");
                c.log_level = v;
                return std::string();
            },
            [](const Config& c) { return c.log_level; }},
        MINA_STR("portal", "agency_name", site.agency_name),
        Key{"portal", "time_zone",
            [](Config& c, const std::string& v) {
                if (!time::Zone::named(v)) return std::string("must be a time zone such as Europe/Stockholm");
                c.site.time_zone = v;
                return std::string();
            },
            [](const Config& c) { return c.site.time_zone; }},
        Key{"portal", "agency_postal_address",
            [](Config& c, const std::string& v) {
                c.site.agency_postal_address = split_list(v);
                return std::string();
            },
            [](const Config& c) { return join_list(c.site.agency_postal_address); }, false,
            [](const Config& c) {
                return c.site.agency_postal_address.empty()
                           ? std::string("unset, so the letters' return line has the agency's name and no address")
                           : std::string();
            }},
        with_placeholder(
            MINA_STR("portal", "contact_name", site.contact_name),
            unchanged(&web::SiteConfig::contact_name,
                      "a title, not a person: Kontakta oss shows it to every school without a contact of its own")),
        MINA_STR("portal", "contact_phone", site.contact_phone),
        MINA_STR("portal", "school_phone", site.school_phone),
        MINA_STR("portal", "school_phone_hours_sv", site.school_phone_hours_sv),
        MINA_STR("portal", "school_phone_hours_en", site.school_phone_hours_en),
        with_placeholder(MINA_STR("portal", "semafor_url", site.semafor_url),
                         unchanged(&web::SiteConfig::semafor_url, "the agency's start page, not Semafor's login")),
        with_placeholder(MINA_STR("portal", "order_url", site.order_url),
                         unchanged(&web::SiteConfig::order_url, "the agency's start page, not CSN Order's login")),
    };
}

#undef MINA_STR
#undef MINA_DUR

std::string env_name(const Key& k) {
    std::string out = "MINA_" + k.section + "_" + k.name;
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return out;
}

std::string toml_to_string(const toml::node& n) {
    if (auto s = n.value<std::string>()) return *s;
    if (auto b = n.value_exact<bool>()) return *b ? "true" : "false";
    if (auto i = n.value_exact<std::int64_t>()) return std::to_string(*i);
    if (const auto* arr = n.as_array()) {
        std::string out;
        for (const auto& item : *arr)
            if (auto s = item.value<std::string>()) out += (out.empty() ? "" : ",") + *s;
        return out;
    }
    return {};
}

/// A TOML basic string: what `mina config show` prints reads back the same (control characters escaped).
std::string quote(const std::string& v) {
    std::string out = "\"";
    for (char c : v) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\t') {
            out += "\\t";
        } else if (u < 0x20 || u == 0x7F) {
            char esc[8];
            std::snprintf(esc, sizeof esc, "\\u%04X", static_cast<unsigned>(u));
            out += esc;
        } else {
            out += c;
        }
    }
    return out + "\"";
}

}  // namespace

std::string Config::database_for_log() const { return hide_password(database_url); }

std::string Config::sqlite_path() const {
    return database_url.starts_with("sqlite:") ? database_url.substr(7) : std::string();
}

std::string Config::show() const {
    std::ostringstream out;
    std::string section;
    for (const Key& k : keys()) {
        if (k.section != section) {
            out << (section.empty() ? "" : "\n") << "[" << k.section << "]\n";
            section = k.section;
        }
        out << k.name << " = " << quote(k.get(*this));
        if (k.placeholder)
            if (const auto why = k.placeholder(*this); !why.empty()) out << "  # placeholder: " << why;
        out << "\n";
    }
    return out.str();
}

std::vector<Config::PlaceholderInUse> Config::placeholders() const {
    std::vector<PlaceholderInUse> out;
    for (const Key& k : keys())
        if (k.placeholder)
            if (auto why = k.placeholder(*this); !why.empty())
                out.push_back({k.section + "." + k.name, std::move(why)});
    return out;
}

namespace {

/// One UTF-8 code point at `s[i]`: its value and length, or length 0 when the bytes are not UTF-8.
std::pair<char32_t, std::size_t> decode(std::string_view s, std::size_t i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) return {c, 1};
    std::size_t len = 0;
    char32_t cp = 0;
    if ((c & 0xE0) == 0xC0) len = 2, cp = c & 0x1F;
    else if ((c & 0xF0) == 0xE0) len = 3, cp = c & 0x0F;
    else if ((c & 0xF8) == 0xF0) len = 4, cp = c & 0x07;
    else return {0, 0};
    if (i + len > s.size()) return {0, 0};
    for (std::size_t k = 1; k < len; ++k) {
        const auto d = static_cast<unsigned char>(s[i + k]);
        if ((d & 0xC0) != 0x80) return {0, 0};
        cp = (cp << 6) | (d & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return {0, 0};
    return {cp, len};
}

/// "U+00A0 (a space that is not a plain space)": a character as a message names it.
std::string describe(char32_t cp) {
    char hex[16];
    std::snprintf(hex, sizeof hex, "U+%04X", static_cast<unsigned>(cp));
    const bool space = cp == 0xA0 || cp == 0x1680 || cp == 0x180E || (cp >= 0x2000 && cp <= 0x200B) || cp == 0x2028 ||
                       cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x2060 || cp == 0x3000 || cp == 0xFEFF;
    return std::string(hex) + (space ? " (a space that is not a plain space)" : "");
}

/// A message on one line: the parser's descriptions may quote what they saw.
std::string one_line(std::string text) {
    for (char& c : text)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = ' ';
    return text;
}

}  // namespace

// A small lexer in front of toml++: it knows where strings and comments are exactly as the parser
// will, and refuses what could make the parser look at a non-ASCII character anywhere else. It is
// stricter than TOML where this file needs nothing more: keys are bare words (no quoted keys) and
// values have no inline tables, so a quote opens a string only where a value or an array element
// begins (after '=', '[' or ',' in a value).
std::optional<std::string> toml_text_problem(std::string_view s) {
    enum class In { code, comment, basic, literal, ml_basic, ml_literal };
    In in = In::code;
    bool in_value = false;  // after '=', to the end of its line (or of its array)
    int depth = 0;          // '[' open in the value
    char last = '\n';       // the last character in code that is not a space or a tab ('\n': none on the line)
    // Whether everything since the last value terminator (as toml++ has them: whitespace, a line break,
    // ',', ']', '}', '#') or the key's '=' is an opening '['. toml++ classifies a value by reading ahead
    // to the next terminator, through quotes: a quote after anything else (`x = +[['ä'`, `x = 9='ä'`)
    // would let it read a string's non-ASCII character as code and reach TOML_UNREACHABLE.
    bool run_clean = true;
    bool escaped = false;   // a basic string's backslash was the last code point
    bool skipping = false;  // after a line-ending backslash: toml++ skips whitespace and line breaks
    int line = 1;
    int column = 0;
    std::size_t i = s.starts_with("\xEF\xBB\xBF") ? 3 : 0;  // a byte-order mark: toml++ skips it
    while (i < s.size()) {
        const auto [cp, len] = decode(s, i);
        ++column;
        const auto at = [&](const std::string& what) {
            return std::to_string(line) + ":" + std::to_string(column) + ": " + what;
        };
        if (len == 0) return at("the file is not UTF-8 text: save it as UTF-8");
        const bool ascii = cp < 0x80;
        const auto run_of = [&](char q) {  // how many of `q` from here
            std::size_t n = 0;
            while (i + n < s.size() && s[i + n] == q) ++n;
            return n;
        };
        switch (in) {
            case In::code:
                if (!ascii)
                    return at(describe(cp) + " outside quotes: only strings and comments may hold other than ASCII");
                if (cp == '#') {
                    in = In::comment;
                } else if (cp == '"' || cp == '\'') {
                    if (!in_value) return at("a quoted key: write keys without quotes");
                    if (!run_clean || (last != '=' && last != '[' && last != ','))
                        return at("a quote in the middle of a value");
                    const auto q = static_cast<char>(cp);
                    const bool triple = run_of(q) >= 3;
                    in = q == '"' ? (triple ? In::ml_basic : In::basic) : (triple ? In::ml_literal : In::literal);
                    last = q;
                    if (triple) {
                        i += 3;
                        column += 2;
                        continue;
                    }
                } else if (cp == '{') {
                    return at("an inline table ({ ... }): write each key on a line of its own");
                } else if (cp == '\n') {
                    run_clean = true;
                    if (depth == 0) in_value = false;
                    if (!in_value) last = '\n';
                } else if (cp == ' ' || cp == '\t' || cp == '\r') {
                    run_clean = true;
                } else {
                    if (cp == ',' || cp == ']' || cp == '}' || (cp == '=' && !in_value)) run_clean = true;
                    else if (cp != '[') run_clean = false;
                    // A second '=' is no TOML outside a string, and toml++ reading a value before it
                    // looks past it (found by the fuzzer: `x =[[ -9999999999999='ä'`).
                    if (cp == '=' && in_value) return at("a second '=' in a value");
                    if (cp == '=') in_value = true;
                    else if (cp == '[' && in_value) ++depth;
                    else if (cp == ']' && in_value && depth > 0) --depth;
                    last = static_cast<char>(cp);
                }
                break;
            case In::comment:
                if (cp == '\n') {
                    in = In::code;
                    run_clean = true;
                    if (depth == 0) in_value = false;
                    if (!in_value) last = '\n';
                }
                break;
            case In::basic:
                if (escaped) escaped = false;  // toml++ reads a single-line string's escape without surprises
                else if (cp == '\\') escaped = true;
                else if (cp == '"') in = In::code, run_clean = false;  // a value: a quote may not follow
                else if (cp == '\n') return at("a string that does not end on its line");
                break;
            case In::literal:
                if (cp == '\'') in = In::code, run_clean = false;
                else if (cp == '\n') return at("a string that does not end on its line");
                break;
            case In::ml_basic: {
                const bool white = cp == ' ' || cp == '\t' || cp == '\r' || cp == '\n';
                if (skipping) {
                    if (white) break;
                    if (!ascii)
                        return at(describe(cp) +
                                  " first on a line after a line-ending backslash: toml++ cannot read it");
                    skipping = false;
                }
                if (escaped) {
                    escaped = false;
                    if (!ascii) return at(describe(cp) + " after a backslash: write an escape such as \\n or \\u00E9");
                    if (white) skipping = true;
                    break;
                }
                if (cp == '\\') {
                    escaped = true;
                } else if (cp == '"' && run_of('"') >= 3) {  // up to two more quotes belong to the string
                    const std::size_t n = run_of('"');
                    i += n;
                    column += static_cast<int>(n) - 1;
                    in = In::code;
                    run_clean = false;
                    continue;
                }
                break;
            }
            case In::ml_literal:
                if (cp == '\'' && run_of('\'') >= 3) {
                    const std::size_t n = run_of('\'');
                    i += n;
                    column += static_cast<int>(n) - 1;
                    in = In::code;
                    run_clean = false;
                    continue;
                }
                break;
        }
        if (cp == '\n') {
            ++line;
            column = 0;
        }
        i += len;
    }
    return std::nullopt;
}

LoadResult parse_config(std::string_view text, const std::string& name, const Environment& env) {
    Config c;
    c.host = "127.0.0.1";
    const auto table = keys();
    auto find = [&](const std::string& section, const std::string& key) -> const Key* {
        for (const Key& k : table)
            if (k.section == section && k.name == key) return &k;
        return nullptr;
    };
    if (auto problem = toml_text_problem(text)) return {std::nullopt, name + ":" + *problem};
    toml::table doc;
    try {
        doc = toml::parse(text, name);
    } catch (const toml::parse_error& e) {
        std::ostringstream msg;
        msg << name << ":" << e.source().begin.line << ": " << e.description();
        return {std::nullopt, one_line(msg.str())};
    }
    for (const auto& [section, node] : doc) {
        const auto* t = node.as_table();
        if (!t) return {std::nullopt, one_line(name + ": '" + std::string(section.str()) + "' must be a [section]")};
        for (const auto& [key, value] : *t) {
            const Key* k = find(std::string(section.str()), std::string(key.str()));
            if (!k)
                return {std::nullopt,
                        one_line(name + ": unknown key " + std::string(section.str()) + "." + std::string(key.str()))};
            if (auto e = k->set(c, toml_to_string(value)); !e.empty())
                return {std::nullopt, one_line(name + ": " + k->section + "." + k->name + " " + e)};
        }
    }
    for (const Key& k : table) {
        const std::string var = env_name(k);
        if (const auto v = env(var)) {
            if (!text::is_utf8(*v)) return {std::nullopt, var + " is not UTF-8 text"};
            if (auto e = k.set(c, *v); !e.empty()) return {std::nullopt, one_line(var + " " + e)};
        }
    }
    if (c.max_body_bytes_in_flight < c.max_upload_bytes)
        return {std::nullopt, "server.max_body_bytes_in_flight must be at least server.max_upload_bytes"};
    if (c.policy.password_nudge_age > c.policy.password_max_age)
        return {std::nullopt, "policy.password_nudge_age must not exceed policy.password_max_age"};
    return {std::move(c), {}};
}

LoadResult load_config(const std::string& path) {
    std::string text;
    if (!path.empty()) {
        std::FILE* f = std::fopen(path.c_str(), "rb");
        if (!f) return {std::nullopt, one_line(path + ": cannot be read: " + std::generic_category().message(errno))};
        char buf[4096];
        std::size_t n = 0;
        while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
        const bool failed = std::ferror(f) != 0;
        const int why = errno;
        std::fclose(f);
        if (failed) return {std::nullopt, one_line(path + ": cannot be read: " + std::generic_category().message(why))};
    }
    return parse_config(text, path.empty() ? std::string("(no file)") : path, [](const std::string& var) {
        const char* v = std::getenv(var.c_str());
        return v ? std::optional<std::string>(v) : std::nullopt;
    });
}

}  // namespace mina::app
