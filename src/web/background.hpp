// Writes that a request leaves behind: a page answered on an I/O thread hands its session's touch
// (and an idle session's removal) to this queue instead of waiting for a disk or a database there.
// One thread runs the jobs in order; what is still queued runs before the queue goes.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace mina::web {

class Background final {
   public:
    /// At most `max_waiting` jobs wait; one more is dropped (and logged): a touch missed is made by
    /// the session's next request.
    explicit Background(std::size_t max_waiting = 10000);
    Background(const Background&) = delete;
    Background& operator=(const Background&) = delete;
    ~Background();

    /// Queues `job`; false when the queue is full (the job is dropped).
    bool post(std::function<void()> job);
    /// Waits until every job queued so far has run (tests, shutdown).
    void drain();

   private:
    void run();

    std::mutex mutex_;
    std::condition_variable wake_;
    std::condition_variable idle_;
    std::deque<std::function<void()>> jobs_;
    std::size_t max_waiting_;
    bool running_job_ = false;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace mina::web
