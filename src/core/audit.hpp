// The append-only audit trail (SPEC §4): who, when, from where, what.
#pragma once

#include <optional>
#include <string>

#include "core/types.hpp"

namespace mina {

struct AuditEvent {
    Timestamp at;
    std::string actor;    // a username, "cli:<os user>", or "anonymous"
    std::string address;  // the client address, or "local" for the CLI
    std::string kind;     // dotted, stable: "login.failed", "account.locked", "grant.added", …
    std::string subject;  // the username acted upon (as typed, for failed logins)
    std::string school;   // school code, when the event concerns one
    std::string detail;   // short free text for the operator; never a secret
};

}  // namespace mina
