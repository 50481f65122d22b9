// What the password kiosk and the mail it sends need from storage (SPEC R4, R5, R8–R10, §4, §5):
// the kiosk's flows and the one-time passwords, besides the repositories the areas share.
#pragma once

#include "core/common/repositories.hpp"
#include "core/login/ports.hpp"

namespace mina::ports {

/// One-time passwords: at most one live per person; put() replaces the old one.
class Otps {
   public:
    virtual ~Otps() = default;
    virtual void put(const Otp& otp) = 0;
    [[nodiscard]] virtual std::optional<Otp> find(PersonId id) = 0;
    /// Counts a wrong entry atomically and returns the new count.
    virtual int count_wrong(PersonId id) = 0;
    /// Uses the one-time password that was compared (`hash`) up, in one atomic statement: true for
    /// exactly one caller however many flows try at once (SPEC §4 single use, STYLE habit 5); false
    /// when it was used, replaced, killed or expired (`expires_at <= now`) in the meantime.
    [[nodiscard]] virtual bool consume(PersonId id, const std::string& hash, Timestamp now) = 0;
    virtual void remove(PersonId id) = 0;
};

class KioskFlows {
   public:
    virtual ~KioskFlows() = default;
    virtual void create(const KioskFlow& f) = 0;
    [[nodiscard]] virtual std::optional<KioskFlow> find(const std::string& id_hash) = 0;
    /// Saves kind, stage, person, CAPTCHA and expiry.
    virtual void update(const KioskFlow& f) = 0;
    virtual void remove(const std::string& id_hash) = 0;
    virtual int remove_expired(Timestamp now) = 0;
};

}  // namespace mina::ports

namespace mina::kiosk {

/// The kiosk's flows (kiosk::Service): its sign-in shares the portal login's lockout step.
class Unit : public virtual login::LockoutUnit {
   public:
    virtual ports::Otps& otps() = 0;
    virtual ports::KioskFlows& kiosk_flows() = 0;
    virtual ports::PasswordHistory& password_history() = 0;
    virtual ports::Sessions& sessions() = 0;
};

using Store = ports::StoreOf<Unit>;

}  // namespace mina::kiosk

namespace mina::mailer {

/// The mail and letters that credentials set in motion (mailer::Service).
class Unit : public virtual ports::UnitOfWork {
   public:
    virtual ports::Accounts& accounts() = 0;
    virtual ports::Schools& schools() = 0;
    virtual ports::Otps& otps() = 0;
    virtual ports::Outbox& outbox() = 0;
    virtual ports::Letters& letters() = 0;
    virtual ports::Audit& audit() = 0;
};

using Store = ports::StoreOf<Unit>;

}  // namespace mina::mailer
