#include "app/outbox_worker.hpp"

#include <spdlog/spdlog.h>

#include <filesystem>

#include "letters/letter.hpp"
#include "mail/mail.hpp"
#include "web/mails.hpp"

namespace mina::app {

OutboxWorker::OutboxWorker(mailer::Service& mailer, const web::Views& views, const web::SiteConfig& site,
                           const PolicyConfig& policy, const Clock& clock, OutboxOptions options)
    : mailer_(mailer), views_(views), site_(site), policy_(policy), clock_(clock), options_(std::move(options)) {
    thread_ = std::thread([this] { loop(); });
}

OutboxWorker::~OutboxWorker() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
    }
    cv_.notify_all();
    thread_.join();
}

void OutboxWorker::wake() {
    {
        std::lock_guard lock(mu_);
        woken_ = true;
    }
    cv_.notify_all();
}

void OutboxWorker::loop() {
    for (;;) {
        try {
            run_once();
        } catch (const std::exception& e) {
            spdlog::error("outbox: {}", e.what());  // the database may be away; the next round tries again
        }
        std::unique_lock lock(mu_);
        cv_.wait_for(lock, options_.poll, [&] { return stopping_ || woken_; });
        if (stopping_) return;
        woken_ = false;
    }
}

int OutboxWorker::render_letters() {
    int rendered = 0;
    for (const auto& job : mailer_.letters_to_render(50)) {
        const auto& p = job.person;
        letters::Letter letter;
        letter.lang = p.lang == "en" ? "en" : "sv";
        letter.agency_name = site_.agency_name;
        letter.return_lines = {site_.agency_name};
        letter.recipient_name = p.display_name();
        letter.school_name = job.school.name;
        for (std::size_t from = 0; from <= job.school.postal_address.size();) {
            const auto nl = job.school.postal_address.find('\n', from);
            const auto line = job.school.postal_address.substr(from, nl == std::string::npos ? std::string::npos : nl - from);
            if (!line.empty()) letter.address_lines.push_back(line);
            if (nl == std::string::npos) break;
            from = nl + 1;
        }
        letter.username = p.username.value();
        letter.date = format_iso(clock_.now()).substr(0, 10);
        const std::string base = site_.public_url.empty() ? "http://127.0.0.1:8080" : site_.public_url;
        letter.kiosk_url = base + "/kiosk/forsta-gangen";
        letter.school_phone = site_.school_phone;
        const auto days = std::max<long long>(policy_.otp_email_delay.count() / 86400, 1);
        const bool en = letter.lang == "en";
        letter.otp_delay_words = std::to_string(days) + (en ? (days == 1 ? " day" : " days") : (days == 1 ? " dag" : " dagar"));
        const std::string path = options_.letters_dir + "/" + letter.date + "-" + letter.username + "-" +
                                 std::to_string(job.letter.id) + ".pdf";
        try {
            std::filesystem::create_directories(options_.letters_dir);
            letters::write_pdf(letter, path);
            mailer_.letter_rendered(job.letter.id, path, clock_.now());
            spdlog::info("letters: letter {} for {} written to {}", job.letter.id, letter.username, path);
            ++rendered;
        } catch (const std::exception& e) {
            mailer_.letter_failed(job.letter.id, e.what());
            spdlog::error("letters: letter {} for {}: {}", job.letter.id, letter.username, e.what());
        }
    }
    return rendered;
}

int OutboxWorker::run_once() {
    if (int n = mailer_.queue_reminders(clock_.now()); n > 0) spdlog::info("outbox: queued {} expiry reminder(s)", n);
    render_letters();
    int handled = 0;
    while (auto claimed = mailer_.next(clock_.now())) {
        {
            std::lock_guard lock(mu_);
            if (stopping_) return handled;  // the lease runs out and another round sends it
        }
        const auto& m = claimed->mail;
        const auto composed = web::compose_mail(views_, site_, policy_, m, claimed->person, claimed->otp);
        const mail::Message message{options_.from, m.recipient, composed.subject, composed.text, composed.html};
        ++handled;
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
        const auto result = mail::send_smtp(options_.smtp_url, message);
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
    return handled;
}

}  // namespace mina::app
