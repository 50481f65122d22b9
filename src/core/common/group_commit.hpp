// Group commit: writes that many requests make at once share one transaction, and its one trip to
// the disk. A write transaction costs the same whether it holds one audit row or fifty (the pages
// written to the WAL or PostgreSQL's log, the sync, the locks); what a sign-on writes (issue [11])
// is a row or two a request, so the rows ride together.
//
// One thread takes whatever writes are waiting, runs them all in one write transaction, commits
// (on disk when commit() returns, as every commit) and then tells each writer. While it commits,
// the next writes gather. A write may ask for less: `Sync::later` is told once its transaction is
// committed and visible, and reaches the disk with the next synced commit (UnitOfWork::
// commit_unsynced) — for a row whose flow is made durable by a later step (a code's audit row, by
// the exchange of the code). A batch with any write that asks for the disk is synced. If the shared transaction fails,
// each write runs again in a transaction of its own, so that one bad write fails alone; a write must therefore be a
// function of the unit alone (no effects outside it but the results it leaves for its own `done`).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "core/common/ports.hpp"

namespace mina {

template <class Unit>
class GroupCommit {
   public:
    using Write = std::function<void(Unit&)>;
    /// Called once, on the committing thread: null once the write is on disk, else why not.
    using Done = std::function<void(std::exception_ptr)>;
    /// When `done` is called: once the write is on disk (`now`), or once it is committed and
    /// visible, to reach the disk with the next synced commit (`later`).
    enum class Sync { now, later };

    /// `max_batch`: at most this many writes share a transaction. `gather`: while the last
    /// transaction held more than one write (others are writing too), the next waits up to this
    /// long for more before it begins, as PostgreSQL's commit_delay does; zero: never waits.
    explicit GroupCommit(ports::StoreOf<Unit> store, std::chrono::microseconds gather = {}, std::size_t max_batch = 256)
        : store_(store), gather_(gather), max_batch_(max_batch), thread_([this] { run(); }) {}
    GroupCommit(const GroupCommit&) = delete;
    GroupCommit& operator=(const GroupCommit&) = delete;
    GroupCommit(GroupCommit&&) = delete;
    GroupCommit& operator=(GroupCommit&&) = delete;
    /// Whatever is waiting is committed first.
    ~GroupCommit() {
        {
            std::lock_guard lock(mu_);
            stopping_ = true;
        }
        wake_.notify_one();
        thread_.join();
    }

    /// Hands `write` on; `done` follows once it is on disk (or failed). Never blocks on the disk.
    void submit(Write write, Done done, Sync sync = Sync::now) {
        {
            std::lock_guard lock(mu_);
            waiting_.push_back({std::move(write), std::move(done), sync});
        }
        wake_.notify_one();
    }

    /// Runs `write` in the next shared transaction and returns once it is on disk; throws what the
    /// write or the commit threw. For a thread that may wait (the work pool), never an I/O thread.
    void run(Write write) {
        std::promise<void> promise;
        auto outcome = promise.get_future();
        submit(std::move(write), [&promise](const std::exception_ptr& e) {
            if (e) promise.set_exception(e);
            else promise.set_value();
        });
        outcome.get();
    }

    /// Transactions committed and writes in them, since the start (for benchmarks and tests).
    struct Counts {
        std::size_t transactions = 0;
        std::size_t writes = 0;
    };
    [[nodiscard]] Counts counts() const {
        std::lock_guard lock(mu_);
        return counts_;
    }

   private:
    struct Waiting {
        Write write;
        Done done;
        Sync sync = Sync::now;
    };

    static void finish(ports::UnitOfWork& tx, Sync sync) {
        if (sync == Sync::now) tx.commit();
        else tx.commit_unsynced();
    }

    void run() {
        std::unique_lock lock(mu_);
        for (;;) {
            wake_.wait(lock, [this] { return stopping_ || !waiting_.empty(); });
            if (waiting_.empty()) return;  // stopping, and nothing left
            if (gather_.count() > 0 && last_batch_ > 1 && !stopping_)
                wake_.wait_for(lock, gather_, [this] { return stopping_ || waiting_.size() >= last_batch_; });
            std::vector<Waiting> batch;
            while (!waiting_.empty() && batch.size() < max_batch_) {
                batch.push_back(std::move(waiting_.front()));
                waiting_.pop_front();
            }
            lock.unlock();
            std::vector<std::exception_ptr> failed(batch.size());
            const std::size_t transactions = commit(batch, failed);
            lock.lock();
            counts_.transactions += transactions;
            counts_.writes += batch.size();
            last_batch_ = batch.size();
            // Counted before anyone hears: a writer that reads the counts next sees its own write.
            lock.unlock();
            for (std::size_t i = 0; i < batch.size(); ++i) tell(batch[i], failed[i]);
            lock.lock();
        }
    }

    /// Commits the batch in one transaction, or each write alone if that fails, and leaves in
    /// `failed` why each write failed (null: committed). Returns how many transactions it took.
    std::size_t commit(std::vector<Waiting>& batch, std::vector<std::exception_ptr>& failed) {
        try {
            auto tx = store_.begin(ports::TxMode::write);
            Sync sync = Sync::later;
            for (auto& w : batch) {
                w.write(*tx);
                if (w.sync == Sync::now) sync = Sync::now;
            }
            finish(*tx, sync);
        } catch (...) {
            if (batch.size() == 1) {
                failed.front() = std::current_exception();
                return 1;
            }
            for (std::size_t i = 0; i < batch.size(); ++i) {
                try {
                    auto tx = store_.begin(ports::TxMode::write);
                    batch[i].write(*tx);
                    finish(*tx, batch[i].sync);
                } catch (...) {
                    failed[i] = std::current_exception();
                }
            }
            return batch.size();
        }
        return 1;
    }

    static void tell(Waiting& w, const std::exception_ptr& e) {
        try {
            w.done(e);
        } catch (...) {  // a writer's `done` has nobody to tell of its own failure
        }
    }

    ports::StoreOf<Unit> store_;
    const std::chrono::microseconds gather_;
    const std::size_t max_batch_;
    std::size_t last_batch_ = 0;
    mutable std::mutex mu_;
    std::condition_variable wake_;
    std::deque<Waiting> waiting_;
    Counts counts_;
    bool stopping_ = false;
    std::thread thread_;  // last: starts once everything above is made
};

}  // namespace mina
