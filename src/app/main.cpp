// The composition root: the only place that knows every concrete type. Builds the object graph
// from the configuration and runs one command of `mina`.
#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <malloc.h>
#include <pwd.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

#include "app/config.hpp"
#include "app/outbox_worker.hpp"
#include "captcha/captcha.hpp"
#include "core/idm/admin.hpp"
#include "core/idm/idm.hpp"
#include "core/kiosk/kiosk.hpp"
#include "core/kiosk/mailer.hpp"
#include "core/login/login.hpp"
#include "core/login/portal.hpp"
#include "core/login/second_factor.hpp"
#include "core/oidc/admin.hpp"
#include "core/oidc/provider.hpp"
#include "core/reports/service.hpp"
#include "core/studietider/service.hpp"
#include "crypto/hashing_pool.hpp"
#include "crypto/identity_vault.hpp"
#include "crypto/jose.hpp"
#include "crypto/passkeys.hpp"
#include "crypto/quality.hpp"
#include "crypto/sodium.hpp"
#include "crypto/totp.hpp"
#include "storage/copy/migrate_data.hpp"
#include "storage/postgres/pg_store.hpp"
#include "storage/sqlite/sqlite_store.hpp"
#include "web/app.hpp"
#include "web/metrics.hpp"
#include "web/server.hpp"
#include "web/views.hpp"

namespace {

using namespace mina;

/// A refusal: one line on standard error and a non-zero exit status (SPEC §5).
struct Refused : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// A thread count from configuration: 0 means one per core.
int resolved_threads(int configured) {
    return configured > 0 ? configured : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

/// Connections a server may hold: one for each thread that can use one at once.
int pool_size(const app::Config& c) {
    if (c.database_pool_size > 0) return c.database_pool_size;
    return resolved_threads(c.io_threads) + c.work_threads + 2 * resolved_threads(c.hash_threads) + 2;
}

/// `serving`: for `mina serve`, which may keep viewers between requests; the admin commands do not.
std::unique_ptr<ports::Store> open_store(const app::Config& c, bool serving = false) {
    std::unique_ptr<ports::Store> store;
    if (c.sqlite_path().empty()) {
        storage::PostgresOptions o;
        o.url = c.database_url;
        o.pool_size = pool_size(c);
        o.view_cache = serving && c.database_view_cache;
        store = storage::open_postgres(o);
    } else {
        storage::SqliteOptions o;
        o.path = c.sqlite_path();
        o.synchronous_full = c.sqlite_synchronous_full;
        o.pool_size = pool_size(c);
        o.view_cache = serving && c.database_view_cache;
        store = storage::open_sqlite(o);
    }
    const int ran = store->migrate();
    if (ran > 0)
        spdlog::info("database {}: applied {} migration(s), schema version {}", c.database_for_log(), ran,
                     store->schema_version());
    return store;
}

crypto::Argon2Params argon2_params(const app::Config& c) {
    return crypto::Argon2Params{c.argon2_ops, c.argon2_mem_kib * 1024};
}

admin::Actor cli_actor() {
    // The operator's login name: $USER, $LOGNAME, or the account the process runs as (a service
    // or a container sets neither variable).
    const char* user = std::getenv("USER");
    if (!user || !*user) user = std::getenv("LOGNAME");
    std::string name = user && *user ? user : "";
    if (name.empty()) {
        passwd entry{};
        passwd* found = nullptr;
        std::array<char, 1024> buffer{};
        if (getpwuid_r(geteuid(), &entry, buffer.data(), buffer.size(), &found) == 0 && found) name = found->pw_name;
    }
    return admin::Actor{"cli:" + (name.empty() ? std::string("unknown") : name), "local",
                        true};  // the agency's operator
}

template <typename T>
T accept(admin::Result<T> r) {
    if (auto* no = std::get_if<admin::Refusal>(&r)) throw Refused(no->reason);
    return std::get<T>(std::move(r));
}

/// CAPTCHA answers from the drawing's alphabet, with the CSPRNG.
class CaptchaAnswers final : public ports::CaptchaAnswers {
   public:
    explicit CaptchaAnswers(ports::Tokens& tokens) : tokens_(tokens) {}
    std::string fresh() override {
        return captcha::random_answer([this](std::uint32_t n) { return tokens_.uniform(n); });
    }

   private:
    ports::Tokens& tokens_;
};

/// "Box 123|211 22 Malmö" -> "Box 123\n211 22 Malmö": one line per part, trimmed, at most 6 lines.
std::string address_lines(const std::string& typed) {
    std::string out;
    int lines = 0;
    for (std::size_t from = 0; from <= typed.size();) {
        const auto bar = typed.find('|', from);
        std::string line = typed.substr(from, bar == std::string::npos ? std::string::npos : bar - from);
        line.erase(0, line.find_first_not_of(' '));
        line.erase(line.find_last_not_of(' ') + 1);
        if (line.find_first_of("\r\n") != std::string::npos || line.size() > 100)
            throw Refused("--address: each line at most 100 characters, lines separated by '|'");
        if (!line.empty()) {
            if (++lines > 6) throw Refused("--address: at most 6 lines");
            out += (out.empty() ? "" : "\n") + line;
        }
        if (bar == std::string::npos) break;
        from = bar + 1;
    }
    return out;
}

bool is_loopback(const std::string& host) { return host == "::1" || host == "localhost" || host.starts_with("127."); }

/// The key that seals students' personal numbers (issue [6]): security.identity_key, or the file
/// security.identity_key_file, or (SQLite only) a new key written beside the database. On
/// PostgreSQL every server must use the same key, so none is ever made up there.
/// portal.time_zone as ICU knows it (the config checked the name; this is the last word).
time::Zone zone_of(const app::Config& c) {
    auto zone = time::Zone::named(c.site.time_zone);
    if (!zone) throw Refused("portal.time_zone: " + c.site.time_zone + " is not a time zone ICU knows");
    return *zone;
}

crypto::IdentityVault identity_vault(const app::Config& c) {
    if (!c.identity_key.empty()) {
        auto vault = crypto::IdentityVault::from_hex(c.identity_key);
        if (!vault)
            throw Refused("security.identity_key must be 64 hexadecimal digits (mina admin identity-key prints one)");
        return *vault;
    }
    std::string path = c.identity_key_file;
    if (path.empty() && !c.sqlite_path().empty()) {
        const auto dir = std::filesystem::path(c.sqlite_path()).parent_path();
        path = (dir.empty() ? std::filesystem::path("identity.key") : dir / "identity.key").string();
    }
    if (path.empty())
        throw Refused(
            "security.identity_key is needed with PostgreSQL: give every server the same key "
            "(mina admin identity-key prints a new one)");
    if (std::ifstream in(path); in) {
        std::string hex;
        in >> hex;
        auto vault = crypto::IdentityVault::from_hex(hex);
        if (!vault) throw Refused(path + " must hold 64 hexadecimal digits (security.identity_key_file)");
        return *vault;
    }
    if (c.sqlite_path().empty() || !c.identity_key_file.empty())
        throw Refused("security.identity_key_file " + path + " cannot be read");
    const std::string hex = crypto::IdentityVault::new_key_hex();
    {
        const auto old = ::umask(077);
        std::ofstream out(path);
        ::umask(old);
        out << hex << "\n";
        if (!out) throw Refused("cannot write a new identity key to " + path);
    }
    spdlog::warn(
        "security: a new identity key was written to {}; back it up with the database, or personal "
        "numbers cannot be read from a restored copy",
        path);
    return *crypto::IdentityVault::from_hex(hex);
}

int cmd_serve(const app::Config& c) {
    // A large upload (a 100 000-row report file is some 100 MB while it is judged) reuses what the
    // last one freed instead of mapping fresh pages and faulting each in again.
    (void)mallopt(M_MMAP_THRESHOLD, 32 << 20);   // NOLINT(concurrency-mt-unsafe): before any thread starts
    (void)mallopt(M_TRIM_THRESHOLD, 256 << 20);  // NOLINT(concurrency-mt-unsafe): likewise
    if (!c.captcha_test_answer.empty()) {
        if (!is_loopback(c.host))
            throw Refused("captcha.test_answer is set: refusing to listen on " + c.host + " (loopback only)");
        // Behind a proxy every client arrives over loopback: the answer would be anyone's.
        if (!c.trusted_proxies.empty())
            throw Refused(
                "captcha.test_answer is set: refusing to start with server.trusted_proxies set "
                "(a proxy would make it every client's)");
        spdlog::warn("captcha.test_answer is set: every CAPTCHA accepts the test answer. For tests and demos only.");
    }
    const auto zone = zone_of(c);
    // Mail and letters carry whole links (the kiosk's address is printed on paper): without
    // server.public_url they point at this machine's loopback, which nobody else can open.
    if (c.site.public_url.empty()) {
        if (!is_loopback(c.host))
            throw Refused("server.public_url is not set: refusing to listen on " + c.host +
                          ", as mail and letters would link to " + web::SiteConfig::kLoopbackBase +
                          ". Set server.public_url (or MINA_SERVER_PUBLIC_URL) to the address people open, "
                          "e.g. https://mina.example.se");
        if (!c.trusted_proxies.empty())
            spdlog::warn(
                "server.public_url is not set, and the server is behind a proxy (server.trusted_proxies): mail and "
                "letters link to {}, which the people who get them cannot open. Set server.public_url (or "
                "MINA_SERVER_PUBLIC_URL) to the proxy's address",
                web::SiteConfig::kLoopbackBase);
        else
            spdlog::warn(
                "server.public_url is not set: mail and letters link to {}, which only this machine can open. Set "
                "server.public_url (or MINA_SERVER_PUBLIC_URL) before anyone else gets them",
                web::SiteConfig::kLoopbackBase);
    }
    // What would reach people as it stands in the defaults or the examples (issue [9] item 12).
    for (const auto& p : c.placeholders())
        if (p.key != "server.public_url" || !c.site.public_url.empty())  // said just above
            spdlog::warn("config: {} is a placeholder ({}): set it (mina config show marks each)", p.key, p.why);
    auto store = open_store(c, true);
    crypto::Argon2idHasher argon2(argon2_params(c));
    // Argon2id runs on threads of its own, one per core by default; pages run on the I/O threads,
    // so a login flood cannot take more than its share of the CPU from them.
    crypto::HashingPool hasher(argon2, resolved_threads(c.hash_threads));
    crypto::SodiumTokens tokens;
    crypto::PwQuality quality;
    CaptchaAnswers captchas(tokens);
    SystemClock clock;
    const crypto::IdentityVault vault = identity_vault(c);
    login::Service login(*store, hasher, tokens, c.policy, &quality, &vault);
    // The second factor ([12]): RFC 6238 codes by liboath, secrets sealed by the vault.
    crypto::OathTotp totp;
    const crypto::Passkeys passkeys;  // WebAuthn, verified with libfido2
    login::SecondFactor factors(*store, tokens, totp, vault, c.policy, &passkeys, &vault);
    portal::Service portal(*store, tokens, c.policy);
    kiosk::Service kiosk(*store, hasher, tokens, quality, captchas, c.policy, {c.captcha_test_answer, &vault});
    mailer::Service mailer(*store, hasher, tokens, c.policy, mailer::lease_for(c.mail_timeout));
    admin::Service admin_service(*store, hasher, tokens, c.policy);
    idm::Service idm_service(*store, admin_service, c.policy);
    studietider::Service studietider_service(*store, zone);
    // The audit rows of student pages read share transactions (core/common/group_commit).
    GroupCommit<reports::Unit> report_reads(*store, std::chrono::microseconds{300});
    reports::Service reports_service(*store, vault, tokens, zone, &report_reads);
    stats::Service stats_service(*store, zone);
    // Single sign-on (issue [11]): the issuer is server.public_url, or the address bound (below).
    const crypto::Jose jose(vault);
    // What sign-ons write (audit rows, codes' first uses) shares transactions (core/common/group_commit).
    GroupCommit<oidc::Unit> oidc_writes(*store, std::chrono::microseconds{300});
    oidc::Settings oidc_settings;
    oidc_settings.issuer = c.site.public_url;
    oidc_settings.session_idle = c.policy.session_idle;
    oidc_settings.session_absolute = c.policy.session_absolute;
    oidc::Provider provider(*store, tokens, jose, clock, oidc_settings, &oidc_writes);
    if (int n = oidc::Admin(*store, tokens).ensure_keys(jose, clock.now()); n > 0)
        spdlog::info("single sign-on: made {} signing key(s) for ID tokens", n);
    if (!reports_service.check_identity_key())
        throw Refused("security.identity_key is not the key this database's personal numbers were sealed with");
    {
        // Ansök om studiemedel searches an index in memory: read once here, then only changes.
        const auto started = std::chrono::steady_clock::now();
        const auto educations = studietider_service.load_search();
        spdlog::info(
            "search index: {} education(s) students can find, read in {} ms", educations,
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count());
    }
    web::Metrics metrics;
    web::Views views;
    app::OutboxWorker outbox(mailer, views, c.site, zone, c.policy, clock,
                             {c.mail_smtp_url, c.mail_spool_dir, c.mail_from,
                              std::chrono::duration_cast<std::chrono::milliseconds>(c.mail_poll_interval),
                              [&metrics](std::string_view outcome) { metrics.mail(outcome); }, c.letters_dir,
                              c.mail_concurrency, c.mail_timeout});
    if (c.mail_smtp_url.empty())
        spdlog::info("mail: no mail.smtp_url; mail is written as .eml files to {}", c.mail_spool_dir);
    web::App application(
        web::Services{login,
                      portal,
                      *store,
                      tokens,
                      c.policy,
                      c.site,
                      zone,
                      clock,
                      metrics,
                      kiosk,
                      idm_service,
                      studietider_service,
                      reports_service,
                      stats_service,
                      factors,
                      provider,
                      jose,
                      [](std::string_view answer) { return captcha::draw_png(answer); },
                      [](std::string_view answer, std::string_view lang) { return captcha::speak_wav(answer, lang); },
                      [&outbox] { outbox.wake(); },
                      static_cast<std::size_t>(c.search_cache_pages),
                      static_cast<std::size_t>(c.session_cache_pages)},
        views);

    web::ServerOptions o;
    o.host = c.host;
    o.port = c.port;
    o.io_threads = resolved_threads(c.io_threads);
    o.work_threads = c.work_threads;
    o.hash_request_threads = 2 * resolved_threads(c.hash_threads);
    o.max_body_bytes = c.max_body_bytes;
    o.max_upload_bytes = c.max_upload_bytes;
    o.max_body_bytes_in_flight = c.max_body_bytes_in_flight;
    o.max_connections = static_cast<std::size_t>(c.max_connections);
    o.trusted_proxies = c.trusted_proxies;
    o.access_log = c.access_log;
    o.read_timeout = c.read_timeout;
    o.shutdown_grace = c.shutdown_grace;
    web::ServerHooks hooks;
    hooks.handle = [&](web::Request& r) { return application.handle(r); };
    hooks.pool_for = [&](const web::Request& r) { return application.pool_for(r); };
    hooks.is_upload = [&](std::string_view target) { return application.is_upload(target); };
    hooks.admit = [&](web::Request& head, bool verify) { return application.admit(head, verify); };
    if (store->fences()) {
        hooks.needs_fence = [](const web::Request& r) { return web::App::reads_sessions(r); };
        hooks.fence = [&store = *store](std::function<void()> done) { store.fence(std::move(done)); };
    }
    hooks.housekeeping = [&] {
        if (int n = portal.sweep(clock.now()); n > 0) spdlog::info("housekeeping: removed {} expired session(s)", n);
        if (int n = kiosk.sweep(clock.now()); n > 0) spdlog::info("housekeeping: removed {} expired kiosk flow(s)", n);
        if (int n = factors.sweep(clock.now()); n > 0)
            spdlog::info("housekeeping: removed {} expired login step(s) and passkey challenge(s)", n);
        if (int n = provider.sweep(); n > 0)
            spdlog::info("housekeeping: removed {} expired authorization request(s), code(s) and token(s)", n);
    };
    hooks.listening = [&](const std::string& base) {
        if (c.site.public_url.empty()) provider.set_issuer(base);
    };
    spdlog::info("mina {}: database {}, {} hashing thread(s), Argon2id m={} KiB t={}", MINA_VERSION,
                 c.database_for_log(), resolved_threads(c.hash_threads), c.argon2_mem_kib, c.argon2_ops);
    web::serve(o, hooks, metrics);
    return 0;
}

/// `mina outbox list`: one line per mail, tab-separated, for the agency's operators and scripts.
int cmd_outbox_list(const app::Config& c, std::optional<MailStatus> status, int limit) {
    auto store = open_store(c);
    auto tx = store->begin(ports::TxMode::read);
    std::cout << "id\tstatus\tkind\trecipient\tcreated\tdue\tattempts\tlast result\n";
    for (const auto& m : tx->outbox().list(status, limit)) {
        std::cout << m.id << '\t' << to_string(m.status) << '\t' << to_string(m.kind) << '\t' << m.recipient << '\t'
                  << format_iso(m.created_at) << '\t' << format_iso(m.not_before) << '\t' << m.attempts << '\t'
                  << m.last_error << '\n';
    }
    return 0;
}

struct Demo {
    std::string username;
    std::string admin_username;
};

/// A demo school and two people to log in with; running it again changes nothing.
/// For `make run`: an education of Demoskolan with a published study period around today, and a
/// few students reported on it, so that Studeranderapportering has something to show. Only once.
void demo_reports(const app::Config& c, ports::Store& store, const Username& reporter, Timestamp now) {
    const auto zone = zone_of(c);
    portal::Viewer v;
    {
        auto tx = store.begin(ports::TxMode::read);
        auto person = tx->accounts().find(reporter);
        if (!person) return;
        v.person = *person;
        auto access = tx->grants().access(person->id);
        v.access = access.schools;
        if (tx->studietider().education(SchoolCode{"DEMO1"}, "EK-DEMO")) return;  // done before
    }
    v.session.school = "DEMO1";
    const ClientInfo client{"local", "mina admin demo"};
    studietider::Service st(store, zone);
    studietider::EducationInput edu{"EK-DEMO",
                                    "Ekonomi, grundkurs",
                                    studietider::Level::eftergymnasial,
                                    studietider::CreditUnit::hp,
                                    studietider::Credits{3000},
                                    false,
                                    false};
    (void)st.create_education(v, "DEMO1", edu, client, now);
    const Date today = zone.day_of(now);
    studietider::PeriodInput period{"DEMO", today.add_days(-60), today.add_days(120), studietider::Credits{3000}, {},
                                    {}};
    const auto saved = st.save_period(v, "DEMO1", "EK-DEMO", 0, period, true, client, now);
    const auto* made = std::get_if<studietider::Saved>(&saved);
    if (!made) return;
    (void)st.publish_period(v, "DEMO1", "EK-DEMO", made->id, client, now);

    crypto::SodiumTokens tokens;
    const crypto::IdentityVault vault = identity_vault(c);
    reports::Service rs(store, vault, tokens, zone);
    (void)rs.check_identity_key();
    const auto number = [](const std::string& nine) {
        return nine.substr(0, 6) + "-" + nine.substr(6) + std::to_string(pnr::check_digit(nine));
    };
    const std::vector<std::pair<std::string, std::string>> students{
        {number("040312123"), "Alva Ek"}, {number("031105456"), "Noah Berg"}, {number("851224789"), "Maja Lind"}};
    const std::string started = to_string(today.add_days(-58));
    for (const auto& [pnr_text, name] : students) {
        reports::Fields f;
        f.number = pnr_text;
        f.name = name;
        f.education = "EK-DEMO";
        f.period = "DEMO";
        f.support = "studiemedel";
        f.kind = "studiestart";
        f.day = started;
        (void)rs.report(v, "DEMO1", f, client, now);
    }
    reports::Fields stop;
    stop.number = students[2].first;
    stop.education = "EK-DEMO";
    stop.period = "DEMO";
    stop.kind = "avbrott";
    stop.day = to_string(today.add_days(-10));
    (void)rs.report(v, "DEMO1", stop, client, now);
}

int cmd_demo(const app::Config& c, bool with_reports) {
    auto store = open_store(c);
    crypto::Argon2idHasher hasher(argon2_params(c));
    crypto::SodiumTokens tokens;
    SystemClock clock;
    admin::Service svc(*store, hasher, tokens, c.policy);
    const auto who = cli_actor();
    const std::string password = "Mina-demo-2026!";
    auto ensure_person = [&](const std::string& first, const std::string& last, const std::string& email) {
        {
            auto tx = store->begin(ports::TxMode::read);
            if (auto p = tx->accounts().find_by_email(email)) return p->username;
        }
        Username u = accept(svc.add_person(first, last, email, who, clock.now()));
        accept(svc.set_password(u, password, who, clock.now()));
        return u;
    };
    (void)svc.add_school({SchoolCode{"DEMO1"}, "Demoskolan", SchoolForm::gymnasieskola, "Box 1\n123 45 Demostad"}, who,
                         clock.now());
    (void)svc.add_school(
        {SchoolCode{"DEMO2"}, "Exempelhögskolan", SchoolForm::hogskola, "Exempelvägen 2\n234 56 Exempelby"}, who,
        clock.now());
    const Username pelle = ensure_person("Pelle", "Test", "pelle.test@example.se");
    const Username anna = ensure_person("Anna", "Admin", "anna.admin@example.se");
    (void)accept(svc.grant(pelle, "DEMO1", Role::studietider, who, clock.now()));
    (void)accept(svc.grant(pelle, "DEMO1", Role::studeranderapportering, who, clock.now()));
    (void)accept(svc.grant(pelle, "DEMO2", Role::studietider, who, clock.now()));
    (void)accept(svc.grant(anna, "DEMO1", Role::school_admin, who, clock.now()));
    (void)accept(svc.grant(anna, "DEMO1", Role::studietider, who, clock.now()));
    if (with_reports) demo_reports(c, *store, pelle, clock.now());
    std::cout << "Demo: log in at http://" << c.listen << "/ as\n"
              << "  " << pelle.value() << " (Pelle Test, reporter at Demoskolan and Exempelhögskolan)\n"
              << "  " << anna.value() << " (Anna Admin, school admin at Demoskolan)\n"
              << "with the password " << password << "\n";
    if (!c.policy.second_factor_roles.empty())
        std::cout << "Anna sets up a second step (an authenticator app or a passkey) at her first login, as "
                     "policy.second_factor_roles asks.\n";
    if (with_reports)
        std::cout << "Demoskolan has the education EK-DEMO with a published study period and three students in "
                     "Studeranderapportering (Pelle reports there).\n";
    return 0;
}

/// An audit row for a change made from the command line: by "cli:<os user>", from "local".
void audit_cli(ports::Unit& tx, Timestamp now, audit::Kind kind, std::string school, std::string detail) {
    const admin::Actor who = cli_actor();
    tx.audit().append({now, who.name, who.address, kind, {}, std::move(school), std::move(detail)});
}

/// Every command of the command line, and the values its options fill in.
struct Commands {
    std::string config_path;
    CLI::App* serve = nullptr;
    CLI::App* migrate = nullptr;
    CLI::App* config_show = nullptr;
    CLI::App* backup = nullptr;
    std::string backup_out;

    CLI::App* school_add = nullptr;
    CLI::App* school_address = nullptr;
    CLI::App* person_add = nullptr;
    CLI::App* set_password = nullptr;
    CLI::App* reset_factor = nullptr;
    CLI::App* grant = nullptr;
    CLI::App* unlock = nullptr;
    CLI::App* identity_key = nullptr;
    CLI::App* demo = nullptr;
    CLI::App* migrate_data = nullptr;
    std::string code, name, form, address, first, last, email, username, role, copy_from, copy_to;
    bool demo_reports = false;

    CLI::App* client_add = nullptr;
    CLI::App* client_list = nullptr;
    CLI::App* client_remove = nullptr;
    CLI::App* client_rotate = nullptr;
    CLI::App* oidc_rotate_keys = nullptr;
    oidc::ClientInput client;
    std::string client_jwks_file;

    CLI::App* letters_list = nullptr;
    CLI::App* letters_posted = nullptr;
    std::string letters_status;
    std::int64_t letter_id = 0;
    CLI::App* outbox_list = nullptr;
    CLI::App* outbox_retry = nullptr;
    std::string outbox_status;
    int outbox_limit = 50;
    std::int64_t outbox_id = 0;
    bool outbox_all = false;
};

/// serve, migrate, config show, backup.
void add_server_commands(CLI::App& cli, Commands& c) {
    c.serve = cli.add_subcommand("serve", "Run the web server");
    c.migrate = cli.add_subcommand("migrate", "Apply database migrations");
    auto* config = cli.add_subcommand("config", "Configuration");
    config->require_subcommand(1);
    c.config_show = config->add_subcommand("show", "Print the effective configuration, secrets hidden");
    c.backup = cli.add_subcommand("backup", "Write a consistent copy of the database");
    c.backup->add_option("--out", c.backup_out, "Where to write the copy (must not exist)")->required();
}

/// admin client add, list, remove, rotate-secret: the services that log in through Mina tjänster
/// (OpenID Connect, issue [11]).
void add_client_commands(CLI::App& admin_cmd, Commands& c) {
    auto* client = admin_cmd.add_subcommand("client", "Services that log in through Mina tjänster (OpenID Connect)");
    client->require_subcommand(1);
    c.client_add = client->add_subcommand("add", "Register a service; prints its secret, once, on the last line");
    c.client_add->add_option("--id", c.client.id, "client_id: 1-64 characters of a-z, 0-9, '.', '_', '-'")->required();
    c.client_add->add_option("--name", c.client.name, "The service's name, as the login page shows it")->required();
    c.client_add
        ->add_option("--redirect-uri", c.client.redirect_uris,
                     "Where the service receives the code (https, or http on 127.0.0.1, [::1], localhost); "
                     "may be repeated")
        ->required();
    c.client_add->add_option("--post-logout-uri", c.client.post_logout_redirect_uris,
                             "Where a logout may return to; may be repeated");
    c.client_add->add_flag("--public", c.client.is_public,
                           "A program on the person's own device: no secret, PKCE alone");
    c.client_add->add_option("--jwks", c.client_jwks_file,
                             "A file with the service's public keys (JWKS) for private_key_jwt");
    c.client_add->add_option("--id-token-alg", c.client.id_token_alg, "RS256 (default) or ES256");
    c.client_add->add_option("--initiate-login-uri", c.client.initiate_login_uri,
                             "Where the login page's link to the service starts its login");
    c.client_list = client->add_subcommand("list", "List the services: id, name, kind, redirect URIs");
    c.client_remove = client->add_subcommand("remove", "Remove a service (its codes and tokens stop working)");
    c.client_remove->add_option("--id", c.client.id, "client_id")->required();
    c.client_rotate =
        client->add_subcommand("rotate-secret", "Give a service a new secret (printed once); the old one stops");
    c.client_rotate->add_option("--id", c.client.id, "client_id")->required();
    auto* keys = admin_cmd.add_subcommand("oidc", "The keys that sign ID tokens");
    keys->require_subcommand(1);
    c.oidc_rotate_keys = keys->add_subcommand(
        "rotate-keys", "New RS256 and ES256 signing keys; the old ones are still published for an hour");
}

/// admin school, person, grant, unlock, identity-key, demo, migrate-data, client.
void add_admin_commands(CLI::App& cli, Commands& c) {
    auto* admin_cmd = cli.add_subcommand("admin", "Administration");
    admin_cmd->require_subcommand(1);
    auto* school = admin_cmd->add_subcommand("school", "Schools");
    school->require_subcommand(1);
    c.school_add = school->add_subcommand("add", "Add a school");
    c.school_add->add_option("--code", c.code, "School code")->required();
    c.school_add->add_option("--name", c.name, "School name")->required();
    c.school_add
        ->add_option("--form", c.form,
                     "hogskola, folkhogskola, komvux, gymnasieskola, yrkeshogskola or annan-eftergymnasial")
        ->required();
    c.school_add->add_option("--address", c.address,
                             "Postal address for letters, lines separated by '|' (\"Box 123|211 22 Malmö\")");
    c.school_address = school->add_subcommand("set-address", "Set a school's postal address for letters");
    c.school_address->add_option("--code", c.code, "School code")->required();
    c.school_address->add_option("--address", c.address, "Lines separated by '|'")->required();
    auto* person = admin_cmd->add_subcommand("person", "People");
    person->require_subcommand(1);
    c.person_add = person->add_subcommand("add", "Add a person; prints the new username on the last line");
    c.person_add->add_option("--first", c.first, "First name")->required();
    c.person_add->add_option("--last", c.last, "Last name")->required();
    c.person_add->add_option("--email", c.email, "Email address")->required();
    c.set_password = person->add_subcommand("set-password", "Set a password, read from standard input (audited)");
    c.set_password->add_option("--username", c.username, "Username")->required();
    c.reset_factor = person->add_subcommand(
        "reset-second-factor",
        "Remove a person's authenticator app, passkeys and recovery codes, end their sessions, mail them (audited)");
    c.reset_factor->add_option("--username", c.username, "Username")->required();
    c.grant = admin_cmd->add_subcommand("grant", "Grant a role at a school");
    c.grant->add_option("--username", c.username, "Username")->required();
    c.grant->add_option("--school", c.code, "School code (not needed for agency-admin)");
    c.grant->add_option("--role", c.role, "studeranderapportering, studietider, school-admin or agency-admin")
        ->required();
    c.unlock = admin_cmd->add_subcommand("unlock", "Unlock an account locked after failed logins");
    c.unlock->add_option("--username", c.username, "Username")->required();
    c.identity_key = admin_cmd->add_subcommand(
        "identity-key", "Print a new random key for security.identity_key (64 hexadecimal digits)");
    c.demo = admin_cmd->add_subcommand("demo", "Create a demo school and demo users (idempotent)");
    c.demo->add_flag("--with-reports", c.demo_reports,
                     "Also an education with a published study period and a few students reported on it");
    c.migrate_data =
        admin_cmd->add_subcommand("migrate-data", "Copy every row from SQLite into an empty PostgreSQL database");
    c.migrate_data->add_option("--from", c.copy_from, "sqlite:PATH (stop the servers that use it first)")->required();
    c.migrate_data->add_option("--to", c.copy_to, "postgresql://… (an empty database; its schema is created)")
        ->required();
    add_client_commands(*admin_cmd, c);
}

/// letters list, letters posted, outbox list, outbox retry.
void add_queue_commands(CLI::App& cli, Commands& c) {
    auto* letters_cmd = cli.add_subcommand("letters", "The print queue of letters with usernames (R3)");
    letters_cmd->require_subcommand(1);
    c.letters_list = letters_cmd->add_subcommand("list", "List letters, newest first");
    c.letters_list->add_option("--status", c.letters_status,
                               "queued (address-missing among them), rendered or posted (default: all)");
    c.letters_posted = letters_cmd->add_subcommand("posted", "Mark a rendered letter as posted");
    c.letters_posted->add_option("--id", c.letter_id, "The letter's id (from letters list)")->required();

    auto* outbox_cmd = cli.add_subcommand("outbox", "Mail waiting to be sent, sent, or failed");
    outbox_cmd->require_subcommand(1);
    c.outbox_list = outbox_cmd->add_subcommand("list", "List mail, newest first");
    c.outbox_list->add_option("--status", c.outbox_status, "pending, sent or failed (default: all)");
    c.outbox_list->add_option("--limit", c.outbox_limit, "At most this many (default 50)")
        ->check(CLI::Range(1, 100000));
    c.outbox_retry = outbox_cmd->add_subcommand("retry", "Send failed mail again");
    c.outbox_retry->add_option("--id", c.outbox_id, "The failed mail's id (from outbox list)");
    c.outbox_retry->add_flag("--all", c.outbox_all, "Every failed mail");
}

/// Parses the command line into `c`; an exit status when there is nothing more to do (help, or a
/// mistake, explained on one line).
std::optional<int> parse_command_line(CLI::App& cli, int argc, char** argv) {
    try {
        cli.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return cli.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return cli.exit(e);
    } catch (const CLI::ParseError& e) {
        std::string what = e.what();
        std::replace(what.begin(), what.end(), '\n', ' ');
        std::cerr << "mina: " << what << " (see mina --help)\n";
        return 2;
    }
    return std::nullopt;
}

/// `mina admin migrate-data`.
int cmd_migrate_data(const std::string& from, const std::string& to) {
    if (!from.starts_with("sqlite:")) throw Refused("--from must be sqlite:PATH");
    if (!to.starts_with("postgresql://") && !to.starts_with("postgres://"))
        throw Refused("--to must be postgresql://…");
    const auto copied = storage::copy_sqlite_to_postgres(from.substr(7), to);
    std::int64_t total = 0;
    for (const auto& t : copied) {
        std::cout << t.table << "\t" << t.rows << "\n";
        total += t.rows;
    }
    std::cout << "moved " << total << " rows in " << copied.size() << " tables; every count checked\n";
    return 0;
}

/// The commands that need no hasher: config, migrate, backup, identity-key, demo, migrate-data.
std::optional<int> run_setup_command(const Commands& cmd, const app::Config& c) {
    if (cmd.config_show->parsed()) {
        std::cout << c.show();
        return 0;
    }
    if (cmd.migrate->parsed()) {
        auto store = open_store(c);
        std::cout << "schema version " << store->schema_version() << "\n";
        return 0;
    }
    if (cmd.backup->parsed()) {
        auto store = open_store(c);
        store->backup(cmd.backup_out);
        std::cout << "backup written to " << cmd.backup_out << "\n";
        return 0;
    }
    if (cmd.demo->parsed()) return cmd_demo(c, cmd.demo_reports);
    if (cmd.identity_key->parsed()) {
        std::cout << crypto::IdentityVault::new_key_hex() << "\n";
        return 0;
    }
    if (cmd.migrate_data->parsed()) return cmd_migrate_data(cmd.copy_from, cmd.copy_to);
    return std::nullopt;
}

/// `mina letters list`.
int cmd_letters_list(const app::Config& c, const std::string& status_text) {
    std::optional<LetterStatus> status;
    if (status_text == "queued") status = LetterStatus::queued;
    else if (status_text == "rendered") status = LetterStatus::rendered;
    else if (status_text == "posted") status = LetterStatus::posted;
    else if (!status_text.empty())
        throw Refused("unknown status '" + status_text + "': use queued, rendered or posted");
    auto store = open_store(c);
    auto tx = store->begin(ports::TxMode::read);
    std::cout << "id\tstatus\tusername\tschool\tcreated\tfile\tlast error\n";
    for (const auto& l : tx->letters().list(status, 1000)) {
        const auto who_for = tx->accounts().find(l.person);
        // Queued for a school without a postal address: it waits, and is made once the address is set.
        const char* st = l.address_missing                    ? "address-missing"
                         : l.status == LetterStatus::queued   ? "queued"
                         : l.status == LetterStatus::rendered ? "rendered"
                                                              : "posted";
        std::cout << l.id << '\t' << st << '\t' << (who_for ? who_for->username.value() : "?") << '\t' << l.school
                  << '\t' << format_iso(l.created_at) << '\t' << l.path << '\t' << l.last_error << '\n';
    }
    return 0;
}

/// `mina letters posted`.
int cmd_letters_posted(const app::Config& c, std::int64_t id, Timestamp now) {
    auto store = open_store(c);
    auto tx = store->begin(ports::TxMode::write);
    if (!tx->letters().mark_posted(id, now))
        throw Refused("letter " + std::to_string(id) + " is not in the print queue (not rendered, or posted already)");
    audit_cli(*tx, now, "letter.posted", {}, std::to_string(id));
    tx->commit();
    return 0;
}

/// `mina outbox retry`.
int cmd_outbox_retry(const app::Config& c, std::optional<std::int64_t> id, Timestamp now) {
    auto store = open_store(c);
    auto tx = store->begin(ports::TxMode::write);
    const int n = tx->outbox().retry_failed(id, now);
    if (n == 0) throw Refused(!id ? "no failed mail" : "no failed mail with id " + std::to_string(*id));
    audit_cli(*tx, now, "mail.retry", {}, audit::say("mails_queued_again", {std::to_string(n)}));
    tx->commit();
    std::cout << n << " mail(s) queued again; a running server sends them within mail.poll_interval\n";
    return 0;
}

/// The print queue of letters and the outbox.
std::optional<int> run_queue_command(const Commands& cmd, const app::Config& c, Timestamp now) {
    if (cmd.letters_list->parsed()) return cmd_letters_list(c, cmd.letters_status);
    if (cmd.letters_posted->parsed()) return cmd_letters_posted(c, cmd.letter_id, now);
    if (cmd.outbox_list->parsed()) {
        std::optional<MailStatus> status;
        if (cmd.outbox_status == "pending") status = MailStatus::pending;
        else if (cmd.outbox_status == "sent") status = MailStatus::sent;
        else if (cmd.outbox_status == "failed") status = MailStatus::failed;
        else if (!cmd.outbox_status.empty())
            throw Refused("unknown status '" + cmd.outbox_status + "': use pending, sent or failed");
        return cmd_outbox_list(c, status, cmd.outbox_limit);
    }
    if (cmd.outbox_retry->parsed()) {
        if (cmd.outbox_all == (cmd.outbox_id != 0)) throw Refused("give either --id N or --all");
        return cmd_outbox_retry(c, cmd.outbox_all ? std::nullopt : std::optional(cmd.outbox_id), now);
    }
    return std::nullopt;
}

/// The whole of a small file (a client's JWKS).
std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Refused("cannot read " + path);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) throw Refused("cannot read " + path);
    return text;
}

/// admin client …: the services that log in through Mina tjänster, through oidc::Admin.
std::optional<int> run_client_command(const Commands& cmd, const app::Config& c, Timestamp now) {
    if (!cmd.client_add->parsed() && !cmd.client_list->parsed() && !cmd.client_remove->parsed() &&
        !cmd.client_rotate->parsed() && !cmd.oidc_rotate_keys->parsed())
        return std::nullopt;
    auto store = open_store(c);
    crypto::SodiumTokens tokens;
    oidc::Admin clients(*store, tokens);
    const auto who = cli_actor();
    if (cmd.oidc_rotate_keys->parsed()) {
        const crypto::IdentityVault vault = identity_vault(c);
        const crypto::Jose jose(vault);
        for (const auto& kid : clients.rotate_keys(jose, who, now)) std::cout << "new key " << kid << "\n";
        return 0;
    }
    if (cmd.client_add->parsed()) {
        auto in = cmd.client;
        if (!cmd.client_jwks_file.empty()) in.jwks = read_file(cmd.client_jwks_file);
        const auto secret = accept(clients.add_client(in, who, now));
        std::cout << "client " << in.id << " added\n";
        if (secret) std::cout << *secret << "\n";
        else std::cout << "no secret: a public client uses PKCE alone\n";
        return 0;
    }
    if (cmd.client_list->parsed()) {
        for (const auto& client : clients.list_clients()) {
            std::cout << client.id << "\t" << client.name << "\t" << (client.is_public ? "public" : "confidential");
            for (const auto& uri : client.redirect_uris) std::cout << "\t" << uri;
            std::cout << "\n";
        }
        return 0;
    }
    if (cmd.client_remove->parsed()) {
        (void)accept(clients.remove_client(cmd.client.id, who, now));
        return 0;
    }
    std::cout << accept(clients.rotate_secret(cmd.client.id, who, now)) << "\n";
    return 0;
}

/// The administration of schools and people, through admin::Service.
int run_admin_command(const Commands& cmd, const app::Config& c, Timestamp now) {
    auto store = open_store(c);
    crypto::Argon2idHasher hasher(argon2_params(c));
    crypto::SodiumTokens tokens;
    admin::Service svc(*store, hasher, tokens, c.policy);
    const auto who = cli_actor();
    auto report = [](const admin::Done& d) {
        if (!d.note.empty()) std::cerr << "mina: " << d.note << "\n";
        return 0;
    };
    if (cmd.school_add->parsed()) {
        auto f = parse_school_form(cmd.form);
        if (!f)
            throw Refused(
                "unknown school form '" + cmd.form +
                "': use hogskola, folkhogskola, komvux, gymnasieskola, yrkeshogskola or annan-eftergymnasial");
        return report(
            accept(svc.add_school({SchoolCode{cmd.code}, cmd.name, *f, address_lines(cmd.address)}, who, now)));
    }
    if (cmd.school_address->parsed()) {
        auto tx = store->begin(ports::TxMode::write);
        if (!tx->schools().find(SchoolCode{cmd.code})) throw Refused("no such school: " + cmd.code);
        tx->schools().set_postal_address(SchoolCode{cmd.code}, address_lines(cmd.address));
        audit_cli(*tx, now, "school.address_set", cmd.code, cmd.address);
        tx->commit();
        return 0;
    }
    if (cmd.person_add->parsed()) {
        const Username u = accept(svc.add_person(cmd.first, cmd.last, cmd.email, who, now));
        std::cout << u.value() << "\n";
        return 0;
    }
    if (cmd.set_password->parsed()) {
        std::string pw;
        std::getline(std::cin, pw);
        if (!pw.empty() && pw.back() == '\r') pw.pop_back();
        return report(accept(svc.set_password(Username{cmd.username}, pw, who, now)));
    }
    if (cmd.grant->parsed()) {
        auto r = parse_role(cmd.role);
        if (!r)
            throw Refused("unknown role '" + cmd.role +
                          "': use studeranderapportering, studietider, school-admin or agency-admin");
        return report(accept(svc.grant(Username{cmd.username}, cmd.code, *r, who, now)));
    }
    if (cmd.unlock->parsed()) return report(accept(svc.unlock(Username{cmd.username}, who, now)));
    if (cmd.reset_factor->parsed()) return report(accept(svc.reset_second_factor(Username{cmd.username}, who, now)));
    return 0;
}

/// Loads the configuration and runs the one command given.
int run(const Commands& cmd) {
    auto loaded = app::load_config(cmd.config_path);
    if (!loaded.config) throw Refused(loaded.error);
    const app::Config& c = *loaded.config;
    spdlog::set_level(spdlog::level::from_str(c.log_level));
    if (!cmd.serve->parsed()) spdlog::set_level(std::max(spdlog::get_level(), spdlog::level::warn));
    crypto::init();
    if (cmd.serve->parsed()) return cmd_serve(c);
    if (auto done = run_setup_command(cmd, c)) return *done;
    SystemClock clock;
    if (auto done = run_queue_command(cmd, c, clock.now())) return *done;
    if (auto done = run_client_command(cmd, c, clock.now())) return *done;
    return run_admin_command(cmd, c, clock.now());
}

}  // namespace

int main(int argc, char** argv) {
    auto logger = spdlog::stderr_logger_mt("mina");
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
    spdlog::set_default_logger(logger);

    CLI::App cli{"mina: Mina tjänster, the login portal, password kiosk and Identity Manager"};
    cli.require_subcommand(1);
    Commands cmd;
    cli.add_option("--config", cmd.config_path,
                   "TOML configuration file (every key may be overridden by MINA_<SECTION>_<KEY>)");
    cli.fallthrough();
    add_server_commands(cli, cmd);
    add_admin_commands(cli, cmd);
    add_queue_commands(cli, cmd);
    if (auto exit_status = parse_command_line(cli, argc, argv)) return *exit_status;

    try {
        return run(cmd);
    } catch (const std::exception& e) {
        std::string what = e.what();
        std::replace(what.begin(), what.end(), '\n', ' ');
        std::cerr << "mina: " << what << "\n";
        return 1;
    }
}
