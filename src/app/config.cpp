#include "app/config.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <functional>
#include <sstream>

namespace mina::app {

namespace {

using Setter = std::function<std::string(Config&, const std::string&)>;  // returns an error or ""
using Getter = std::function<std::string(const Config&)>;

struct Key {
    std::string section;
    std::string name;
    Setter set;
    Getter get;
    bool secret = false;
};

std::string set_int(int& out, const std::string& v, int lo, int hi) {
    int x = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
    if (ec != std::errc() || p != v.data() + v.size() || x < lo || x > hi)
        return "must be a whole number from " + std::to_string(lo) + " to " + std::to_string(hi);
    out = x;
    return {};
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

std::string hide_password(const std::string& url) {
    // scheme://user:password@host -> scheme://user:***@host
    const auto scheme = url.find("://");
    const auto at = url.find('@');
    if (scheme == std::string::npos || at == std::string::npos) return url;
    const auto colon = url.find(':', scheme + 3);
    if (colon == std::string::npos || colon > at) return url;
    return url.substr(0, colon + 1) + "***" + url.substr(at);
}

#define MINA_STR(section, key, field) \
    Key { section, key, [](Config& c, const std::string& v) { c.field = v; return std::string(); }, \
          [](const Config& c) { return c.field; } }
#define MINA_DUR(key, field) \
    Key { "policy", key, [](Config& c, const std::string& v) { return set_duration(c.policy.field, v); }, \
          [](const Config& c) { return format_duration(c.policy.field); } }

std::vector<Key> keys() {
    return {
        Key{"server", "listen",
            [](Config& c, const std::string& v) {
                const auto colon = v.rfind(':');
                if (colon == std::string::npos) return std::string("must be HOST:PORT, like 127.0.0.1:8080");
                int port = 0;
                if (auto e = set_int(port, v.substr(colon + 1), 0, 65535); !e.empty()) return "port " + e;
                std::string host = v.substr(0, colon);
                if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
                c.listen = v;
                c.host = host;
                c.port = static_cast<unsigned short>(port);
                return std::string();
            },
            [](const Config& c) { return c.listen; }},
        Key{"server", "io_threads", [](Config& c, const std::string& v) { return set_int(c.io_threads, v, 0, 64); },
            [](const Config& c) { return std::to_string(c.io_threads); }},
        Key{"server", "work_threads", [](Config& c, const std::string& v) { return set_int(c.work_threads, v, 1, 256); },
            [](const Config& c) { return std::to_string(c.work_threads); }},
        Key{"server", "hash_threads", [](Config& c, const std::string& v) { return set_int(c.hash_threads, v, 0, 256); },
            [](const Config& c) { return std::to_string(c.hash_threads); }},
        Key{"server", "max_body_bytes",
            [](Config& c, const std::string& v) {
                int x = 0;
                auto e = set_int(x, v, 1024, 64 * 1024 * 1024);
                if (e.empty()) c.max_body_bytes = static_cast<std::size_t>(x);
                return e;
            },
            [](const Config& c) { return std::to_string(c.max_body_bytes); }},
        Key{"server", "max_upload_bytes",
            [](Config& c, const std::string& v) {
                int x = 0;
                auto e = set_int(x, v, 64 * 1024, 256 * 1024 * 1024);
                if (e.empty()) c.max_upload_bytes = static_cast<std::size_t>(x);
                return e;
            },
            [](const Config& c) { return std::to_string(c.max_upload_bytes); }},
        Key{"server", "max_body_bytes_in_flight",
            [](Config& c, const std::string& v) {
                int x = 0;
                auto e = set_int(x, v, 1024 * 1024, 1024 * 1024 * 1024);
                if (e.empty()) c.max_body_bytes_in_flight = static_cast<std::size_t>(x);
                return e;
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
        Key{"server", "shutdown_grace", [](Config& c, const std::string& v) { return set_duration(c.shutdown_grace, v); },
            [](const Config& c) { return format_duration(c.shutdown_grace); }},
        MINA_STR("server", "public_url", site.public_url),
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
        Key{"database", "pool_size", [](Config& c, const std::string& v) { return set_int(c.database_pool_size, v, 0, 1000); },
            [](const Config& c) { return std::to_string(c.database_pool_size); }},
        Key{"database", "view_cache", [](Config& c, const std::string& v) { return set_bool(c.database_view_cache, v); },
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
        Key{"argon2", "ops",
            [](Config& c, const std::string& v) {
                int x = 0;
                auto e = set_int(x, v, 2, 10);
                if (e.empty()) c.argon2_ops = static_cast<unsigned long long>(x);
                return e;
            },
            [](const Config& c) { return std::to_string(c.argon2_ops); }},
        Key{"argon2", "mem_kib",
            [](Config& c, const std::string& v) {
                int x = 0;
                auto e = set_int(x, v, 19 * 1024, 1024 * 1024);
                if (e.empty()) c.argon2_mem_kib = static_cast<std::size_t>(x);
                return e;
            },
            [](const Config& c) { return std::to_string(c.argon2_mem_kib); }},
        Key{"mail", "smtp_url", [](Config& c, const std::string& v) { c.mail_smtp_url = v; return std::string(); },
            [](const Config& c) { return hide_password(c.mail_smtp_url); }, true},
        MINA_STR("mail", "spool_dir", mail_spool_dir),
        MINA_STR("mail", "from", mail_from),
        Key{"mail", "poll_interval",
            [](Config& c, const std::string& v) { return set_duration(c.mail_poll_interval, v); },
            [](const Config& c) { return format_duration(c.mail_poll_interval); }},
        Key{"mail", "concurrency", [](Config& c, const std::string& v) { return set_int(c.mail_concurrency, v, 1, 64); },
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
        Key{"captcha", "test_answer", [](Config& c, const std::string& v) { c.captcha_test_answer = v; return std::string(); },
            [](const Config& c) { return c.captcha_test_answer.empty() ? std::string() : std::string("***"); }, true},
        Key{"security", "identity_key",
            [](Config& c, const std::string& v) { c.identity_key = v; return std::string(); },
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
        MINA_STR("portal", "contact_name", site.contact_name),
        MINA_STR("portal", "contact_phone", site.contact_phone),
        MINA_STR("portal", "school_phone", site.school_phone),
        MINA_STR("portal", "school_phone_hours_sv", site.school_phone_hours_sv),
        MINA_STR("portal", "school_phone_hours_en", site.school_phone_hours_en),
        MINA_STR("portal", "semafor_url", site.semafor_url),
        MINA_STR("portal", "order_url", site.order_url),
    };
}

#undef MINA_STR
#undef MINA_DUR

std::string env_name(const Key& k) {
    std::string out = "MINA_" + k.section + "_" + k.name;
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
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

std::string quote(const std::string& v) {
    std::string out = "\"";
    for (char c : v) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
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
        out << k.name << " = " << quote(k.get(*this)) << "\n";
    }
    return out.str();
}

LoadResult load_config(const std::string& path) {
    Config c;
    c.host = "127.0.0.1";
    const auto table = keys();
    auto find = [&](const std::string& section, const std::string& name) -> const Key* {
        for (const Key& k : table)
            if (k.section == section && k.name == name) return &k;
        return nullptr;
    };
    if (!path.empty()) {
        toml::table doc;
        try {
            doc = toml::parse_file(path);
        } catch (const toml::parse_error& e) {
            std::ostringstream msg;
            msg << path << ":" << e.source().begin.line << ": " << e.description();
            return {std::nullopt, msg.str()};
        }
        for (const auto& [section, node] : doc) {
            const auto* t = node.as_table();
            if (!t) return {std::nullopt, path + ": '" + std::string(section.str()) + "' must be a [section]"};
            for (const auto& [name, value] : *t) {
                const Key* k = find(std::string(section.str()), std::string(name.str()));
                if (!k)
                    return {std::nullopt, path + ": unknown key " + std::string(section.str()) + "." + std::string(name.str())};
                if (auto e = k->set(c, toml_to_string(value)); !e.empty())
                    return {std::nullopt, path + ": " + k->section + "." + k->name + " " + e};
            }
        }
    }
    for (const Key& k : table) {
        const std::string name = env_name(k);
        if (const char* v = std::getenv(name.c_str())) {
            if (auto e = k.set(c, v); !e.empty()) return {std::nullopt, name + " " + e};
        }
    }
    if (c.max_body_bytes_in_flight < c.max_upload_bytes)
        return {std::nullopt, "server.max_body_bytes_in_flight must be at least server.max_upload_bytes"};
    if (c.policy.password_nudge_age > c.policy.password_max_age)
        return {std::nullopt, "policy.password_nudge_age must not exceed policy.password_max_age"};
    return {std::move(c), {}};
}

}  // namespace mina::app
