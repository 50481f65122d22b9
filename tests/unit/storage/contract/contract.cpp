// What the contract suites share.
#include "unit/storage/contract/contract.hpp"

namespace mina::contract {

Person person(const char* username, const char* first, const char* last, const char* email) {
    return Person{PersonId{}, Username{username}, first, last, email, "", ""};
}

OutboxMail mail_to(PersonId id, MailKind kind, Timestamp due) {
    OutboxMail m;
    m.kind = kind;
    m.person = id;
    m.recipient = "k@example.se";
    m.lang = "sv";
    m.params = "14";
    m.not_before = due;
    m.created_at = kT;
    return m;
}

}  // namespace mina::contract
