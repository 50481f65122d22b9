#include "core/login/passwords.hpp"

#include <algorithm>

#include "core/common/text.hpp"

namespace mina::passwords {

int count_chars(std::string_view utf8) {
    return static_cast<int>(std::count_if(utf8.begin(), utf8.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0) != 0x80;  // every byte that starts a character
    }));
}

std::optional<Problem> check(std::string_view password, std::string_view confirm, const Person& person,
                             ports::PasswordQuality& quality, std::string& normalized) {
    auto nfc = quality.normalize(password);
    if (!nfc || text::has_control_chars(*nfc)) return Problem::not_text;
    const int chars = count_chars(*nfc);
    if (chars < kMinChars) return Problem::too_short;
    if (chars > kMaxChars) return Problem::too_long;
    const std::string lowered = text::lower_ascii(*nfc);
    const std::string username = text::lower_ascii(person.username.value());
    if (!username.empty() && lowered.find(username) != std::string::npos) return Problem::has_username;
    const std::string local = text::lower_ascii(std::string_view(person.email).substr(0, person.email.find('@')));
    // A very short local part ("a@…") would forbid too much; three characters make it a name.
    if (local.size() >= 3 && lowered.find(local) != std::string::npos) return Problem::has_email;
    if (quality.is_weak(*nfc, person.username.value())) return Problem::weak;
    const auto confirm_nfc = quality.normalize(confirm);
    if (!confirm_nfc || *confirm_nfc != *nfc) return Problem::mismatch;
    normalized = std::move(*nfc);
    return std::nullopt;
}

}  // namespace mina::passwords
