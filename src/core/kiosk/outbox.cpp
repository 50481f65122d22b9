#include "core/kiosk/outbox.hpp"

namespace mina::outbox {

namespace {
constexpr std::string_view kOtpAlphabet = "abcdefghjkmnpqrstuvwxyz23456789";  // no i, l, o, 0, 1
}

OutboxMail to(const Person& p, MailKind kind, Timestamp not_before, Timestamp now, std::string params) {
    OutboxMail m;
    m.kind = kind;
    m.person = p.id;
    m.recipient = p.email;
    m.lang = p.lang == "en" ? "en" : "sv";
    m.params = std::move(params);
    m.not_before = not_before;
    m.created_at = now;
    return m;
}

std::string new_otp(ports::Tokens& tokens) {
    std::string out;
    for (int i = 0; i < kOtpChars; ++i) {
        if (i > 0 && i % 4 == 0) out += '-';
        out += kOtpAlphabet[tokens.uniform(static_cast<std::uint32_t>(kOtpAlphabet.size()))];
    }
    return out;
}

std::string canonical_otp(std::string_view typed) {
    std::string out;
    for (char c : typed) {
        if (c == ' ' || c == '-' || c == '\t' || c == '\r' || c == '\n') continue;
        out += c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
        if (out.size() > 64) break;  // nobody types that much: bound the hash input
    }
    return out;
}

}  // namespace mina::outbox
