// What Identity Manager and the operator's commands (admin::Service) need from storage: people,
// schools, grants, and what a grant or a new password sets in motion (letters, mail, sessions ended).
#pragma once

#include "core/common/repositories.hpp"
#include "core/login/ports.hpp"

namespace mina::idm {

/// idm::Service and admin::Service (which works inside idm::Service's transactions).
class Unit : public virtual ports::UnitOfWork {
   public:
    virtual ports::Accounts& accounts() = 0;
    virtual ports::Schools& schools() = 0;
    virtual ports::Grants& grants() = 0;
    virtual ports::Sessions& sessions() = 0;
    virtual ports::PasswordHistory& password_history() = 0;
    virtual ports::Outbox& outbox() = 0;
    virtual ports::Letters& letters() = 0;
    virtual ports::Audit& audit() = 0;
    virtual ports::Factors& factors() = 0;
};

using Store = ports::StoreOf<Unit>;

}  // namespace mina::idm
