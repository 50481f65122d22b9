#include "crypto/quality.hpp"

#include <pwquality.h>
#include <unistr.h>
#include <uninorm.h>

#include <cstdlib>
#include <stdexcept>

namespace mina::crypto {

namespace {
pwquality_settings_t* settings(void* p) { return static_cast<pwquality_settings_t*>(p); }
}  // namespace

PwQuality::PwQuality() : settings_(pwquality_default_settings()) {
    if (settings_ == nullptr) throw std::runtime_error("libpwquality: out of memory");
    // Our own rules decide length and character classes (any characters are welcome); from
    // libpwquality we want the dictionary (cracklib), the username and the trivial variations.
    auto* s = settings(settings_);
    pwquality_set_int_value(s, PWQ_SETTING_MIN_LENGTH, 6);
    pwquality_set_int_value(s, PWQ_SETTING_MIN_CLASS, 0);
    pwquality_set_int_value(s, PWQ_SETTING_DIG_CREDIT, 0);
    pwquality_set_int_value(s, PWQ_SETTING_UP_CREDIT, 0);
    pwquality_set_int_value(s, PWQ_SETTING_LOW_CREDIT, 0);
    pwquality_set_int_value(s, PWQ_SETTING_OTH_CREDIT, 0);
    pwquality_set_int_value(s, PWQ_SETTING_MAX_REPEAT, 4);
    pwquality_set_int_value(s, PWQ_SETTING_DICT_CHECK, 1);
    pwquality_set_int_value(s, PWQ_SETTING_USER_CHECK, 1);
}

PwQuality::~PwQuality() { pwquality_free_settings(settings(settings_)); }

std::optional<std::string> PwQuality::normalize(std::string_view text) {
    const auto* in = reinterpret_cast<const uint8_t*>(text.data());
    if (u8_check(in, text.size()) != nullptr) return std::nullopt;
    if (text.empty()) return std::string();
    std::size_t length = 0;
    uint8_t* out = u8_normalize(UNINORM_NFC, in, text.size(), nullptr, &length);
    if (out == nullptr) return std::nullopt;
    std::string result(reinterpret_cast<const char*>(out), length);
    std::free(out);
    return result;
}

bool PwQuality::is_weak(std::string_view password, std::string_view username) {
    const std::string pw(password);
    const std::string user(username);
    void* aux = nullptr;
    int rc = 0;
    {
        std::lock_guard lock(mu_);
        rc = pwquality_check(settings(settings_), pw.c_str(), nullptr, user.empty() ? nullptr : user.c_str(), &aux);
    }
    std::free(aux);
    switch (rc) {
        case PWQ_ERROR_CRACKLIB_CHECK:
        case PWQ_ERROR_PALINDROME:
        case PWQ_ERROR_USER_CHECK:
        case PWQ_ERROR_BAD_WORDS:
        case PWQ_ERROR_MAX_CONSECUTIVE:
        case PWQ_ERROR_MAX_SEQUENCE:
            return true;
        default:
            return false;  // our own rules judge length and the rest
    }
}

}  // namespace mina::crypto
