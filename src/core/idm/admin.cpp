#include "core/idm/admin.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "core/kiosk/outbox.hpp"
#include "core/login/login.hpp"

namespace mina::admin {

namespace {
constexpr std::size_t kMaxNameLength = 100;
constexpr std::size_t kMaxEmailLength = 254;
constexpr int kUsernameTries = 50;

bool printable_utf8_line(std::string_view s) {
    return std::none_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; });
}

// Folds the Swedish and common Latin letters to ASCII for usernames.
char fold(std::string_view s, std::size_t& i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
        ++i;
        return std::isalpha(c) ? static_cast<char>(std::tolower(c)) : '\0';
    }
    if (c == 0xC3 && i + 1 < s.size()) {
        const auto d = static_cast<unsigned char>(s[i + 1]);
        i += 2;
        if ((d >= 0x80 && d <= 0x85) || (d >= 0xA0 && d <= 0xA5)) return 'a';
        if ((d >= 0x88 && d <= 0x8B) || (d >= 0xA8 && d <= 0xAB)) return 'e';
        if ((d >= 0x8C && d <= 0x8F) || (d >= 0xAC && d <= 0xAF)) return 'i';
        if ((d >= 0x92 && d <= 0x96) || d == 0x98 || (d >= 0xB2 && d <= 0xB6) || d == 0xB8) return 'o';
        if ((d >= 0x99 && d <= 0x9C) || (d >= 0xB9 && d <= 0xBC)) return 'u';
        return '\0';
    }
    ++i;
    while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
    return '\0';
}

char first_letter(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        if (char c = fold(s, i)) return c;
    }
    return 'x';
}
}  // namespace

bool valid_email(std::string_view email) {
    if (email.size() < 3 || email.size() > kMaxEmailLength) return false;
    const auto at = email.find('@');
    if (at == 0 || at == std::string_view::npos || email.find('@', at + 1) != std::string_view::npos) return false;
    const std::string_view domain = email.substr(at + 1);
    if (domain.empty() || domain.find('.') == std::string_view::npos || domain.front() == '.' || domain.back() == '.' ||
        domain.find("..") != std::string_view::npos)
        return false;
    return std::all_of(email.begin(), email.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u > 0x20 && u != 0x7F && c != '<' && c != '>' && c != ',' && c != ';' && c != '"' && c != '\\';
    });
}

bool valid_school_code(std::string_view code) {
    return !code.empty() && code.size() <= 16 && std::all_of(code.begin(), code.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
    });
}

std::string username_letters(std::string_view first, std::string_view last) {
    return {first_letter(first), first_letter(last)};
}

Result<Done> Service::add_school(const School& s, const Actor& who, Timestamp now) {
    if (!valid_school_code(s.code.value()))
        return Refusal{"school code must be 1-16 letters, digits or '-': '" + s.code.value() + "'"};
    if (s.name.empty() || s.name.size() > 200 || !printable_utf8_line(s.name))
        return Refusal{"school name must be 1-200 characters on one line"};
    auto tx = store_.begin(ports::TxMode::write);
    if (!tx->schools().add(s, now)) return Refusal{"a school with code " + s.code.value() + " already exists"};
    tx->audit().append({now,
                        who.name,
                        who.address,
                        "school.added",
                        {},
                        s.code.value(),
                        s.name + " (" + std::string(to_string(s.form)) + ")"});
    tx->commit();
    return Done{};
}

Result<Username> Service::add_person(const std::string& first, const std::string& last, const std::string& email,
                                     const Actor& who, Timestamp now) {
    auto tx = store_.begin(ports::TxMode::write);
    auto r = add_person(*tx, first, last, email, who, now);
    if (std::holds_alternative<Username>(r)) tx->commit();
    return r;
}

Result<Username> Service::add_person(idm::Unit& tx, const std::string& first, const std::string& last,
                                     const std::string& email, const Actor& who, Timestamp now) {
    for (const std::string* name : {&first, &last}) {
        if (name->empty() || name->size() > kMaxNameLength || !printable_utf8_line(*name))
            return Refusal{"first and last name must be 1-100 characters on one line"};
    }
    if (!valid_email(email)) return Refusal{"not a valid email address: '" + email + "'"};
    if (auto existing = tx.accounts().find_by_email(email))
        return Refusal{"a person with this email already exists: " + existing->username.value()};
    const std::string letters = username_letters(first, last);
    for (int i = 0; i < kUsernameTries; ++i) {
        Username candidate{letters + std::to_string(1000 + tokens_.uniform(9000))};
        if (tx.accounts().username_taken(candidate)) continue;
        Person p;
        p.username = candidate;
        p.first_name = first;
        p.last_name = last;
        p.email = email;
        tx.accounts().add(p, now);
        tx.audit().append({now, who.name, who.address, "person.added", candidate.value(), {}, first + " " + last});
        return candidate;
    }
    return Refusal{"could not find a free username; try again"};
}

Result<Done> Service::grant(const Username& u, const std::string& school, Role role, const Actor& who, Timestamp now) {
    auto tx = store_.begin(ports::TxMode::write);
    auto r = grant(*tx, u, school, role, who, now);
    if (std::holds_alternative<Done>(r)) tx->commit();
    return r;
}

Result<Done> Service::grant(idm::Unit& tx, const Username& u, const std::string& school, Role role, const Actor& who,
                            Timestamp now) {
    auto person = tx.accounts().find(Username{login::normalize_username(u.value())});
    if (!person) return Refusal{"no such user: " + u.value()};
    std::optional<SchoolCode> where;
    if (!school.empty()) {
        if (!tx.schools().find(SchoolCode{school})) return Refusal{"no such school: " + school};
        where = SchoolCode{school};
    } else if (role != Role::agency_admin) {
        return Refusal{"--school is required for role " + std::string(to_string(role))};
    }
    if (role == Role::agency_admin) where.reset();  // the agency's role holds for every school
    const auto before = tx.grants().access(person->id);
    const bool first = before.schools.empty() && !before.agency_admin;
    if (!tx.grants().add(Grant{person->id, where, role}, now, who.name))
        return Done{"already granted; nothing changed"};
    tx.audit().append({now, who.name, who.address, "grant.added", person->username.value(), school,
                       audit::say("role", {to_string(role)})});
    // R2, R3: the first grant of a person without a password sets the credentials in motion; the
    // one-time password goes by mail otp_email_delay later (the letter with the username: Identity
    // Manager). A person already known gets the grant and nothing else (R14).
    const auto credential = tx.accounts().credential(person->id);
    if (first && credential && credential->password_hash.empty() &&
        tx.outbox().count_pending(person->id, MailKind::otp_first) == 0) {
        tx.outbox().enqueue(outbox::to(*person, MailKind::otp_first, now + policy_.otp_email_delay, now));
        if (where)  // the username goes by letter, now, naming who gave the access
            tx.letters().queue(person->id, *where, who.agency ? GrantedBy::agency : GrantedBy::school_admin, now);
        tx.audit().append({now, who.name, who.address, "otp.scheduled", person->username.value(), school,
                           audit::say("otp_scheduled", {format_iso(now + policy_.otp_email_delay)})});
    }
    return Done{};
}

Result<Done> Service::unlock(const Username& u, const Actor& who, Timestamp now) {
    auto tx = store_.begin(ports::TxMode::write);
    auto person = tx->accounts().find(Username{login::normalize_username(u.value())});
    if (!person) return Refusal{"no such user: " + u.value()};
    const bool was_locked = tx->accounts().unlock(person->id);
    tx->audit().append({now,
                        who.name,
                        who.address,
                        "account.unlocked",
                        person->username.value(),
                        {},
                        was_locked ? std::string() : audit::say("was_not_locked")});
    tx->commit();
    return Done{was_locked ? "" : "the account was not locked"};
}

Result<Done> Service::reset_second_factor(const Username& u, const Actor& who, Timestamp now) {
    auto tx = store_.begin(ports::TxMode::write);
    auto person = tx->accounts().find(Username{login::normalize_username(u.value())});
    if (!person) return Refusal{"no such user: " + u.value()};
    const int removed = tx->factors().remove_all(person->id);
    if (removed == 0) return Done{"the person had no second factor: nothing changed"};  // rolled back
    const int ended = tx->sessions().remove_all_of(person->id, {});
    tx->audit().append({now,
                        who.name,
                        who.address,
                        "second_factor.reset",
                        person->username.value(),
                        {},
                        audit::say("factors_reset", {std::to_string(removed), std::to_string(ended)})});
    tx->outbox().enqueue(outbox::to(*person, MailKind::factor_reset, now, now, "agency"));
    tx->commit();
    return Done{};
}

Result<Done> Service::set_password(const Username& u, std::string_view password, const Actor& who, Timestamp now) {
    if (password.size() < 12) return Refusal{"the password must be at least 12 characters"};
    if (password.size() > 128) return Refusal{"the password must be at most 128 characters"};
    std::optional<Person> person;
    {
        auto tx = store_.begin(ports::TxMode::read);
        person = tx->accounts().find(Username{login::normalize_username(u.value())});
    }
    if (!person) return Refusal{"no such user: " + u.value()};
    const std::string hash = hasher_.hash(password);  // outside the transaction: it is slow on purpose
    auto tx = store_.begin(ports::TxMode::write);
    tx->accounts().set_password(person->id, hash, now);
    tx->password_history().add(person->id, hash, now);  // as every new password: the reuse rule sees it
    tx->sessions().remove_all_of(person->id, "");       // a new password ends every session
    tx->audit().append({now, who.name, who.address, "password.set_by_operator", person->username.value(), {}, {}});
    tx->commit();
    return Done{};
}

}  // namespace mina::admin
