#include "crypto/hashing_pool.hpp"

#include <algorithm>
#include <exception>

namespace mina::crypto {

HashingPool::HashingPool(ports::PasswordHasher& inner, int threads) : inner_(inner) {
    for (int i = 0; i < std::max(1, threads); ++i) threads_.emplace_back([this] { loop(); });
}

HashingPool::~HashingPool() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
}

void HashingPool::loop() {
    for (;;) {
        std::function<void()>* work = nullptr;
        {
            std::unique_lock lock(mu_);
            cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;  // stopping, and nothing left to do
            work = queue_.front();
            queue_.pop_front();
        }
        (*work)();
    }
}

void HashingPool::run(const std::function<void()>& work) {
    std::mutex done_mu;
    std::condition_variable done_cv;
    bool done = false;
    std::exception_ptr error;
    std::function<void()> task = [&] {
        try {
            work();
        } catch (...) {
            error = std::current_exception();
        }
        std::lock_guard lock(done_mu);
        done = true;
        done_cv.notify_one();
    };
    {
        std::lock_guard lock(mu_);
        queue_.push_back(&task);
    }
    cv_.notify_one();
    std::unique_lock lock(done_mu);
    done_cv.wait(lock, [&] { return done; });
    if (error) std::rethrow_exception(error);
}

std::string HashingPool::hash(std::string_view password) {
    std::string out;
    run([&] { out = inner_.hash(password); });
    return out;
}

bool HashingPool::verify(const std::string& hash, std::string_view password) {
    bool ok = false;
    run([&] { ok = inner_.verify(hash, password); });
    return ok;
}

void HashingPool::verify_dummy(std::string_view password) {
    run([&] { inner_.verify_dummy(password); });
}

}  // namespace mina::crypto
