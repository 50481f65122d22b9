// Mail on the wire: MIME composition, SMTP delivery with libcurl, and the .eml spool used when no
// SMTP server is configured. What to send, and when, is the outbox's business (core).
#pragma once

#include <chrono>
#include <string>

namespace mina::mail {

struct Message {
    std::string from;     // "Mina tjänster <noreply@example.se>" or a bare address
    std::string to;       // a bare address
    std::string subject;  // UTF-8
    std::string text;     // the plain-text part, UTF-8
    std::string html;     // the HTML part, UTF-8 (empty: text only)
};

/// The message as RFC 5322 / MIME text with CRLF line ends: Date, Message-ID, From, To, Subject
/// (RFC 2047 encoded-word when not ASCII), MIME-Version, and multipart/alternative (text/plain,
/// then text/html) in UTF-8 with quoted-printable bodies; text/plain alone when html is empty.
/// `message_id` is the part inside the angle brackets; empty: a random one.
[[nodiscard]] std::string to_mime(const Message& m, const std::string& message_id = {});

enum class Fate {
    sent,    // the server accepted it
    retry,   // could not connect, timed out, or a 4xx answer: try again later
    failed,  // a 5xx answer: trying again will not help
};
struct Result {
    Fate fate;
    std::string detail;  // one line for the log and `mina outbox list`: the SMTP answer or the error
};

/// Delivers over SMTP (smtp://host:port, or smtps:// / STARTTLS when the URL asks for it) with
/// libcurl. Never throws.
[[nodiscard]] Result send_smtp(const std::string& smtp_url, const Message& m,
                               std::chrono::seconds timeout = std::chrono::seconds(30));

/// Writes the message as a new .eml file in `dir` (created if missing) and returns its path.
/// The file appears whole or not at all (written under a temporary name, then renamed). Throws
/// std::runtime_error if it cannot be written.
[[nodiscard]] std::string write_spool(const std::string& dir, const Message& m);

}  // namespace mina::mail
