// The Identity Manager (manual §4): a school admin's people and grants, the agency's schools and
// admins, letters, mail that failed, the audit log and the CSV import.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/idm/idm.hpp"
#include "web/pages.hpp"

namespace mina::web {

/// A person's page in the Identity Manager ([10] item 2), with a message to show (`m`).
[[nodiscard]] std::string idm_person_path(const std::string& code, const std::string& username,
                                          std::string_view message = {});

class IdmPages final : Pages {
   public:
    struct Services {
        idm::Service& idm;
        /// Tells the outbox worker that mail is waiting.
        std::function<void()> wake_mail;
    };
    IdmPages(PageContext& ctx, Services s) : Pages(ctx), s_(std::move(s)) {}
    void add_routes(Router& router);

   private:
    Response idm_forbidden(const Authed& a, Request& req);
    Response identity_manager(Request& req, Authed& a);
    Response idm_schools_page(const Authed& a, int status, Data d);
    Response idm_people_page(const Authed& a, Request& req, const std::string& school, int status, Data d);
    Response idm_school(Request& req, Authed& a);
    // The list and a person's page (web/idm_person.cpp)
    /// The school's people as the list shows them: filtered, sorted and one page of them, by the
    /// address's choices (a GET's; a form answered again shows the list as first opened).
    void people_list(const Authed& a, const Request& req, const School& s, std::vector<PersonAtSchool> people, Data& d);
    [[nodiscard]] std::string services_words(const std::string& lang, const std::vector<Role>& roles) const;
    /// "Aktiv", "Väntar på första inloggning", "Låst till …": the list's column.
    [[nodiscard]] std::string state_short(const std::string& lang, const PersonAtSchool& p) const;
    /// The state in sentences: last login, the password's age, the letter and the mail, the lock.
    [[nodiscard]] std::string state_sentences(const std::string& lang, const PersonAtSchool& p) const;
    Response idm_person(Request& req, Authed& a);
    Response idm_person_page(const Authed& a, Request& req, const std::string& school, const std::string& username,
                             int status, Data d);
    Response idm_add_person(Request& req, Authed& a, Form& form);
    Response idm_set_services(Request& req, Authed& a, Form& form);
    Response idm_remove(Request& req, Authed& a, Form& form);
    Response idm_unlock(Request& req, Authed& a, Form& form);
    Response idm_reset_factor(Request& req, Authed& a, Form& form);
    Response idm_search(Request& req, Authed& a);
    Response idm_letters(Request& req, Authed& a);
    Response idm_letter_pdf(Request& req, Authed& a);
    Response idm_letter_posted(Request& req, Authed& a, Form& form);
    Response idm_appoint_admin(Request& req, Authed& a, Form& form);
    Response idm_remove_admin(Request& req, Authed& a, Form& form);
    Response idm_send_otp(Request& req, Authed& a, Form& form);
    /// The manual's school forms for a <select>, with `chosen` selected.
    [[nodiscard]] Data school_form_options(const std::string& lang, const std::string& chosen) const;
    Response idm_refused(const Authed& a, Request& req, idm::Problem p);
    Response idm_add_school(Request& req, Authed& a, Form& form);
    /// [10] item 3: a new school and its authorization administrator in one form.
    Response idm_add_school_with_admin(Request& req, Authed& a, Form& form);
    Response idm_update_school(Request& req, Authed& a, Form& form);
    /// Adds a school, or changes one (the agency).
    Response idm_save_school(Request& req, const Authed& a, const Form& form, bool adding);
    Response idm_mail(Request& req, Authed& a);
    Response idm_mail_retry(Request& req, Authed& a, Form& form);
    Response idm_audit(Request& req, Authed& a);
    Response idm_import_page(const Authed& a, const std::string& school, const std::string& file,
                             const std::string& filename, const idm::ImportPlan& plan, bool changed);
    Response idm_import(Request& req, Authed& a, Multipart& parts);
    Response idm_import_save(Request& req, Authed& a, Form& form);

    Services s_;
};

}  // namespace mina::web
