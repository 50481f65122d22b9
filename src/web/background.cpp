#include "web/background.hpp"

#include <exception>

#include <spdlog/spdlog.h>

namespace mina::web {

Background::Background(std::size_t max_waiting) : max_waiting_(max_waiting), thread_([this] { run(); }) {}

Background::~Background() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

bool Background::post(std::function<void()> job) {
    {
        std::lock_guard lock(mutex_);
        if (jobs_.size() >= max_waiting_) {
            spdlog::warn("background: {} jobs waiting; one dropped", jobs_.size());
            return false;
        }
        jobs_.push_back(std::move(job));
    }
    wake_.notify_one();
    return true;
}

void Background::drain() {
    std::unique_lock lock(mutex_);
    idle_.wait(lock, [this] { return jobs_.empty() && !running_job_; });
}

void Background::run() {
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
        if (jobs_.empty()) return;  // stopping, and nothing left to run
        auto job = std::move(jobs_.front());
        jobs_.pop_front();
        running_job_ = true;
        lock.unlock();
        try {
            job();
        } catch (const std::exception& e) {
            spdlog::warn("background: {}", e.what());
        }
        lock.lock();
        running_job_ = false;
        if (jobs_.empty()) idle_.notify_all();
    }
}

}  // namespace mina::web
