// Studeranderapportering: the chosen school's reports about its students, the school admin's API
// keys, the agency's view, and the reporting API (POST /api/v1/schools/{code}/reports).
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/reports/service.hpp"
#include "web/pages.hpp"

namespace mina::web {

class ReportsPages final : Pages {
   public:
    struct Services {
        reports::Service& reports;
    };
    ReportsPages(PageContext& ctx, Services s) : Pages(ctx), s_(s) {}
    void add_routes(Router& router);

   private:
    std::string sr_message(const std::string& lang, const std::string& code) const;
    Response sr_forbidden(const Authed& a, Request& req);
    Response sr_denied(const Authed& a, Request& req, const reports::Denied& no);
    Data sr_kind_options(const std::string& lang, const std::string& chosen, bool any) const;
    Data sr_kind_choices(const std::string& lang, const std::string& chosen) const;
    void sr_form_data(const Authed& a, Data& d, const reports::Fields& f, const std::vector<std::string>& errors,
                      const std::map<std::string, std::string>& field_errors);
    Response sr_list(Request& req, Authed& a, Form& q);
    Response sr_new(Request& req, Authed& a);
    Response sr_new_page(const Authed& a, Request& req, int status, const reports::Fields& f,
                         const std::vector<std::string>& errors, const std::map<std::string, std::string>& field_errors,
                         const std::string& again = {});
    Response sr_report(Request& req, Authed& a, Form& form);
    Response sr_student(Request& req, Authed& a);
    Response sr_student_page(const Authed& a, Request& req, std::int64_t id, int status, const reports::Fields& f,
                             const std::vector<std::string>& errors,
                             const std::map<std::string, std::string>& field_errors);
    Response sr_student_save(Request& req, Authed& a, Form& form);
    Response sr_export(Request& req, Authed& a, Form& q);
    Response sr_file(Request& req, Authed& a);
    Response sr_format(Request& req, Authed& a);
    Response sr_example(Request& req, Authed& a);
    Response sr_file_page(const Authed& a, Request& req, int status, const std::string& error);
    Response sr_preview_page(const Authed& a, reports::Upload& up, const std::string& file, const std::string& filename,
                             int status, bool changed);
    Response sr_file_upload(Request& req, Authed& a, Multipart& parts);
    std::string sr_file_refusal(const std::string& lang, const reports::Denied& no) const;
    Response sr_file_save(Request& req, Authed& a, Form& form);
    Response sr_submission(Request& req, Authed& a);
    [[nodiscard]] std::pair<std::string, std::string> sr_key_confirmation(const std::string& lang,
                                                                          const ApiKey& k) const;
    Response sr_keys_page(const Authed& a, Request& req, int status, Data d, const std::string& school);
    Response sr_keys(Request& req, Authed& a);
    Response sr_key_create(Request& req, Authed& a, Form& form);
    Response sr_key_revoke(Request& req, Authed& a, Form& form);
    Response sr_agency(Request& req, Authed& a);
    Response sr_agency_protection(Request& req, Authed& a, Form& form);
    /// The API's answer to a request whose key is missing (or, `verify`, not a live key of the school).
    [[nodiscard]] std::optional<Response> sr_api_admit(const Request& head, std::string_view school, bool verify);
    /// POST /api/v1/schools/{code}/reports, with the school's API key.
    Response sr_api(Request& req, const Segments& segments);

    Services s_;
};

}  // namespace mina::web
