// Argon2id on a few dedicated threads: the callers wait, the hashing threads never do.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "core/common/ports.hpp"

namespace mina::crypto {

/// Runs another hasher's work on `threads` threads of its own and blocks the caller until the result
/// is there. A login first writes (its attempt is counted and committed), then hashes, then writes
/// again and waits for the fsync; if the hashing thread also did the writes, its core would idle
/// during every fsync. Here the writes happen on the caller's thread while these threads
/// hash the next logins, so hashing keeps every core it is given busy, and never more: at most
/// `threads` hashes, and their memory, at a time.
class HashingPool final : public ports::PasswordHasher {
   public:
    HashingPool(ports::PasswordHasher& inner, int threads);
    ~HashingPool() override;
    HashingPool(const HashingPool&) = delete;
    HashingPool& operator=(const HashingPool&) = delete;

    [[nodiscard]] std::string hash(std::string_view password) override;
    [[nodiscard]] bool verify(const std::string& hash, std::string_view password) override;
    void verify_dummy(std::string_view password) override;

   private:
    void run(const std::function<void()>& work);
    void loop();

    ports::PasswordHasher& inner_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<std::function<void()>*> queue_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace mina::crypto
