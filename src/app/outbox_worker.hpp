// The outbox's delivery threads (SPEC §5): `concurrency` senders take due mail from the database
// (kiosk mail first), compose it, and hand it to SMTP, each exchange bounded by `timeout`, or to the
// .eml spool when no SMTP server is configured; a hung relay holds one sender, not the queue. One
// more thread queues R7's expiry reminders and renders the letters (R3). Any number of servers may
// run one: the database decides who sends which mail and who renders which letter.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/kiosk/mailer.hpp"
#include "time/local_time.hpp"
#include "web/site.hpp"
#include "web/views.hpp"

namespace mina::app {

struct OutboxOptions {
    std::string smtp_url;  // empty: write .eml files to spool_dir
    std::string spool_dir;
    std::string from;
    std::chrono::milliseconds poll{10000};                // how often to look for due mail (wake() is sooner)
    std::function<void(std::string_view outcome)> count;  // "sent", "spooled", "retry", "failed"
    std::string letters_dir;                              // where the letters' PDFs go (R3)
    int concurrency = 4;                                  // mails in the hands of SMTP at once (mail.concurrency)
    std::chrono::seconds timeout{30};                     // one whole SMTP exchange at most (mail.timeout)
};

class OutboxWorker {
   public:
    OutboxWorker(mailer::Service& mailer, const web::Views& views, const web::SiteConfig& site, const time::Zone& zone,
                 const PolicyConfig& policy, const Clock& clock, OutboxOptions options);
    ~OutboxWorker();  // stops and joins
    OutboxWorker(const OutboxWorker&) = delete;
    OutboxWorker& operator=(const OutboxWorker&) = delete;

    /// Mail is waiting: look now rather than at the next poll.
    void wake();

   private:
    /// Runs `round` now, then again at each poll or wake() until the worker stops.
    void loop(void (OutboxWorker::*round)());
    /// Queues due reminders and renders the letters that can be made.
    void housekeeping();
    /// Sends due mail until none is left (one of `concurrency` senders).
    void send_due();
    void render(const mailer::Service::LetterJob& job);

    mailer::Service& mailer_;
    const web::Views& views_;
    const web::SiteConfig& site_;
    const time::Zone& zone_;
    const PolicyConfig& policy_;
    const Clock& clock_;
    OutboxOptions options_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::uint64_t wakes_ = 0;  // how many times wake() was called: each thread sees every wake
    bool stopping_ = false;
    std::thread thread_;
    std::vector<std::thread> senders_;
};

}  // namespace mina::app
