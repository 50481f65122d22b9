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
    Response idm_add_person(Request& req, Authed& a, Form& form);
    Response idm_set_services(Request& req, Authed& a, Form& form);
    Response idm_remove(Request& req, Authed& a, Form& form);
    Response idm_unlock(Request& req, Authed& a, Form& form);
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
