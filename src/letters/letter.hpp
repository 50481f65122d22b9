// The letter that carries a new account's username (SPEC R3; manual §2.1): an A4 PDF rendered with
// cairo and pango, the school's postal address placed for a window envelope, and no password.
#pragma once

#include <string>
#include <vector>

namespace mina::letters {

struct Letter {
    std::string lang;                        // "sv" or "en"
    std::string agency_name;                 // "CSN"
    std::vector<std::string> return_lines;   // the agency's return address, small, above the window
    std::string recipient_name;              // "Karin Lindh"
    std::string school_name;                 // "Komvux Malmö"
    std::vector<std::string> address_lines;  // the school's postal address, in the window
    std::string username;                    // "kl1021"
    std::string date;                        // "2026-11-29"
    std::string kiosk_url;                   // "https://mina.example.se/kiosk/forsta-gangen"
    std::string school_phone;                // "0771-276 400"
    std::string otp_delay_words;             // "2 dagar": when the mail with the one-time password comes
};

/// Writes the letter as a one-page A4 PDF at `path` (the directory must exist); the file appears
/// whole or not at all. Throws std::runtime_error with a one-line reason.
void write_pdf(const Letter& letter, const std::string& path);

}  // namespace mina::letters
