// The letter that carries a new account's username (SPEC R3; manual §2.1): an A4 PDF rendered with
// cairo and pango, the school's postal address placed for a window envelope, and no password.
#pragma once

#include <string>
#include <vector>

namespace mina::letters {

/// Who gave the person their first access, which the letter names: the school's authorization
/// administrator, or the agency itself (its staff in the Identity Manager, or its operators).
enum class GrantedBy { school_admin, agency };

struct Letter {
    std::string lang;         // "sv" or "en"
    std::string agency_name;  // "CSN"
    /// The agency's return address ("CSN", "851 82 Sundsvall"): one small line above the window,
    /// its parts joined by commas.
    std::vector<std::string> return_lines;
    std::string recipient_name;              // "Karin Lindh"
    std::string school_name;                 // "Komvux Malmö"
    std::vector<std::string> address_lines;  // the school's postal address, in the window
    std::string username;                    // "kl1021"
    std::string date;                        // "2026-11-29"
    std::string kiosk_url;                   // "https://mina.example.se/kiosk/forsta-gangen"
    std::string school_phone;                // "0771-276 400"
    std::string otp_delay_words;             // "2 dagar": when the mail with the one-time password comes
    GrantedBy granted_by = GrantedBy::school_admin;
    std::string max_failed_words;  // "tre gånger": wrong passwords allowed before the lock (empty: the manual's)
    std::string lockout_words;     // "30 minuter": how long the lock holds (empty: the manual's)
};

/// The return line above the window: the return lines joined by commas ("CSN, 851 82 Sundsvall"),
/// the agency's name once when the address's first line already begins with it.
[[nodiscard]] std::string return_line(const Letter& letter);

/// What the window shows below the return line: the recipient, the school, and the school's
/// address; the school's name only once, when the address's first line already begins with it.
[[nodiscard]] std::vector<std::string> recipient_lines(const Letter& letter);

/// Writes the letter as a one-page A4 PDF at `path` (the directory must exist); the file appears
/// whole or not at all. Throws std::runtime_error with a one-line reason.
void write_pdf(const Letter& letter, const std::string& path);

}  // namespace mina::letters
