// A plan's fingerprint: 64-bit FNV-1a over its parts, as 16 hex digits. A preview shows a plan and
// carries its fingerprint in the form; the save makes the plan again and refuses it when the
// fingerprint differs (the file or the school's data changed in between). Not a secret and not a
// defence against a chosen collision: only "is this still the plan that was shown".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace mina {

class Fingerprint final {
   public:
    static constexpr std::uint64_t kOffsetBasis = 14695981039346656037ULL;  // FNV-1a 64
    static constexpr std::uint64_t kPrime = 1099511628211ULL;

    /// The bytes of `part`, then a 0xFF separator (a byte UTF-8 text never holds), so that
    /// "ab" + "c" differs from "a" + "bc".
    Fingerprint& add(std::string_view part);
    /// A number as its decimal digits.
    Fingerprint& add(std::int64_t number);

    /// The hash so far, without separators or formatting: for tests of the FNV-1a arithmetic.
    [[nodiscard]] std::uint64_t value() const { return h_; }
    /// 16 lower-case hex digits.
    [[nodiscard]] std::string hex() const;

    /// Plain FNV-1a 64 of `bytes` (no separator): the published test vectors hold for it.
    [[nodiscard]] static std::uint64_t fnv1a(std::string_view bytes, std::uint64_t h = kOffsetBasis);

   private:
    std::uint64_t h_ = kOffsetBasis;
};

}  // namespace mina
