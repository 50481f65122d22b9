// The interfaces the core needs from the outside world, declared here by their consumer.
// Storage backends (src/storage/*) and crypto (src/crypto) implement them; the core never
// includes a backend header. The repositories are declared per area (core/<area>/ports.hpp) and,
// where areas share them, in core/common/repositories.hpp.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/common/repositories.hpp"
#include "core/idm/ports.hpp"
#include "core/kiosk/ports.hpp"
#include "core/login/ports.hpp"
#include "core/oidc/ports.hpp"
#include "core/reports/ports.hpp"
#include "core/stats/ports.hpp"
#include "core/studietider/ports.hpp"

namespace mina::ports {

/// Every repository in one transaction: what a store implements. The core's services see it
/// through their area's narrow unit (login::Unit, kiosk::Unit, mailer::Unit, idm::Unit,
/// studietider::Unit, reports::Unit, stats::Unit, oidc::Unit), each of which it is.
class Unit : public login::Unit,
             public kiosk::Unit,
             public mailer::Unit,
             public idm::Unit,
             public studietider::Unit,
             public reports::Unit,
             public stats::Unit,
             public oidc::Unit {
   public:
    Accounts& accounts() override = 0;
    Schools& schools() override = 0;
    Grants& grants() override = 0;
    Sessions& sessions() override = 0;
    Factors& factors() override = 0;
    Throttle& throttle() override = 0;
    Audit& audit() override = 0;
    Otps& otps() override = 0;
    KioskFlows& kiosk_flows() override = 0;
    PasswordHistory& password_history() override = 0;
    Outbox& outbox() override = 0;
    Letters& letters() override = 0;
    Studietider& studietider() override = 0;
    Reports& reports() override = 0;
    Statistics& statistics() override = 0;
    oidc::Clients& oidc_clients() override = 0;
    oidc::SigningKeys& oidc_keys() override = 0;
    oidc::PendingRequests& oidc_pending() override = 0;
    oidc::Codes& oidc_codes() override = 0;
    oidc::Subjects& oidc_subjects() override = 0;
    oidc::Sweep& oidc_sweep() override = 0;
};

/// What the viewers kept between requests have done (Store::fence), for /metrics.
struct KeptViewers {
    std::uint64_t hits = 0;    // pages whose viewer came from memory
    std::uint64_t misses = 0;  // pages that read it from the database
    std::size_t kept = 0;
    bool listening = false;  // false: the database's notices cannot be heard, nothing is kept
};

class Store {
   public:
    virtual ~Store() = default;
    [[nodiscard]] virtual std::unique_ptr<Unit> begin(TxMode mode) = 0;
    /// Applies the migrations that have not run; returns how many ran.
    virtual int migrate() = 0;
    [[nodiscard]] virtual int schema_version() = 0;
    [[nodiscard]] virtual bool ping() = 0;
    /// A consistent copy of the whole database, taken while it runs.
    virtual void backup(const std::string& path) = 0;
    /// Calls `done` (perhaps on another thread) once every change committed anywhere before this
    /// call is seen by Sessions::view on this server. A store that keeps no viewers between requests
    /// has nothing to wait for; one that does (PostgreSQL, where other servers change the data)
    /// waits for the database's word (storage/postgres/pg_view_cache.hpp).
    // NOLINTNEXTLINE(performance-unnecessary-value-param): the overrides keep it
    virtual void fence(std::function<void()> done) { done(); }
    /// Whether fence() may wait: if not, a request need not ask.
    [[nodiscard]] virtual bool fences() const { return false; }
    /// Nothing where no viewers are kept.
    [[nodiscard]] virtual std::optional<KeptViewers> kept_viewers() const { return std::nullopt; }
};

template <class AreaUnit>
std::unique_ptr<AreaUnit> StoreOf<AreaUnit>::begin(TxMode mode) {
    return store_.begin(mode);
}

/// Argon2id (SPEC §4). Implementations may be slow on purpose: call them on the hash pool only.
class PasswordHasher {
   public:
    virtual ~PasswordHasher() = default;
    [[nodiscard]] virtual std::string hash(std::string_view password) = 0;
    [[nodiscard]] virtual bool verify(const std::string& hash, std::string_view password) = 0;
    /// Costs what verify() costs and always fails: the answer for unknown usernames.
    virtual void verify_dummy(std::string_view password) = 0;
};

/// What the password rules need from text libraries: Unicode normalisation and a dictionary.
class PasswordQuality {
   public:
    virtual ~PasswordQuality() = default;
    /// The NFC form, or nothing when the text is not valid UTF-8.
    [[nodiscard]] virtual std::optional<std::string> normalize(std::string_view text) = 0;
    /// A dictionary word, a common password or a trivial variation of one.
    [[nodiscard]] virtual bool is_weak(std::string_view password, std::string_view username) = 0;
};

/// Fresh CAPTCHA answers (the alphabet is the drawing's business).
class CaptchaAnswers {
   public:
    virtual ~CaptchaAnswers() = default;
    [[nodiscard]] virtual std::string fresh() = 0;
};

/// What the audit log keeps of a name that matches no account (issue [7] §15): what was typed may
/// be a password in the wrong field, so it is never stored as typed; a digest keyed with the
/// installation's secret still shows repeated tries of the same text together, and tells nothing
/// to whoever reads the log or a copy of the database without the key.
class Pseudonyms {
   public:
    virtual ~Pseudonyms() = default;
    /// 16 hexadecimal digits: the same for the same text and key.
    [[nodiscard]] virtual std::string pseudonym(std::string_view text) const = 0;
};

/// Secrets: CSPRNG tokens and their one-way digests.
class Tokens {
   public:
    virtual ~Tokens() = default;
    /// A fresh 256-bit random token, base64url without padding.
    [[nodiscard]] virtual std::string token() = 0;
    /// The digest stored in place of a token (hex).
    [[nodiscard]] virtual std::string digest(std::string_view token) = 0;
    /// SHA-256 of `bytes` (hex): what `sha256sum` prints for an uploaded file.
    [[nodiscard]] virtual std::string sha256(std::string_view bytes) = 0;
    /// Compares two secrets in constant time.
    [[nodiscard]] virtual bool equal(std::string_view a, std::string_view b) = 0;
    /// A uniformly random integer in [0, upper).
    [[nodiscard]] virtual std::uint32_t uniform(std::uint32_t upper) = 0;
};

}  // namespace mina::ports
