#include "app/outbox_worker.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>

#include "letters/letter.hpp"
#include "mail/mail.hpp"
#include "web/mails.hpp"
#include "web/wording.hpp"

namespace mina::app {

OutboxWorker::OutboxWorker(mailer::Service& mailer, const web::Views& views, const web::SiteConfig& site,
                           const time::Zone& zone, const PolicyConfig& policy, const Clock& clock,
                           OutboxOptions options)
    : mailer_(mailer),
      views_(views),
      site_(site),
      zone_(zone),
      policy_(policy),
      clock_(clock),
      options_(std::move(options)) {
    thread_ = std::thread([this] { loop(&OutboxWorker::housekeeping); });
    for (int i = 0; i < std::max(1, options_.concurrency); ++i)
        senders_.emplace_back([this] { loop(&OutboxWorker::send_due); });
}

OutboxWorker::~OutboxWorker() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
    }
    cv_.notify_all();
    thread_.join();
    for (auto& t : senders_) t.join();  // a sender inside an exchange ends within options_.timeout
}

void OutboxWorker::wake() {
    {
        std::lock_guard lock(mu_);
        ++wakes_;
    }
    cv_.notify_all();
}

void OutboxWorker::loop(void (OutboxWorker::*round)()) {
    for (;;) {
        std::uint64_t seen = 0;
        {
            std::lock_guard lock(mu_);
            seen = wakes_;  // a wake() during the round means another round at once
        }
        try {
            (this->*round)();
        } catch (const std::exception& e) {
            spdlog::error("outbox: {}", e.what());  // the database may be away; the next round tries again
        }
        std::unique_lock lock(mu_);
        cv_.wait_for(lock, options_.poll, [&] { return stopping_ || wakes_ != seen; });
        if (stopping_) return;
    }
}

void OutboxWorker::housekeeping() {
    if (int n = mailer_.queue_reminders(clock_.now()); n > 0) spdlog::info("outbox: queued {} expiry reminder(s)", n);
    // Said once for each letter, by whichever server finds it first; the letter waits without error.
    for (const auto& w : mailer_.newly_waiting_letters(clock_.now()))
        spdlog::warn(
            "letters: letter {} for {} waits in the print queue: school {} has no postal address; it is made "
            "once the address is set (mina admin school set-address, or the school's page)",
            w.letter.id, w.person.username.value(), w.school.code.value());
    while (auto job = mailer_.next_letter(clock_.now())) {
        {
            std::lock_guard lock(mu_);
            if (stopping_) return;  // the lease runs out and another round renders it
        }
        render(*job);
    }
}

void OutboxWorker::render(const mailer::Service::LetterJob& job) {
    const auto& p = job.person;
    letters::Letter letter;
    letter.lang = p.lang == "en" ? "en" : "sv";
    letter.agency_name = site_.agency_name;
    letter.return_lines = {site_.agency_name};
    letter.return_lines.insert(letter.return_lines.end(), site_.agency_postal_address.begin(),
                               site_.agency_postal_address.end());
    letter.granted_by =
        job.letter.granted_by == GrantedBy::agency ? letters::GrantedBy::agency : letters::GrantedBy::school_admin;
    letter.recipient_name = p.display_name();
    letter.school_name = job.school.name;
    for (std::size_t from = 0; from <= job.school.postal_address.size();) {
        const auto nl = job.school.postal_address.find('\n', from);
        const auto line =
            job.school.postal_address.substr(from, nl == std::string::npos ? std::string::npos : nl - from);
        if (!line.empty()) letter.address_lines.push_back(line);
        if (nl == std::string::npos) break;
        from = nl + 1;
    }
    letter.username = p.username.value();
    letter.date = to_string(zone_.day_of(clock_.now()));  // the day it is printed, where it is read
    letter.kiosk_url = site_.link_base() + "/kiosk/forsta-gangen";
    letter.school_phone = site_.school_phone;
    const auto days = std::max<long long>(policy_.otp_email_delay.count() / 86400, 1);
    letter.otp_delay_words = web::duration_words(letter.lang, Seconds{days * 86400});
    // The lock as the login page states it: the policy's numbers, not the manual's.
    // "tre gånger", "en gång": the count in words with its noun in the catalog's plural form.
    letter.max_failed_words = views_.t_count(letter.lang, "times", policy_.max_failed_logins,
                                             {{"word", web::count_words(letter.lang, policy_.max_failed_logins)}});
    letter.lockout_words = web::duration_words(letter.lang, policy_.lockout, web::DayWord::dygn);
    const std::string path =
        options_.letters_dir + "/" + letter.date + "-" + letter.username + "-" + std::to_string(job.letter.id) + ".pdf";
    try {
        std::filesystem::create_directories(options_.letters_dir);
        letters::write_pdf(letter, path);
        mailer_.letter_rendered(job.letter.id, path, clock_.now());
        spdlog::info("letters: letter {} for {} written to {}", job.letter.id, letter.username, path);
    } catch (const std::exception& e) {
        mailer_.letter_failed(job.letter.id, e.what(), clock_.now());
        spdlog::error("letters: letter {} for {}: {}", job.letter.id, letter.username, e.what());
    }
}

void OutboxWorker::send_due() {
    while (auto claimed = mailer_.next(clock_.now())) {
        {
            std::lock_guard lock(mu_);
            if (stopping_) return;  // the lease runs out and another round sends it
        }
        const auto& m = claimed->mail;
        const auto composed = web::compose_mail(views_, site_, zone_, policy_, m, claimed->person, claimed->otp);
        const mail::Message message{options_.from, m.recipient, composed.subject, composed.text, composed.html};
        if (options_.smtp_url.empty()) {
            try {
                const std::string path = mail::write_spool(options_.spool_dir, message);
                mailer_.sent(m, clock_.now(), "spooled: " + path);
                if (options_.count) options_.count("spooled");
                spdlog::info("outbox: mail {} ({}) to {} written to {}", m.id, to_string(m.kind), m.recipient, path);
            } catch (const std::exception& e) {
                mailer_.not_sent(m, clock_.now(), e.what(), false);
                if (options_.count) options_.count("retry");
                spdlog::warn("outbox: mail {} could not be spooled: {}", m.id, e.what());
            }
            continue;
        }
        const auto result = mail::send_smtp(options_.smtp_url, message, options_.timeout);
        if (result.fate == mail::Fate::sent) {
            mailer_.sent(m, clock_.now(), result.detail);
            if (options_.count) options_.count("sent");
            spdlog::info("outbox: mail {} ({}) to {} sent: {}", m.id, to_string(m.kind), m.recipient, result.detail);
        } else {
            mailer_.not_sent(m, clock_.now(), result.detail, result.fate == mail::Fate::failed);
            if (options_.count) options_.count(result.fate == mail::Fate::failed ? "failed" : "retry");
            spdlog::warn("outbox: mail {} ({}) to {} not sent (attempt {}): {}", m.id, to_string(m.kind), m.recipient,
                         m.attempts, result.detail);
        }
    }
}

}  // namespace mina::app
