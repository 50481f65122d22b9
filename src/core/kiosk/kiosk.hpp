// Lösenordskiosken (manual §2.1 steps 2–4, §3; SPEC R4, R5, R8–R10, §4).
//
//   sign-in flow:  username + password or one-time password + CAPTCHA ─► new password ─► saved
//   forgot flow:   username + CAPTCHA ─► one-time password mailed ─► typed here ─► new password ─► saved
//
// A flow belongs to one browser (an HttpOnly cookie; the store keeps its digest). Every form checks
// the flow's CAPTCHA first, and every CAPTCHA is used once: right or wrong, a new one replaces it.
#pragma once

#include <optional>
#include <string>
#include <variant>

#include "core/common/ports.hpp"
#include "core/kiosk/ports.hpp"
#include "core/login/passwords.hpp"
#include "core/login/policy.hpp"

namespace mina::kiosk {

inline constexpr Seconds kCaptchaLife{10 * 60};
inline constexpr Seconds kFlowLife{30 * 60};
inline constexpr int kOtpMaxWrong = 5;           // the fifth wrong entry kills the one-time password
inline constexpr int kResetMailsPerQuarter = 3;  // one-time passwords ordered per person per 15 minutes
inline constexpr Seconds kResetMailWindow{15 * 60};

struct Visit {
    std::string token;  // for the cookie; only its digest is stored
    KioskFlow flow;
};

struct Proceed {};       // on to the next page
struct CaptchaWrong {};  // the characters did not match (or the CAPTCHA had expired)
struct Denied {};        // wrong username, password or one-time password, or a locked account: one answer
struct Expired {};       // the right password, but older than password_max_age (R7): order a new one
struct Throttled {
    Seconds wait;
};
using Outcome = std::variant<Proceed, CaptchaWrong, Denied, Expired, Throttled>;

struct Saved {};
struct Refused {
    passwords::Problem problem;
};
using SaveOutcome = std::variant<Saved, Refused>;

struct Options {
    std::string captcha_test_answer;  // SPEC §5: tests and demos only
    /// Keys what the audit log keeps of a typed username that matches no account (login::audit_name).
    const ports::Pseudonyms* pseudonyms = nullptr;
};

class Service final {
   public:
    Service(Store store, ports::PasswordHasher& hasher, ports::Tokens& tokens, ports::PasswordQuality& quality,
            ports::CaptchaAnswers& captchas, const PolicyConfig& policy, Options options)
        : store_(store),
          hasher_(hasher),
          tokens_(tokens),
          quality_(quality),
          captchas_(captchas),
          policy_(policy),
          options_(std::move(options)) {}

    /// The browser's flow, while it lives.
    [[nodiscard]] std::optional<KioskFlow> find(const std::string& token, Timestamp now);
    /// The first form of `kind`: the browser's flow starts over there with a fresh CAPTCHA, or a new
    /// flow (and token) begins.
    [[nodiscard]] Visit begin(const std::string& token, FlowKind kind, Timestamp now);
    /// "Byt tecken": a new CAPTCHA for the same form.
    void new_captcha(KioskFlow& f, Timestamp now);

    /// R4, R8: runs two Argon2id comparisons (the one-time password and the password, or dummies),
    /// whoever the username names, so the time tells nothing.
    [[nodiscard]] Outcome sign_in(KioskFlow& f, std::string_view username, std::string_view secret,
                                  std::string_view captcha, const ClientInfo& client, Timestamp now);
    /// R9, first form: the same answer whether or not the username exists; mail only if it does.
    [[nodiscard]] Outcome order_otp(KioskFlow& f, std::string_view username, std::string_view captcha,
                                    const ClientInfo& client, Timestamp now);
    /// R9, second form: the mailed one-time password.
    [[nodiscard]] Outcome enter_otp(KioskFlow& f, std::string_view typed, const ClientInfo& client, Timestamp now);
    /// R10: the new password. Requires a flow at the new-password stage.
    [[nodiscard]] SaveOutcome save_password(KioskFlow& f, std::string_view password, std::string_view confirm,
                                            const ClientInfo& client, Timestamp now);
    /// The person a flow has signed in (the new-password page shows the username and email).
    [[nodiscard]] std::optional<Person> person_of(const KioskFlow& f);
    /// Avbryt and AVSLUTA: the flow and everything it held end on the server.
    void end(const std::string& token, const ClientInfo& client, Timestamp now);
    /// Removes expired flows; returns how many.
    int sweep(Timestamp now);

   private:
    bool take_captcha(KioskFlow& f, std::string_view typed, const ClientInfo& client, Timestamp now);
    void fresh_captcha(KioskFlow& f, Timestamp now);

    Store store_;
    ports::PasswordHasher& hasher_;
    ports::Tokens& tokens_;
    ports::PasswordQuality& quality_;
    ports::CaptchaAnswers& captchas_;
    const PolicyConfig& policy_;
    Options options_;
};

}  // namespace mina::kiosk
