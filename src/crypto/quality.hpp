// The password rules' text work: NFC with libunistring; the "dictionary or common password" check with our
// own word lists (Swedish and English), a compiled-in list of common passwords and libpwquality.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/ports.hpp"

namespace mina::crypto {

/// A read-only set of words kept in one buffer with 32-bit offsets: about a third of the memory a
/// std::vector<std::string> of the same ~170 000 short words would take.
class WordSet {
   public:
    void reserve(std::size_t more_bytes, std::size_t more_words);
    void add(std::string_view word);  // only before finish()
    void finish();                    // sorts, drops duplicates and spare capacity
    [[nodiscard]] bool contains(std::string_view word) const;
    [[nodiscard]] std::size_t size() const { return starts_.empty() ? 0 : starts_.size() - 1; }
    [[nodiscard]] std::size_t memory_bytes() const;

   private:
    [[nodiscard]] std::string_view at(std::size_t i) const;
    std::string text_;
    std::vector<std::uint32_t> starts_;  // after finish(): word i is text_[starts_[i], starts_[i + 1])
};

class PwQuality final : public ports::PasswordQuality {
   public:
    /// Loads the word lists (a missing one is skipped): once, at server start.
    PwQuality();
    ~PwQuality() override;
    PwQuality(const PwQuality&) = delete;
    PwQuality& operator=(const PwQuality&) = delete;

    [[nodiscard]] std::optional<std::string> normalize(std::string_view text) override;
    [[nodiscard]] bool is_weak(std::string_view password, std::string_view username) override;

    /// The loaded dictionary, for start-up logs and the tests.
    [[nodiscard]] std::size_t dictionary_words() const { return dictionary_.size(); }
    [[nodiscard]] std::size_t dictionary_bytes() const { return dictionary_.memory_bytes(); }

   private:
    [[nodiscard]] bool is_weak_core(std::string_view core, std::string_view user) const;
    [[nodiscard]] bool is_weak_word(std::string_view word, std::string_view user) const;
    [[nodiscard]] bool is_keyboard_run(std::string_view word) const;
    [[nodiscard]] bool pwquality_says_weak(std::string_view password, std::string_view username);

    // Read-only after the constructor, so the threads share them without a lock.
    WordSet dictionary_;
    WordSet common_;
    std::vector<std::string> keyboard_runs_;

    std::mutex mu_;  // cracklib is not known to be thread-safe
    void* settings_;
};

}  // namespace mina::crypto
