// The append-only audit trail (SPEC §4): who, when, from where, what.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/common/types.hpp"

namespace mina {

struct AuditEvent {
    Timestamp at;
    std::string actor;    // a username, "cli:<os user>", or "anonymous"
    std::string address;  // the client address, or "local" for the CLI
    std::string kind;     // dotted, stable: "login.failed", "account.locked", "grant.added", …
    std::string subject;  // the username acted upon ("unknown:<keyed digest>" for a name typed that
                          // matches no account: login::audit_name; never the text as typed)
    std::string school;   // school code, when the event concerns one
    std::string detail;   // short free text for the operator; never a secret
};

/// What the audit log's reader asks for (issue [3] §2); empty fields match everything.
struct AuditFilter {
    std::string person;             // a username: the events it did (actor) or that were done to it (subject)
    std::string school;             // a school code
    std::string kind;               // "login.failed", or a family: "login" matches "login.*"
    std::optional<Timestamp> from;  // at or after
    std::optional<Timestamp> to;    // before
    std::int64_t before_id = 0;     // paging: only events older than this one (0: from the newest)
    int limit = 100;
};

struct AuditEntry {
    std::int64_t id = 0;
    AuditEvent event;
};

}  // namespace mina
