#include "core/common/fingerprint.hpp"

namespace mina {

std::uint64_t Fingerprint::fnv1a(std::string_view bytes, std::uint64_t h) {
    for (const unsigned char c : bytes) {
        h ^= c;
        h *= kPrime;
    }
    return h;
}

Fingerprint& Fingerprint::add(std::string_view part) {
    h_ = fnv1a(part, h_);
    h_ = fnv1a("\xFF", h_);
    return *this;
}

Fingerprint& Fingerprint::add(std::int64_t number) { return add(std::to_string(number)); }

std::string Fingerprint::hex() const {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out(16, '0');
    for (std::size_t i = 0; i < 16; ++i) out[15 - i] = kDigits[(h_ >> (4 * i)) & 0xF];
    return out;
}

}  // namespace mina
