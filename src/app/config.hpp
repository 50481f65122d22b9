// Configuration (SPEC §5): a TOML file, every key overridable by MINA_<SECTION>_<KEY>, defaults
// from the manual.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/login/policy.hpp"
#include "web/site.hpp"

namespace mina::app {

struct Config {
    // [server]
    std::string listen = "127.0.0.1:8080";
    std::string host;  // split from `listen`
    unsigned short port = 8080;
    int io_threads = 0;  // 0: one per core
    int work_threads = 4;
    int hash_threads = 0;  // 0: one per core
    std::size_t max_body_bytes = 64 * 1024;
    std::size_t max_upload_bytes = 8 * 1024 * 1024;           // file uploads (CSV), and their preview's save
    std::size_t max_body_bytes_in_flight = 64 * 1024 * 1024;  // request bodies held at once, server-wide
    int max_connections = 0;         // connections held at once; 0: from the file descriptors (RLIMIT_NOFILE)
    int search_cache_pages = 1000;   // Ansök om studiemedel's result pages kept rendered (0: none)
    int session_cache_pages = 2000;  // Startsida kept rendered per session while nothing it shows changed (0: none)
    std::vector<std::string> trusted_proxies;
    bool access_log = true;
    Seconds read_timeout{15};
    Seconds shutdown_grace{20};
    // [database]
    std::string database_url = "sqlite:var/mina.db";
    bool sqlite_synchronous_full = true;
    int database_pool_size = 0;  // connections per server; 0: one per thread that may use one
    /// PostgreSQL: keep viewers between requests, forgotten on the database's notices (LISTEN needs
    /// a session-level connection: turn off behind a transaction-pooling PgBouncer).
    bool database_view_cache = true;
    // [policy]
    PolicyConfig policy;
    // [argon2]
    unsigned long long argon2_ops = 2;
    std::size_t argon2_mem_kib = 19 * 1024;
    // [mail], [letters], [captcha]: read now, used by the kiosk and the Identity Manager
    std::string mail_smtp_url;
    std::string mail_spool_dir = "var/mail";
    std::string mail_from = "Mina tjänster <noreply@localhost>";
    Seconds mail_poll_interval{10};
    int mail_concurrency = 4;  // mails in the hands of SMTP at once: a hung relay holds one, not the queue
    Seconds mail_timeout{30};  // one whole SMTP exchange at most; a claimed mail is held this plus 20 s
    std::string letters_dir = "var/letters";
    std::string captcha_test_answer;
    // [security]
    std::string identity_key;       // 64 hex digits: seals students' personal numbers (issue [6])
    std::string identity_key_file;  // where the key is kept when identity_key is empty
    // [log]
    std::string log_level = "info";
    // [portal]
    web::SiteConfig site;

    /// The effective configuration as TOML, with secrets hidden and each placeholder marked by a
    /// comment "# placeholder: why".
    [[nodiscard]] std::string show() const;
    /// A value still at a placeholder that people would see (issue [9] item 12): a default that
    /// stands in for the agency's own (Semafor's link, the contact person), an unset public address
    /// or return address, an example domain: "portal.semafor_url" and why it is one.
    struct PlaceholderInUse {
        std::string key;
        std::string why;
    };
    [[nodiscard]] std::vector<PlaceholderInUse> placeholders() const;
    [[nodiscard]] std::string sqlite_path() const;       // empty unless database_url is sqlite:
    [[nodiscard]] std::string database_for_log() const;  // database_url without its password
};

/// Reads `path` (if not empty) and the environment. Returns the config or a one-line reason.
struct LoadResult {
    std::optional<Config> config;
    std::string error;
};
LoadResult load_config(const std::string& path);

/// An environment variable's value, or nothing when it is not set.
using Environment = std::function<std::optional<std::string>(const std::string& name)>;

/// The same from a file's text (`name`: the file, for the messages) and `env`: what load_config does
/// once it has read the file.
LoadResult parse_config(std::string_view text, const std::string& name, const Environment& env);

/// Why `text` cannot be handed to toml++ ("LINE:COLUMN: what"), or nothing. toml++ 3.3 reaches
/// TOML_UNREACHABLE (undefined behaviour) when it asks whether a non-ASCII character outside a
/// string is whitespace (U+00A1–U+0499, U+2C6E–U+3067 but U+3000), or one right after a backslash in
/// a multi-line string: such text, and text that is not UTF-8, never reaches it. Quoted keys and
/// inline tables are refused too (this file needs neither), so that where strings are is plain.
[[nodiscard]] std::optional<std::string> toml_text_problem(std::string_view s);

}  // namespace mina::app
