// The password rules' text work: NFC with libunistring, the dictionary check with libpwquality.
#pragma once

#include <mutex>

#include "core/ports.hpp"

namespace mina::crypto {

class PwQuality final : public ports::PasswordQuality {
   public:
    PwQuality();
    ~PwQuality() override;
    PwQuality(const PwQuality&) = delete;
    PwQuality& operator=(const PwQuality&) = delete;

    [[nodiscard]] std::optional<std::string> normalize(std::string_view text) override;
    [[nodiscard]] bool is_weak(std::string_view password, std::string_view username) override;

   private:
    std::mutex mu_;  // cracklib is not known to be thread-safe
    void* settings_;
};

}  // namespace mina::crypto
