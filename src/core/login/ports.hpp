// What logging in and the portal's sessions need from storage (SPEC R6, R7, §4): the accounts,
// their grants and sessions, the per-client throttle, the audit log and the outbox. The lockout
// step (lockout.hpp), which the kiosk shares, sees only part of it.
#pragma once

#include <string>

#include "core/common/repositories.hpp"

namespace mina::ports {

/// Failures per client address, for the slowdown of SPEC §4.
class Throttle {
   public:
    virtual ~Throttle() = default;
    struct State {
        int failures = 0;
        Timestamp last_failure;
    };
    /// Failures from `address` since `window_start` (older ones are forgotten).
    [[nodiscard]] virtual State get(const std::string& address, Timestamp window_start) = 0;
    virtual void record_failure(const std::string& address, Timestamp now, Timestamp window_start) = 0;
};

}  // namespace mina::ports

namespace mina::login {

/// What one attempt's lockout step touches (lockout.hpp): the portal's login and the kiosk's sign-in.
class LockoutUnit : public virtual ports::UnitOfWork {
   public:
    virtual ports::Accounts& accounts() = 0;
    virtual ports::Throttle& throttle() = 0;
    virtual ports::Audit& audit() = 0;
    virtual ports::Outbox& outbox() = 0;
};

/// Logging in and the portal (login::Service, portal::Service).
class Unit : public virtual LockoutUnit {
   public:
    virtual ports::Grants& grants() = 0;
    virtual ports::Sessions& sessions() = 0;
};

using Store = ports::StoreOf<Unit>;

}  // namespace mina::login
