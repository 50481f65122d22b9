// Studietider och utbildningar (the school's educations, study periods, contacts and file) and
// Ansök om studiemedel (the public search, kept rendered while the data has not changed).
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/studietider/service.hpp"
#include "web/page_cache.hpp"
#include "web/pages.hpp"

namespace mina::web {

class StudietiderPages final : Pages {
   public:
    struct Services {
        studietider::Service& studietider;
        /// Ansök om studiemedel's pages kept rendered (server.search_cache_pages).
        std::size_t search_cache_pages = 1000;
    };
    StudietiderPages(PageContext& ctx, Services s);
    void add_routes(Router& router);

   private:
    Response st_forbidden(const Authed& a, Request& req);
    /// A refusal as a page: 403 (audited) when the viewer may not, 404 for what is not there.
    Response st_refused(const Authed& a, Request& req, const studietider::Refused& no);
    Data st_education_options(const std::string& lang, const std::string& level, const std::string& unit) const;
    Response st_list_page(const Authed& a, Request& req, int status, Data d);
    Response service_studietider(Request& req, Authed& a);
    Response st_education_page(const Authed& a, Request& req, const std::string& code, int status, Data d);
    Response st_education(Request& req, Authed& a);
    Response st_save_education(Request& req, Authed& a, Form& form);
    Response st_confirm_withdraw(Request& req, Authed& a, Form& form, std::int64_t period);
    Response st_withdraw_education(Request& req, Authed& a, Form& form);
    Response st_save_period(Request& req, Authed& a, Form& form);
    Response st_period_action(Request& req, Authed& a, Form& form);
    Response st_contact(Request& req, Authed& a, Form& form);
    std::string st_file_refusal(const std::string& lang, const studietider::file::FileRefused& no) const;
    Response st_file_download(Request& req, Authed& a);
    Response st_file_page(const Authed& a, const std::string& file, const std::string& filename,
                          const studietider::file::Plan& plan, bool changed);
    Response st_file_upload(Request& req, Authed& a, Multipart& parts);
    Response st_file_save(Request& req, Authed& a, Form& form);
    Response st_public(Request& req);
    std::string st_public_page(Request& req, const std::string& lang, const Form& q, std::int64_t& generation);
    Response st_public_api(Request& req);
    std::string st_public_json(const Form& q, std::int64_t& generation);
    /// A page of Ansök om studiemedel from public_pages_ while the data has not changed, else
    /// `render`ed (it sets the generation it rendered) and kept; ETag and 304 for browsers.
    Response st_public_cached(Request& req, const std::string& key, std::string_view content_type,
                              const std::function<std::string(std::int64_t&)>& render);

    Services s_;
    PageCache public_pages_;  // Ansök om studiemedel, as page and as JSON
};

}  // namespace mina::web
